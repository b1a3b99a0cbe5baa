//! The kit's WebSocket client against the in-process gateway, with the chat REST operations of the typed
//! client beside it: what a client integrating the IM protocol (docs/ws-protocol.md) would test.

use exchange_testkit::{Ended, TestApp, WsClient};
use serde_json::json;

fn direct(a: &str, b: &str) -> String {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    format!("d:{lo}:{hi}")
}

#[tokio::test]
async fn two_users_chat_and_rest_sees_the_same_conversation() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let (alice, bob) = (app.create_user("alice").await?, app.create_user("bob").await?);
    let mut a = app.ws(&alice).await?;
    let mut b = app.ws(&bob).await?;
    assert_eq!(a.welcome()["user_id"], alice.id());
    assert_eq!(a.ping().await?["type"], "pong");

    let ack = a.send_text(bob.id(), "c-1", "你好 bob").await?;
    assert_eq!((ack["type"].as_str(), ack["seq"].as_u64()), (Some("ack"), Some(1)));
    assert_eq!(ack["conversation"], direct(alice.id(), bob.id()));
    let got = b.recv_type("message").await?;
    assert_eq!((got["body"].as_str(), got["sender_id"].as_str()), (Some("你好 bob"), Some(alice.id())));

    // A retry with the same client id is stored once and acked with the same seq.
    let retry = a.send_text(bob.id(), "c-1", "你好 bob").await?;
    assert_eq!((retry["seq"].as_u64(), retry["duplicate"].as_bool()), (Some(1), Some(true)));

    let conversation = direct(alice.id(), bob.id());
    let history = bob.api.history(&conversation, &[]).await?;
    assert_eq!(history.items.len(), 1);
    assert_eq!((history.items[0].seq, history.latest_seq), (1, 1));
    let listed = bob.api.conversations().await?;
    assert_eq!((listed.len(), listed[0].unread), (1, 1));
    // Reading over the socket tells the sender's socket and moves the position REST reports.
    let read_ack = b.read(&conversation, 1).await?;
    assert_eq!((read_ack["type"].as_str(), read_ack["seq"].as_u64()), (Some("read_ack"), Some(1)));
    let receipt = a.recv_type("read").await?;
    assert_eq!((receipt["user_id"].as_str(), receipt["seq"].as_u64()), (Some(bob.id()), Some(1)));
    assert_eq!(bob.api.conversations().await?[0].unread, 0);
    let read = bob.api.mark_read(&conversation, 5).await?;
    assert_eq!((read.last_read_seq, read.unread), (1, 0), "capped at the newest message");
    assert!(bob.api.presence(alice.id()).await?.online);
    Ok(())
}

#[tokio::test]
async fn sync_after_a_reconnect_returns_what_was_missed() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let (alice, bob) = (app.create_user("alice").await?, app.create_user("bob").await?);
    let conversation = direct(alice.id(), bob.id());
    let mut a = app.ws(&alice).await?;
    let b = app.ws(&bob).await?;
    a.send_text(bob.id(), "m-1", "one").await?;
    b.close().await?;
    for (i, text) in ["two", "three"].iter().enumerate() {
        a.send_text(bob.id(), &format!("m-{}", i + 2), text).await?;
    }
    let mut b = app.ws(&bob).await?;
    let (messages, synced) = b.sync(json!({ conversation.clone(): 1 })).await?;
    let replayed: Vec<_> = messages.iter().map(|m| (m["seq"].as_u64(), m["body"].as_str())).collect();
    assert_eq!(replayed, vec![(Some(2), Some("two")), (Some(3), Some("three"))]);
    assert_eq!(synced["conversations"][&conversation], 3);
    Ok(())
}

#[tokio::test]
async fn error_frames_become_client_errors_and_the_socket_stays_open() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let (alice, bob) = (app.create_user("alice").await?, app.create_user("bob").await?);
    let group = bob.api.create_group("bobs", &[]).await?;
    let mut a = app.ws(&alice).await?;
    let err = a.request(json!({"type": "no_such_frame"})).await.expect_err("unknown type");
    assert_eq!(err.code(), "ws.unknown_type");
    let err = a.send_to_group(&group.id, "g-1", "let me in").await.expect_err("not a member");
    assert_eq!(err.code(), "chat.not_member");
    assert_eq!(a.ping().await?["type"], "pong", "the connection keeps working");
    Ok(())
}

#[tokio::test]
async fn groups_and_admin_pushes_reach_connected_members() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let (alice, bob) = (app.create_user("alice").await?, app.create_user("bob").await?);
    let admin = app.create_admin("ops").await?;
    let group = alice.api.create_group("friends", &[bob.id()]).await?;
    assert_eq!((group.member_count, group.my_role.as_str()), (2, "owner"));
    assert_eq!(bob.api.members(&group.id).await?.total, 2);

    let mut a = app.ws(&alice).await?;
    let mut b = app.ws(&bob).await?;
    let ack = a.send_to_group(&group.id, "g-1", "hello friends").await?;
    assert_eq!(ack["conversation"], group.conversation);
    let got = b.recv_type("message").await?;
    assert_eq!(
        (got["conversation"].as_str(), got["body"].as_str()),
        (Some(group.conversation.as_str()), Some("hello friends"))
    );

    let pushed = admin.api.push("user", Some(bob.id()), "maintenance at 22:00").await?;
    assert_eq!(pushed.delivered, 1);
    let notice = b.recv_type("push").await?;
    assert_eq!((notice["scope"].as_str(), notice["text"].as_str()), (Some("user"), Some("maintenance at 22:00")));
    Ok(())
}

#[tokio::test]
async fn a_connection_over_the_per_user_limit_is_closed_with_4004() -> anyhow::Result<()> {
    let app = TestApp::start_with(|c| c.ws.max_connections_per_user = 1).await?;
    let alice = app.create_user("alice").await?;
    let _first = app.ws(&alice).await?;
    let mut second = WsClient::connect_anonymous(&app.ws_url()).await?;
    second.send_frame(json!({"type": "auth", "token": alice.tokens.access_token})).await?;
    assert_eq!(second.closed().await?, Ended::Close(4004));
    Ok(())
}
