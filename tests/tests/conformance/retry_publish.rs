//! Issue 13, point 2: a message an instance stored and then died before publishing reaches recipients
//! that were connected the whole time, when its sender retries it (the recipe: resend what was not acked,
//! with the same client_msg_id). The dead instance's work is played by the test: the message goes straight
//! into the server's database through the SQL adapter, with its client id and the conversation's next
//! seq, and is never published.
//!
//! On ac3b2f5 the retry found the stored message by its client id and answered `duplicate: true` without
//! publishing, so the recipient never received seq 2 live (and a `sync` from its cursor 1 was its only way
//! to learn of it): the wait for it below timed out.

use crate::{PASSWORD, builder};
use chrono::Utc;
use domain::chat::{ClientMsgId, ConversationId, Message, MessageBody, MessageId, MessageKind, MessageStore};
use domain::ids::UserId;
use e2e::chat_client::{ChatUser, FRAME_LIMIT};
use e2e::{Api, Composition, World};
use serde_json::{Value, json};

async fn a_retried_send_that_was_stored_but_never_published_reaches_live_recipients(composition: Composition) {
    let world = World::start(composition, builder()).await;
    let api = Api::new(&world.server.base);
    let alice = ChatUser::register(&api, "retry_alice", PASSWORD).await;
    let bob = ChatUser::register(&api, "retry_bob", PASSWORD).await;
    let mut a = alice.connect(&world.server.base).await.expect("alice connects");
    let first = a.send_text(&bob.id, "c-1", "one").await.expect("first send");
    let conversation: ConversationId = first["conversation"].as_str().expect("conversation").parse().expect("id");

    // Bob is connected and synced the whole time.
    let mut b = bob.connect(&world.server.base).await.expect("bob connects");
    let (replayed, synced) = b.sync(json!({})).await.expect("bob syncs");
    assert_eq!((replayed.len(), synced["conversations"][conversation.to_string()].as_u64()), (1, Some(1)), "{synced}");

    // Seq 2 stored by an instance that died before publishing it (and before acking alice).
    let stored = Message {
        id: MessageId::new(),
        conversation,
        sender: Some(UserId(alice.id.parse().expect("user id"))),
        client_id: Some(ClientMsgId::parse("c-2").expect("client id")),
        seq: 2,
        kind: MessageKind::Text,
        body: MessageBody::parse(MessageKind::Text, &Value::String("two".into())).expect("body"),
        created_at: Utc::now(),
        edited_at: None,
        recalled_at: None,
    };
    world.sql().await.message_store().insert(&stored).await.expect("store seq 2 without publishing it");

    // Alice never saw an ack for c-2 and resends it.
    let retry = a.send_text(&bob.id, "c-2", "two").await.expect("the retry is acked");
    assert_eq!((retry["seq"].as_u64(), retry["duplicate"].as_bool()), (Some(2), Some(true)), "{retry}");
    let live = b
        .expect("seq 2 live", FRAME_LIMIT, |f| f["type"] == "message" && f["seq"] == 2)
        .await
        .expect("bob receives the retried message live, without syncing");
    assert_eq!((live["client_msg_id"].as_str(), live["body"].as_str()), (Some("c-2"), Some("two")), "{live}");
    assert_eq!(live["message_id"], stored.id.0.to_string(), "the stored message, not a second copy");

    // The conversation goes on after it, and bob gets nothing twice.
    let third = a.send_text(&bob.id, "c-3", "three").await.expect("third send");
    assert_eq!(third["seq"], 3, "{third}");
    let next = b.expect("seq 3", FRAME_LIMIT, |f| f["type"] == "message").await.expect("seq 3 live");
    assert_eq!(next["seq"], 3, "after seq 2 comes 3, once: {next}");
}

#[tokio::test]
async fn a_retried_send_that_was_stored_but_never_published_reaches_live_recipients_embedded() {
    a_retried_send_that_was_stored_but_never_published_reaches_live_recipients(Composition::Embedded).await;
}

#[tokio::test]
async fn a_retried_send_that_was_stored_but_never_published_reaches_live_recipients_mariadb_redis() {
    a_retried_send_that_was_stored_but_never_published_reaches_live_recipients(Composition::MariaDbRedis).await;
}
