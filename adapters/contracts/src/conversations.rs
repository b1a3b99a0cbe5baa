//! Contract of `domain::chat::ConversationStore`.

use chrono::{DateTime, TimeZone, Utc};
use domain::InfraError;
use domain::chat::{ConversationId, ConversationStore, GroupId, ReadState};
use domain::ids::UserId;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

fn sorted(mut ids: Vec<ConversationId>) -> Vec<ConversationId> {
    ids.sort();
    ids
}

/// `touch_direct` makes the conversation appear once for both participants, however often it is called.
pub async fn touch_direct_is_idempotent_for_both_sides(store: &dyn ConversationStore) {
    let (a, b, c) = (UserId::new(), UserId::new(), UserId::new());
    let ab = ConversationId::direct(a, b);
    let ac = ConversationId::direct(c, a);
    store.touch_direct(&ab, at(1)).await.expect("touch");
    store.touch_direct(&ab, at(2)).await.expect("touch again");
    store.touch_direct(&ConversationId::direct(b, a), at(3)).await.expect("touch reversed");
    store.touch_direct(&ac, at(4)).await.expect("touch other");
    assert_eq!(sorted(store.direct_of(a).await.expect("direct_of")), sorted(vec![ab, ac]));
    assert_eq!(store.direct_of(b).await.expect("direct_of"), vec![ab]);
    assert_eq!(store.direct_of(c).await.expect("direct_of"), vec![ac]);
    assert!(store.direct_of(UserId::new()).await.expect("direct_of nobody").is_empty());
}

/// Notes to self (`d:<id>:<id>`) appear once.
pub async fn notes_to_self_appear_once(store: &dyn ConversationStore) {
    let me = UserId::new();
    let own = ConversationId::direct(me, me);
    store.touch_direct(&own, at(1)).await.expect("touch");
    store.touch_direct(&own, at(2)).await.expect("touch again");
    assert_eq!(store.direct_of(me).await.expect("direct_of"), vec![own]);
}

/// Concurrent touches of one conversation leave it listed once per side.
pub async fn concurrent_touches_list_once(store: &dyn ConversationStore) {
    let (a, b) = (UserId::new(), UserId::new());
    let ab = ConversationId::direct(a, b);
    let results = futures::future::join_all((0..8).map(|i| store.touch_direct(&ab, at(i)))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(store.direct_of(a).await.expect("direct_of"), vec![ab]);
    assert_eq!(store.direct_of(b).await.expect("direct_of"), vec![ab]);
}

/// `mark_read` stores `max(current, seq)` and returns what is stored.
pub async fn mark_read_only_moves_forward(store: &dyn ConversationStore) {
    let user = UserId::new();
    let conv = ConversationId::Group(GroupId::new());
    assert_eq!(store.mark_read(user, &conv, 5).await.expect("mark"), 5);
    assert_eq!(store.mark_read(user, &conv, 3).await.expect("mark lower"), 5);
    assert_eq!(store.mark_read(user, &conv, 5).await.expect("mark same"), 5);
    assert_eq!(store.mark_read(user, &conv, 9).await.expect("mark higher"), 9);
    assert_eq!(
        store.read_states(user).await.expect("read_states"),
        vec![ReadState { conversation: conv, last_read_seq: 9 }]
    );
    let other = UserId::new();
    assert_eq!(store.mark_read(other, &conv, 2).await.expect("another user"), 2, "positions are per user");
}

/// Concurrent marks end at the largest one, and each call returns at least its own seq.
pub async fn concurrent_marks_keep_the_maximum(store: &dyn ConversationStore) {
    let user = UserId::new();
    let conv = ConversationId::direct(user, UserId::new());
    let seqs: Vec<u64> = (1..=24).map(|i| (i * 7) % 25).collect();
    let results = futures::future::join_all(seqs.iter().map(|s| store.mark_read(user, &conv, *s))).await;
    for (seq, result) in seqs.iter().zip(&results) {
        let stored = *result.as_ref().expect("mark");
        assert!(stored >= *seq, "mark_read({seq}) returned {stored}");
    }
    let max = *seqs.iter().max().unwrap();
    assert_eq!(
        store.read_states(user).await.expect("read_states"),
        vec![ReadState { conversation: conv, last_read_seq: max }]
    );
}

/// `read_states` lists every conversation the user marked, and nothing of other users.
pub async fn read_states_list_every_marked_conversation(store: &dyn ConversationStore) {
    let (user, peer) = (UserId::new(), UserId::new());
    let direct = ConversationId::direct(user, peer);
    let group = ConversationId::Group(GroupId::new());
    store.mark_read(user, &direct, 3).await.expect("mark");
    store.mark_read(user, &group, 12).await.expect("mark");
    store.mark_read(peer, &direct, 1).await.expect("mark peer");
    let mut states = store.read_states(user).await.expect("read_states");
    states.sort_by_key(|s| s.conversation);
    let mut expected = vec![
        ReadState { conversation: direct, last_read_seq: 3 },
        ReadState { conversation: group, last_read_seq: 12 },
    ];
    expected.sort_by_key(|s| s.conversation);
    assert_eq!(states, expected);
    assert_eq!(
        store.read_states(peer).await.expect("read_states"),
        vec![ReadState { conversation: direct, last_read_seq: 1 }]
    );
    assert!(store.read_states(UserId::new()).await.expect("read_states nobody").is_empty());
}

/// For adapters that can be cut off: with the backend gone, every method reports
/// `InfraError::Unavailable`. Not part of `conversations_suite!`.
pub async fn every_method_is_unavailable(store: &dyn ConversationStore) {
    fn check<T: std::fmt::Debug>(what: &str, r: Result<T, InfraError>) {
        assert!(matches!(r, Err(InfraError::Unavailable { .. })), "{what}: expected Unavailable, got {r:?}");
    }
    let user = UserId::new();
    let conv = ConversationId::direct(user, UserId::new());
    check("touch_direct", store.touch_direct(&conv, at(0)).await);
    check("direct_of", store.direct_of(user).await);
    check("mark_read", store.mark_read(user, &conv, 1).await);
    check("read_states", store.read_states(user).await);
}

/// Expands to one `#[tokio::test]` per check of the conversation store contract; `$make` builds a store
/// (any expression evaluating to a future of something that derefs to a `ConversationStore`).
#[macro_export]
macro_rules! conversations_suite {
    (@checks $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                let store = $make.await;
                $crate::conversations::$check(&*store).await;
            }
        )*
    };
    ($make:expr) => {
        mod conversations_contract {
            #[allow(unused_imports)]
            use super::*;

            $crate::conversations_suite!(@checks $make;
                touch_direct_is_idempotent_for_both_sides,
                notes_to_self_appear_once,
                concurrent_touches_list_once,
                mark_read_only_moves_forward,
                concurrent_marks_keep_the_maximum,
                read_states_list_every_marked_conversation,
            );
        }
    };
}
