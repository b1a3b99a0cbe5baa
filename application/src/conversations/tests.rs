//! Conversation rules on the memory adapters.

use super::*;
use crate::chat::events::ChatEvent;
use crate::groups::NewGroup;
use crate::groups::tests::{Deliveries, Fixture};
use chrono::Duration;
use domain::chat::{ConnectionId, ConversationId, ConversationStore, GroupId, PresenceStore};
use domain::ids::UserId;
use domain::{Coded, ErrorKind};

fn service(f: &Fixture) -> ConversationService {
    ConversationService::new(
        f.groups.clone(),
        f.conversations.clone(),
        f.messages.clone(),
        f.presence.clone(),
        f.users.clone(),
        f.chat.clone(),
        f.clock.clone(),
    )
}

async fn group(f: &Fixture, owner: UserId, members: &[UserId]) -> GroupId {
    let input = NewGroup { name: "team".into(), members: members.to_vec() };
    f.service.create(owner, input).await.unwrap().group.id
}

#[tokio::test]
async fn the_list_has_directs_and_groups_with_unread_counts_newest_first() {
    let f = Fixture::new(10);
    let svc = service(&f);
    let (alice, bob, carol) = (f.user("alice").await, f.user("bob").await, f.user("carol").await);
    let g = ConversationId::Group(group(&f, carol, &[alice]).await);
    let empty_group = ConversationId::Group(group(&f, alice, &[]).await);
    let direct = ConversationId::direct(alice, bob);
    let t0 = f.clock.now();
    f.conversations.touch_direct(&direct, t0).await.unwrap();
    for i in 1..=3 {
        f.message(direct, bob, t0 + Duration::seconds(i)).await;
    }
    // seq 1 of each group is its creation notice; then five messages (seq 2-6).
    for i in 1..=5 {
        f.message(g, carol, t0 + Duration::seconds(10 + i)).await;
    }
    f.conversations.mark_read(alice, &g, 2).await.unwrap();

    let list = svc.list(alice).await.unwrap();
    let order: Vec<_> = list.iter().map(|s| s.conversation).collect();
    assert_eq!(order, vec![g, direct, empty_group], "most recent activity first");
    assert_eq!((list[0].latest_seq, list[0].last_read_seq, list[0].unread), (6, 2, 4));
    assert_eq!(list[0].last_message.as_ref().map(|m| m.seq), Some(6));
    assert_eq!(list[0].group.as_ref().map(|g| g.owner), Some(carol));
    assert_eq!((list[1].unread, list[1].peer), (3, Some(bob)));
    assert_eq!((list[2].unread, list[2].latest_seq), (1, 1), "only the creation notice");
    assert_eq!(svc.list(bob).await.unwrap().len(), 1, "bob only has the direct conversation");
}

#[tokio::test]
async fn history_pages_both_ways_and_reports_the_latest_seq() {
    let f = Fixture::new(10);
    let svc = service(&f);
    let alice = f.user("alice").await;
    let g = ConversationId::Group(group(&f, alice, &[]).await);
    // The creation notice is seq 1; 24 messages follow (2-25).
    for _ in 0..24 {
        f.message(g, alice, f.clock.now()).await;
    }
    let seqs = |p: &HistoryPage| p.messages.iter().map(|m| m.seq).collect::<Vec<_>>();
    let newest = svc.history(alice, g, None, None, 10).await.unwrap();
    assert_eq!((seqs(&newest), newest.latest_seq), ((16..=25).collect(), 25));
    let back = svc.history(alice, g, None, Some(16), 10).await.unwrap();
    assert_eq!(seqs(&back), (6..=15).collect::<Vec<_>>());
    let first = svc.history(alice, g, None, Some(6), 10).await.unwrap();
    assert_eq!(seqs(&first), (1..=5).collect::<Vec<_>>());
    let forward = svc.history(alice, g, Some(20), None, 3).await.unwrap();
    assert_eq!(seqs(&forward), vec![21, 22, 23]);
    let between = svc.history(alice, g, Some(3), Some(7), 100).await.unwrap();
    assert_eq!(seqs(&between), vec![4, 5, 6]);
    for limit in [0, 101] {
        let err = svc.history(alice, g, None, None, limit).await.unwrap_err();
        assert_eq!((err.code(), err.kind()), ("validation.out_of_range", ErrorKind::Invalid));
    }
}

#[tokio::test]
async fn outsiders_are_forbidden_and_missing_groups_not_found() {
    let f = Fixture::new(10);
    let svc = service(&f);
    let (alice, bob, mallory) = (f.user("alice").await, f.user("bob").await, f.user("mallory").await);
    let g = ConversationId::Group(group(&f, alice, &[]).await);
    let direct = ConversationId::direct(alice, bob);
    for conversation in [g, direct] {
        let err = svc.history(mallory, conversation, None, None, 10).await.unwrap_err();
        assert_eq!((err.code(), err.kind()), ("conversation.forbidden", ErrorKind::Forbidden));
        let err = svc.mark_read(mallory, conversation, 1).await.unwrap_err();
        assert_eq!(err.code(), "conversation.forbidden");
    }
    let gone = ConversationId::Group(GroupId::new());
    let err = svc.history(alice, gone, None, None, 10).await.unwrap_err();
    assert_eq!((err.code(), err.kind()), ("group.not_found", ErrorKind::NotFound));
    assert!(svc.history(bob, direct, None, None, 10).await.unwrap().messages.is_empty());
}

#[tokio::test]
async fn read_positions_move_forward_and_never_past_the_newest_message() {
    let f = Fixture::new(10);
    let svc = service(&f);
    let (alice, bob) = (f.user("alice").await, f.user("bob").await);
    let direct = ConversationId::direct(alice, bob);
    f.conversations.touch_direct(&direct, f.clock.now()).await.unwrap();
    for _ in 0..4 {
        f.message(direct, alice, f.clock.now()).await;
    }
    let mut deliveries = Deliveries::tap(&f).await;
    let read = svc.mark_read(bob, direct, 3).await.unwrap();
    assert_eq!((read.last_read_seq, read.latest_seq, read.unread), (3, 4, 1));
    let told = deliveries.next().await;
    assert_eq!(told.recipients, vec![bob, alice], "bob's other connections and the peer");
    assert!(matches!(told.event, ChatEvent::Read { seq: 3, .. }), "{:?}", told.event);
    let back = svc.mark_read(bob, direct, 1).await.unwrap();
    assert_eq!(back.last_read_seq, 3, "never moves back");
    let future = svc.mark_read(bob, direct, 1_000).await.unwrap();
    assert_eq!((future.last_read_seq, future.unread), (4, 0), "capped at the newest message");
    f.message(direct, alice, f.clock.now()).await;
    let list = svc.list(bob).await.unwrap();
    assert_eq!(list[0].unread, 1, "a message after the cap is unread");
}

#[tokio::test]
async fn presence_reports_live_connections_of_existing_users() {
    let f = Fixture::new(10);
    let svc = service(&f);
    let alice = f.user("alice").await;
    assert!(!svc.is_online(alice).await.unwrap());
    let ttl = std::time::Duration::from_secs(60);
    f.presence.connect(alice, ConnectionId::new(), ttl, f.clock.now()).await.unwrap();
    assert!(svc.is_online(alice).await.unwrap());
    let err = svc.is_online(UserId::new()).await.unwrap_err();
    assert_eq!((err.code(), err.kind()), ("user.not_found", ErrorKind::NotFound));
}
