//! The recipe client against the in-process application: it signs in, syncs, resends after a reconnect,
//! and its ledger holds exactly what was acked. (Against real instances that fail, the e2e conformance
//! suite drives hundreds of them.)

use exchange_testkit::ws::direct;
use exchange_testkit::ws::recipe::{RecipeClient, RecipeOptions, Target};
use exchange_testkit::{PASSWORD, TestApp};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

#[tokio::test]
async fn a_recipe_client_holds_every_acked_message_across_reconnects() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let (alice, bob) = (app.create_user("alice").await?, app.create_user("bob").await?);
    let options = RecipeOptions::new(vec![app.base_url()]);
    let mut a = RecipeClient::new("alice", PASSWORD, options.clone(), 0, 1);
    let mut b = RecipeClient::new("bob", PASSWORD, options, 0, 2);
    for client in [&mut a, &mut b] {
        while !client.ready() {
            client.pump(Duration::from_millis(50)).await?;
        }
    }
    assert_eq!(a.user_id(), Some(alice.id()));
    let conversation = direct(alice.id(), bob.id());
    let to_bob = Target::User(bob.id().to_owned());
    for n in 0..5 {
        a.send(&to_bob, json!({"n": n})).await;
    }
    // Bob drops his socket while messages are on their way; alice reconnects with sends not acked yet.
    b.reconnect(None).await;
    for n in 5..10 {
        a.send(&to_bob, json!({"n": n})).await;
    }
    a.reconnect(None).await;
    let expected = BTreeMap::from([(conversation.clone(), 10)]);
    a.catch_up(&expected, Duration::from_secs(30)).await?;
    b.catch_up(&expected, Duration::from_secs(30)).await?;

    let acked: BTreeMap<u64, String> =
        a.ledger().acks().iter().map(|ack| (ack.seq, ack.client_msg_id.clone())).collect();
    assert_eq!(acked.len(), 10, "every send acked once: {acked:?}");
    for client in [&a, &b] {
        let ledger = client.ledger();
        assert_eq!(ledger.check(&conversation, &acked), Ok(()));
        assert!(ledger.inversions().is_empty(), "{:?}", ledger.inversions());
        assert!(ledger.holes().is_empty(), "{:?}", ledger.holes());
        assert_eq!(ledger.figures().connections, 2);
    }
    assert!(b.ledger().figures().syncs >= 2, "a sync after each connect");
    Ok(())
}
