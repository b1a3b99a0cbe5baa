//! Contract of `domain::chat::MessageStore`.
//!
//! The factory must return an empty store: `count_since` counts every stored message. Times are whole
//! microseconds, the finest precision every adapter keeps.

use chrono::{DateTime, TimeZone, Utc};
use domain::InfraError;
use domain::chat::{
    ClientMsgId, ConversationId, GroupId, HistoryQuery, Message, MessageBody, MessageId, MessageKind, MessageStore,
    MessageStoreError,
};
use domain::ids::UserId;
use serde_json::json;

/// A fixed instant `secs` seconds and `micros` microseconds after the suite's epoch.
pub fn at_us(secs: i64, micros: u32) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, micros * 1_000).unwrap()
}

/// A fresh direct conversation between two new users.
pub fn direct() -> ConversationId {
    ConversationId::direct(UserId::new(), UserId::new())
}

/// A fresh group conversation.
pub fn group() -> ConversationId {
    ConversationId::Group(GroupId::new())
}

/// A text message from a new user at `seq`, with the given client id, created at `at_us(seq, 7)`.
pub fn text(conversation: ConversationId, seq: u64, client_id: Option<&str>, body: &str) -> Message {
    Message {
        id: MessageId::new(),
        conversation,
        sender: Some(UserId::new()),
        client_id: client_id.map(|c| ClientMsgId::parse(c).unwrap_or_else(|e| panic!("fixture client id {c}: {e}"))),
        seq,
        kind: MessageKind::Text,
        body: MessageBody::parse(MessageKind::Text, &json!(body)).unwrap_or_else(|e| panic!("fixture body: {e}")),
        created_at: at_us(seq as i64, 7),
        edited_at: None,
        recalled_at: None,
    }
}

/// A system message (no sender, no client id) at `seq`.
pub fn system(conversation: ConversationId, seq: u64, body: &str) -> Message {
    Message { sender: None, client_id: None, kind: MessageKind::System, ..text(conversation, seq, None, body) }
}

async fn insert(store: &dyn MessageStore, message: &Message) {
    store.insert(message).await.unwrap_or_else(|e| panic!("insert seq {}: {e:?}", message.seq));
}

async fn all(store: &dyn MessageStore, conversation: ConversationId) -> Vec<Message> {
    let q = HistoryQuery::new(conversation, Some(0), None, 100).unwrap();
    store.history(&q).await.expect("history")
}

fn seqs(messages: &[Message]) -> Vec<u64> {
    messages.iter().map(|m| m.seq).collect()
}

/// Text, system and custom messages come back exactly as stored: unicode, quotes, newlines, nested JSON,
/// optional fields, microsecond times.
pub async fn insert_then_read_round_trips(store: &dyn MessageStore) {
    let conv = group();
    let mut plain = text(conv, 1, Some("c-1"), "交易所 😀 \"quotes\" 'single' \\ back\nline\ttab \u{202e}RTL e\u{301}");
    plain.created_at = at_us(1, 999_999);
    let custom_body = json!({
        "type": "card",
        "title": "订单 #42 \"已发货\"",
        "nested": {"list": [1, -2, 2.5, null, true, "x"], "empty": {}, "$dollar": "key", "dot.key": 1},
        "big": 9_007_199_254_740_993u64,
        "emoji": "🚀",
    });
    let custom = Message {
        kind: MessageKind::Custom,
        body: MessageBody::parse(MessageKind::Custom, &custom_body).expect("custom body"),
        edited_at: Some(at_us(10, 1)),
        ..text(conv, 2, Some("c-2"), "unused")
    };
    let notice = Message { recalled_at: Some(at_us(11, 2)), ..system(conv, 3, "群名已修改为「测试」") };
    for m in [&plain, &custom, &notice] {
        insert(store, m).await;
    }
    assert_eq!(all(store, conv).await, vec![plain.clone(), custom.clone(), notice]);
    let found = store.by_client_id(&conv, plain.client_id.as_ref().unwrap()).await.expect("by_client_id");
    assert_eq!(found, Some(plain));
    let found = store.by_client_id(&conv, &ClientMsgId::parse("c-2").unwrap()).await.expect("by_client_id");
    assert_eq!(found.map(|m| m.body), Some(custom.body));
    let missing = store.by_client_id(&conv, &ClientMsgId::parse("nope").unwrap()).await.expect("by_client_id");
    assert_eq!(missing, None);
    let elsewhere = store.by_client_id(&direct(), &ClientMsgId::parse("c-1").unwrap()).await.expect("by_client_id");
    assert_eq!(elsewhere, None, "client ids are per conversation");
}

/// A second message with a stored client id is `Duplicate(first)` whatever its seq, and writes nothing.
pub async fn duplicate_client_id_returns_the_stored_message(store: &dyn MessageStore) {
    let conv = direct();
    let first = text(conv, 1, Some("retry-me"), "first");
    insert(store, &first).await;
    let retry = text(conv, 2, Some("retry-me"), "retried");
    match store.insert(&retry).await {
        Err(MessageStoreError::Duplicate(existing)) => assert_eq!(*existing, first),
        other => panic!("expected Duplicate, got {other:?}"),
    }
    assert_eq!(all(store, conv).await, vec![first.clone()]);
    assert_eq!(store.max_seq(&conv).await.expect("max_seq"), 1);
    let other_conv = direct();
    insert(store, &text(other_conv, 1, Some("retry-me"), "same id elsewhere")).await;
}

/// A message on a taken seq with a new client id is `SeqTaken`; when both the client id and the seq are
/// taken, `Duplicate` wins. Nothing is written either way.
pub async fn seq_taken_and_duplicate_precedence(store: &dyn MessageStore) {
    let conv = group();
    let first = text(conv, 1, Some("a"), "first");
    insert(store, &first).await;
    let clash = store.insert(&text(conv, 1, Some("b"), "same seq")).await;
    assert!(matches!(clash, Err(MessageStoreError::SeqTaken)), "{clash:?}");
    let clash = store.insert(&system(conv, 1, "system on a taken seq")).await;
    assert!(matches!(clash, Err(MessageStoreError::SeqTaken)), "{clash:?}");
    match store.insert(&text(conv, 1, Some("a"), "same seq and client id")).await {
        Err(MessageStoreError::Duplicate(existing)) => assert_eq!(*existing, first),
        other => panic!("expected Duplicate to take precedence, got {other:?}"),
    }
    assert_eq!(all(store, conv).await, vec![first]);
    let free = store.by_client_id(&conv, &ClientMsgId::parse("b").unwrap()).await.expect("by_client_id");
    assert_eq!(free, None, "the refused message left no trace");
    insert(store, &text(conv, 2, Some("b"), "b on a free seq")).await;
}

/// Storing the very same message again (a retry after a lost reply) is `Duplicate` of it when it has a
/// client id, and `SeqTaken` when it has none; nothing changes.
pub async fn reinserting_the_same_message(store: &dyn MessageStore) {
    let conv = group();
    let m = text(conv, 1, Some("once"), "only once");
    insert(store, &m).await;
    match store.insert(&m).await {
        Err(MessageStoreError::Duplicate(existing)) => assert_eq!(*existing, m),
        other => panic!("expected Duplicate, got {other:?}"),
    }
    let notice = system(conv, 2, "only once too");
    insert(store, &notice).await;
    let again = store.insert(&notice).await;
    assert!(matches!(again, Err(MessageStoreError::SeqTaken)), "{again:?}");
    assert_eq!(all(store, conv).await, vec![m, notice]);
}

/// Messages without client id (system) never collide on it.
pub async fn system_messages_never_collide_on_client_id(store: &dyn MessageStore) {
    let conv = group();
    for seq in 1..=3 {
        insert(store, &system(conv, seq, "notice")).await;
    }
    insert(store, &text(conv, 4, Some("x"), "user")).await;
    assert_eq!(seqs(&all(store, conv).await), [1, 2, 3, 4]);
}

/// Concurrent inserts on one seq: exactly one succeeds, the others get `SeqTaken`; concurrent inserts of
/// one client id: exactly one succeeds, the others get `Duplicate` of it.
pub async fn concurrent_inserts_store_one(store: &dyn MessageStore) {
    let conv = group();
    let racers: Vec<Message> = (0..8).map(|i| text(conv, 1, Some(&format!("racer-{i}")), "race")).collect();
    let results = futures::future::join_all(racers.iter().map(|m| store.insert(m))).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(results.iter().all(|r| matches!(r, Ok(()) | Err(MessageStoreError::SeqTaken))), "{results:?}");

    let retries: Vec<Message> = (0..8).map(|i| text(conv, 10 + i, Some("same-client"), "retry")).collect();
    let results = futures::future::join_all(retries.iter().map(|m| store.insert(m))).await;
    let winners: Vec<&Message> = retries.iter().zip(&results).filter(|(_, r)| r.is_ok()).map(|(m, _)| m).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for r in &results {
        match r {
            Ok(()) => {}
            Err(MessageStoreError::Duplicate(existing)) => assert_eq!(&**existing, winners[0]),
            other => panic!("expected Ok or Duplicate, got {other:?}"),
        }
    }
    assert_eq!(all(store, conv).await.len(), 2);
}

/// `history` follows `HistoryQuery`: after, before, both, neither; ascending; at most `limit`.
pub async fn history_follows_the_query_rules(store: &dyn MessageStore) {
    let conv = direct();
    let noise = direct();
    for seq in 1..=10 {
        insert(store, &text(conv, seq, Some(&format!("m{seq}")), &format!("message {seq}"))).await;
        insert(store, &text(noise, seq, Some(&format!("m{seq}")), "noise")).await;
    }
    let page = |after, before, limit| async move {
        let q = HistoryQuery::new(conv, after, before, limit).expect("query");
        let got = store.history(&q).await.expect("history");
        assert!(got.iter().all(|m| m.conversation == conv), "only the asked conversation");
        seqs(&got)
    };
    assert_eq!(page(Some(3), None, 4).await, [4, 5, 6, 7], "after: the first limit above");
    assert_eq!(page(Some(8), None, 5).await, [9, 10]);
    assert_eq!(page(Some(10), None, 5).await, [] as [u64; 0]);
    assert_eq!(page(Some(0), None, 100).await, (1..=10).collect::<Vec<_>>());
    assert_eq!(page(None, Some(8), 3).await, [5, 6, 7], "before: the last limit below");
    assert_eq!(page(None, Some(3), 5).await, [1, 2]);
    assert_eq!(page(None, Some(1), 5).await, [] as [u64; 0]);
    assert_eq!(page(Some(2), Some(9), 3).await, [3, 4, 5], "both: the first limit between");
    assert_eq!(page(Some(2), Some(5), 10).await, [3, 4]);
    assert_eq!(page(Some(5), Some(6), 10).await, [] as [u64; 0]);
    assert_eq!(page(None, None, 3).await, [8, 9, 10], "neither: the latest limit");
    assert_eq!(page(None, None, 100).await, (1..=10).collect::<Vec<_>>());
    assert_eq!(page(None, None, 1).await, [10]);
    let empty = HistoryQuery::new(group(), None, None, 10).expect("query");
    assert!(store.history(&empty).await.expect("history").is_empty());
}

/// `max_seq` is the largest stored seq or 0; `latest` gives each non-empty conversation's last message.
pub async fn max_seq_and_latest(store: &dyn MessageStore) {
    let (a, b, empty) = (direct(), group(), direct());
    assert_eq!(store.max_seq(&a).await.expect("max_seq"), 0);
    for seq in [1, 2, 3] {
        insert(store, &text(a, seq, Some(&format!("a{seq}")), "a")).await;
    }
    let last_b = system(b, 7, "b's only message");
    insert(store, &last_b).await;
    assert_eq!(store.max_seq(&a).await.expect("max_seq"), 3);
    assert_eq!(store.max_seq(&b).await.expect("max_seq"), 7);
    assert_eq!(store.max_seq(&empty).await.expect("max_seq"), 0);

    let mut latest = store.latest(&[a, empty, b]).await.expect("latest");
    latest.sort_by_key(|m| m.seq);
    assert_eq!(seqs(&latest), [3, 7]);
    assert_eq!(latest[0].conversation, a);
    assert_eq!(latest[1], last_b);
    assert!(store.latest(&[]).await.expect("latest of none").is_empty());
    assert!(store.latest(&[empty]).await.expect("latest of empty").is_empty());
}

/// `count_since` counts messages created at or after `since`, across conversations.
pub async fn count_since_is_inclusive(store: &dyn MessageStore) {
    let (a, b) = (direct(), group());
    let mut m = text(a, 1, Some("x"), "early");
    m.created_at = at_us(100, 0);
    insert(store, &m).await;
    let mut m = text(a, 2, Some("y"), "on the bound");
    m.created_at = at_us(200, 500);
    insert(store, &m).await;
    let mut m = system(b, 1, "late");
    m.created_at = at_us(300, 0);
    insert(store, &m).await;
    assert_eq!(store.count_since(at_us(0, 0)).await.expect("count"), 3);
    assert_eq!(store.count_since(at_us(200, 500)).await.expect("count"), 2, "the bound is inclusive");
    assert_eq!(store.count_since(at_us(200, 501)).await.expect("count"), 1);
    assert_eq!(store.count_since(at_us(301, 0)).await.expect("count"), 0);
}

/// `recall` sets `recalled_at` once and returns the message; the first time is kept; `NotFound` if absent.
pub async fn recall_keeps_the_first_time(store: &dyn MessageStore) {
    let conv = direct();
    let m = text(conv, 1, Some("r"), "oops");
    insert(store, &m).await;
    let recalled = store.recall(&conv, 1, at_us(50, 5)).await.expect("recall");
    assert_eq!(recalled, Message { recalled_at: Some(at_us(50, 5)), ..m.clone() });
    let again = store.recall(&conv, 1, at_us(60, 0)).await.expect("recall again");
    assert_eq!(again.recalled_at, Some(at_us(50, 5)), "the first recall time is kept");
    assert_eq!(all(store, conv).await, vec![again]);
    let missing = store.recall(&conv, 2, at_us(60, 0)).await;
    assert!(matches!(missing, Err(MessageStoreError::NotFound)), "{missing:?}");
    let missing = store.recall(&direct(), 1, at_us(60, 0)).await;
    assert!(matches!(missing, Err(MessageStoreError::NotFound)), "{missing:?}");
}

/// `delete_conversation` removes every message of that conversation only, and says how many.
pub async fn delete_conversation_removes_only_its_messages(store: &dyn MessageStore) {
    let (gone, kept) = (group(), group());
    for seq in 1..=4 {
        insert(store, &text(gone, seq, Some(&format!("g{seq}")), "bye")).await;
    }
    insert(store, &text(kept, 1, Some("k"), "stay")).await;
    assert_eq!(store.delete_conversation(&gone).await.expect("delete"), 4);
    assert!(all(store, gone).await.is_empty());
    assert_eq!(store.max_seq(&gone).await.expect("max_seq"), 0);
    assert_eq!(store.by_client_id(&gone, &ClientMsgId::parse("g1").unwrap()).await.expect("by_client_id"), None);
    assert_eq!(seqs(&all(store, kept).await), [1]);
    assert_eq!(store.delete_conversation(&gone).await.expect("delete again"), 0);
    insert(store, &text(gone, 1, Some("g1"), "the ids are free again")).await;
}

/// For adapters that can be cut off: with the backend gone, every method reports
/// `InfraError::Unavailable`. Not part of `messages_suite!`; the caller supplies a store whose backend is
/// already unreachable.
pub async fn every_method_is_unavailable(store: &dyn MessageStore) {
    fn check<T: std::fmt::Debug>(what: &str, r: Result<T, MessageStoreError>) {
        assert!(
            matches!(r, Err(MessageStoreError::Infra(InfraError::Unavailable { .. }))),
            "{what}: expected Infra(Unavailable), got {r:?}"
        );
    }
    let conv = direct();
    let client = ClientMsgId::parse("x").unwrap();
    check("insert", store.insert(&text(conv, 1, Some("x"), "x")).await);
    check("by_client_id", store.by_client_id(&conv, &client).await);
    check("history", store.history(&HistoryQuery::new(conv, None, None, 10).unwrap()).await);
    check("max_seq", store.max_seq(&conv).await);
    check("latest", store.latest(&[conv]).await);
    check("count_since", store.count_since(at_us(0, 0)).await);
    check("recall", store.recall(&conv, 1, at_us(0, 0)).await);
    check("delete_conversation", store.delete_conversation(&conv).await);
}

/// Expands to one `#[tokio::test]` per check of the message store contract; `$make` builds a fresh, empty
/// store (any expression evaluating to a future of something that derefs to a `MessageStore`). With
/// `attrs [#[…]…] $make`, the attributes go on every test (e.g. `#[cfg_attr(no_server, ignore = "…")]`).
#[macro_export]
macro_rules! messages_suite {
    (@one [$(#[$attr:meta])*] $make:expr; $check:ident) => {
        $(#[$attr])*
        #[tokio::test]
        async fn $check() {
            let store = $make.await;
            $crate::messages::$check(&*store).await;
        }
    };
    (@checks $attrs:tt $make:expr; $($check:ident),* $(,)?) => {
        $( $crate::messages_suite!(@one $attrs $make; $check); )*
    };
    (attrs [$(#[$attr:meta])*] $make:expr) => {
        mod messages_contract {
            #[allow(unused_imports)]
            use super::*;

            $crate::messages_suite!(@checks [$(#[$attr])*] $make;
                insert_then_read_round_trips,
                duplicate_client_id_returns_the_stored_message,
                seq_taken_and_duplicate_precedence,
                reinserting_the_same_message,
                system_messages_never_collide_on_client_id,
                concurrent_inserts_store_one,
                history_follows_the_query_rules,
                max_seq_and_latest,
                count_since_is_inclusive,
                recall_keeps_the_first_time,
                delete_conversation_removes_only_its_messages,
            );
        }
    };
    ($make:expr) => {
        $crate::messages_suite!(attrs [] $make);
    };
}
