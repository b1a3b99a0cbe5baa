//! ChatService on the memory adapters: exactly-once sends, access rules, sync, read, presence, pushes.

use super::events::{BROADCAST_TOPIC, BusCodec, ChatEvent, DELIVERY_TOPIC, Delivery, PRESENCE_TOPIC, PresenceEvent};
use super::*;
use crate::{Actor, RequestMeta};
use adapter_memory::{
    MemoryAuditLog, MemoryConversationStore, MemoryEventBus, MemoryGroupStore, MemoryMessageStore, MemoryPresenceStore,
    MemorySequenceAllocator, MemoryUserRepository, TokioTimer,
};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use domain::audit::{AuditLog, AuditQuery};
use domain::bus::{BusHandler, EventBus, Subscription};
use domain::chat::{ConnectionId, ConversationId, Group, GroupId, GroupMember, GroupName, MemberRole, MessageKind};
use domain::chat::{GroupStore, MessageStore};
use domain::clock::Clock;
use domain::ids::UserId;
use domain::locale::Locale;
use domain::user::{Email, PasswordHash, Role, User, UserRepository, UserStatus, Username};
use domain::{Coded, ErrorKind};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// A clock the test moves.
struct TestClock(Mutex<DateTime<Utc>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

impl TestClock {
    fn advance(&self, by: ChronoDuration) {
        *self.0.lock().unwrap() += by;
    }
}

/// Forwards every bus event to a channel.
struct Tap(mpsc::UnboundedSender<(String, Vec<u8>)>);

impl BusHandler for Tap {
    fn handle(&self, topic: &str, payload: &[u8]) {
        let _ = self.0.send((topic.to_owned(), payload.to_vec()));
    }
}

struct World {
    chat: ChatService,
    ports: ChatPorts,
    options: ChatOptions,
    users: Arc<MemoryUserRepository>,
    groups: Arc<MemoryGroupStore>,
    messages: Arc<MemoryMessageStore>,
    audit: Arc<MemoryAuditLog>,
    clock: Arc<TestClock>,
    events: mpsc::UnboundedReceiver<(String, Vec<u8>)>,
    _subs: Vec<Box<dyn Subscription>>,
}

async fn world_with(options: ChatOptions) -> World {
    let users = Arc::new(MemoryUserRepository::default());
    let groups = Arc::new(MemoryGroupStore::default());
    let messages = Arc::new(MemoryMessageStore::default());
    let audit = Arc::new(MemoryAuditLog::default());
    let bus = Arc::new(MemoryEventBus::default());
    let clock = Arc::new(TestClock(Mutex::new(Utc::now())));
    let (tx, events) = mpsc::unbounded_channel();
    let mut subs = Vec::new();
    for topic in [DELIVERY_TOPIC, PRESENCE_TOPIC, BROADCAST_TOPIC] {
        subs.push(bus.subscribe(topic, Arc::new(Tap(tx.clone()))).await.unwrap());
    }
    let ports = ChatPorts {
        users: users.clone(),
        groups: groups.clone(),
        conversations: Arc::new(MemoryConversationStore::default()),
        messages: messages.clone(),
        sequences: Arc::new(MemorySequenceAllocator::default()),
        presence: Arc::new(MemoryPresenceStore::default()),
        bus,
        audit: audit.clone(),
        clock: clock.clone(),
        timer: Arc::new(TokioTimer),
    };
    let chat = ChatService::new(ports.clone(), options.clone());
    World { chat, ports, options, users, groups, messages, audit, clock, events, _subs: subs }
}

async fn world() -> World {
    world_with(ChatOptions::default()).await
}

impl World {
    async fn user(&self, name: &str, role: Role) -> UserId {
        let now = self.clock.now();
        let user = User {
            id: UserId::new(),
            username: Username::parse(name).unwrap(),
            email: Email::parse(&format!("{name}@example.com")).unwrap(),
            password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
            role,
            status: UserStatus::Active,
            locale: Locale::En,
            created_at: now,
            updated_at: now,
            last_login_at: None,
            deleted_at: None,
        };
        self.users.create(&user).await.unwrap();
        user.id
    }

    async fn set_status(&self, id: UserId, status: UserStatus, deleted: bool) {
        let mut user = self.users.by_id_any(id).await.unwrap().unwrap();
        user.status = status;
        if deleted {
            user.deleted_at = Some(self.clock.now());
        }
        self.users.update(&user).await.unwrap();
    }

    async fn group(&self, owner: UserId, members: &[UserId]) -> GroupId {
        let now = self.clock.now();
        let group = Group {
            id: GroupId::new(),
            name: GroupName::parse("team").unwrap(),
            owner,
            created_at: now,
            updated_at: now,
        };
        let member = |user, role| GroupMember { group: group.id, user, role, joined_at: now };
        self.groups.create(&group, &member(owner, MemberRole::Owner)).await.unwrap();
        for m in members {
            self.groups.add_member(&member(*m, MemberRole::Member), 1000).await.unwrap();
        }
        group.id
    }

    /// The next bus event (bounded wait so a missing event fails instead of hanging).
    async fn next_event(&mut self) -> (String, Vec<u8>) {
        tokio::time::timeout(Duration::from_secs(5), self.events.recv()).await.expect("no bus event").unwrap()
    }

    async fn next_delivery(&mut self) -> Delivery {
        loop {
            let (topic, payload) = self.next_event().await;
            if topic == DELIVERY_TOPIC {
                return Delivery::decode(&payload).unwrap();
            }
        }
    }

    /// Another instance on the same backends, its message store and bus wrapped by `wrap`.
    fn instance(&self, messages: Arc<dyn MessageStore>, bus: Arc<dyn EventBus>) -> ChatService {
        ChatService::new(ChatPorts { messages, bus, ..self.ports.clone() }, self.options.clone())
    }

    /// The seqs of the message deliveries published so far, in publish order.
    async fn delivered_seqs(&mut self) -> Vec<u64> {
        let mut seqs = Vec::new();
        for (topic, payload) in self.drain().await {
            if topic == DELIVERY_TOPIC
                && let ChatEvent::Message { message } = Delivery::decode(&payload).unwrap().event
            {
                seqs.push(message.seq);
            }
        }
        seqs
    }

    async fn next_presence(&mut self) -> PresenceEvent {
        loop {
            let (topic, payload) = self.next_event().await;
            if topic == PRESENCE_TOPIC {
                return PresenceEvent::decode(&payload).unwrap();
            }
        }
    }

    /// Lets the dispatcher run and returns what arrived meanwhile.
    async fn drain(&mut self) -> Vec<(String, Vec<u8>)> {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut out = Vec::new();
        while let Ok(e) = self.events.try_recv() {
            out.push(e);
        }
        out
    }
}

fn text(target: Target, client: &str, body: &str) -> SendInput {
    SendInput { target, client_msg_id: client.into(), kind: MessageKind::Text, body: json!(body) }
}

#[tokio::test]
async fn a_direct_send_is_stored_then_delivered_to_both_but_not_to_its_origin() {
    let mut w = world().await;
    let (alice, bob) = (w.user("alice", Role::User).await, w.user("bob", Role::User).await);
    let conn = ConnectionId::new();
    let out = w.chat.send(alice, Some(conn), text(Target::User(bob), "c1", "hello")).await.unwrap();
    assert!(!out.duplicate);
    assert_eq!(out.message.seq, 1);
    assert_eq!(out.message.conversation, ConversationId::direct(alice, bob));
    assert_eq!(w.messages.max_seq(&out.message.conversation).await.unwrap(), 1, "stored before the ack");
    let delivery = w.next_delivery().await;
    let mut recipients = delivery.recipients.clone();
    recipients.sort();
    let mut expected = vec![alice, bob];
    expected.sort();
    assert_eq!(recipients, expected);
    assert_eq!(delivery.origin, Some(conn.0));
    match delivery.event {
        ChatEvent::Message { message } => {
            assert_eq!((message.seq, message.body.clone()), (1, json!("hello")));
            assert_eq!(message.sender_id, Some(alice));
        }
        other => panic!("expected a message, got {other:?}"),
    }
    let clash = w.chat.send(bob, None, text(Target::Conversation(out.message.conversation), "c1", "hi")).await;
    assert_eq!(clash.unwrap_err().code(), "chat.client_id_taken", "never acks someone else's message");
    let second = w.chat.send(bob, None, text(Target::Conversation(out.message.conversation), "c2", "hi")).await;
    assert_eq!(second.unwrap().message.seq, 2);
}

#[tokio::test]
async fn a_retried_client_id_is_stored_once_acked_with_the_same_seq_and_announced_again() {
    let mut w = world().await;
    let (alice, bob) = (w.user("alice", Role::User).await, w.user("bob", Role::User).await);
    let first = w.chat.send(alice, None, text(Target::User(bob), "same", "once")).await.unwrap();
    let again = w.chat.send(alice, None, text(Target::User(bob), "same", "once")).await.unwrap();
    assert!(again.duplicate);
    assert_eq!((again.message.id, again.message.seq), (first.message.id, first.message.seq));
    assert_eq!(w.messages.max_seq(&first.message.conversation).await.unwrap(), 1);
    // Announced again (its first announcement may have died with its instance); gateways drop the repeat.
    assert_eq!(w.delivered_seqs().await, vec![1, 1]);
}

#[tokio::test]
async fn group_sends_reach_every_member_and_outsiders_are_refused() {
    let mut w = world().await;
    let (owner, m1, m2, outsider) = (
        w.user("owner", Role::User).await,
        w.user("member1", Role::User).await,
        w.user("member2", Role::User).await,
        w.user("outsider", Role::User).await,
    );
    let g = w.group(owner, &[m1, m2]).await;
    let out = w.chat.send(m1, None, text(Target::Group(g), "g1", "hey")).await.unwrap();
    assert_eq!(out.message.conversation, ConversationId::Group(g));
    let mut recipients = w.next_delivery().await.recipients;
    recipients.sort();
    let mut expected = vec![owner, m1, m2];
    expected.sort();
    assert_eq!(recipients, expected);
    let refused = w.chat.send(outsider, None, text(Target::Group(g), "x", "let me in")).await.unwrap_err();
    assert_eq!(refused.code(), "chat.not_member");
    let unknown = w.chat.send(m1, None, text(Target::Group(GroupId::new()), "x", "?")).await.unwrap_err();
    assert_eq!(unknown.code(), "chat.not_member");
    let (a, b) = (UserId::new(), UserId::new());
    let foreign = w.chat.send(m1, None, text(Target::Conversation(ConversationId::direct(a, b)), "x", "?")).await;
    assert_eq!(foreign.unwrap_err().code(), "chat.not_member");
    assert_eq!(w.chat.typing(outsider, ConversationId::Group(g)).await.unwrap_err().code(), "chat.not_member");
    assert_eq!(w.chat.read(outsider, None, ConversationId::Group(g), 1).await.unwrap_err().code(), "chat.not_member");
}

#[tokio::test]
async fn disabled_or_deleted_users_neither_send_nor_receive_direct_messages() {
    let w = world().await;
    let (alice, bob, carol) =
        (w.user("alice", Role::User).await, w.user("bob", Role::User).await, w.user("carol", Role::User).await);
    w.set_status(bob, UserStatus::Disabled, false).await;
    let err = w.chat.send(alice, None, text(Target::User(bob), "c", "hi")).await.unwrap_err();
    assert_eq!((err.code(), err.kind()), ("chat.recipient_unavailable", ErrorKind::NotFound));
    assert_eq!(
        w.chat.send(bob, None, text(Target::User(alice), "c", "hi")).await.unwrap_err().code(),
        "chat.sender_disabled"
    );
    w.set_status(carol, UserStatus::Active, true).await;
    let err = w.chat.send(alice, None, text(Target::User(carol), "c", "hi")).await.unwrap_err();
    assert_eq!(err.code(), "chat.recipient_unavailable");
    let err = w.chat.send(alice, None, text(Target::User(UserId::new()), "c", "hi")).await.unwrap_err();
    assert_eq!(err.code(), "chat.recipient_unavailable");
    assert!(w.chat.send(alice, None, text(Target::User(alice), "c", "note to self")).await.is_ok());
}

#[tokio::test]
async fn bad_input_is_refused_with_its_own_code_and_nothing_is_stored() {
    let w = world_with(ChatOptions { max_body_bytes: 64, ..ChatOptions::default() }).await;
    let (alice, bob) = (w.user("alice", Role::User).await, w.user("bob", Role::User).await);
    let big = "x".repeat(100);
    let err = w.chat.send(alice, None, text(Target::User(bob), "c", &big)).await.unwrap_err();
    assert_eq!((err.code(), err.params()), ("chat.body_too_large", vec![("max", "64".to_owned())]));
    let err = w.chat.send(alice, None, text(Target::User(bob), "", "hi")).await.unwrap_err();
    assert_eq!(err.code(), "validation.required");
    let err = w.chat.send(alice, None, text(Target::User(bob), "c", "   ")).await.unwrap_err();
    assert_eq!(err.code(), "validation.required");
    let system = SendInput { kind: MessageKind::System, ..text(Target::User(bob), "c", "fake notice") };
    assert_eq!(w.chat.send(alice, None, system).await.unwrap_err().kind(), ErrorKind::Invalid);
    let custom =
        SendInput { kind: MessageKind::Custom, body: json!({"sticker": 3}), ..text(Target::User(bob), "k", "") };
    assert_eq!(w.chat.send(alice, None, custom).await.unwrap().message.seq, 1, "only the valid one is stored");
}

#[tokio::test]
async fn sync_plans_from_each_cursor_and_pages_replay_exactly_that_in_order() {
    let w = world_with(ChatOptions { sync_max_messages: 150, ..ChatOptions::default() }).await;
    let (alice, bob, carol) =
        (w.user("alice", Role::User).await, w.user("bob", Role::User).await, w.user("carol", Role::User).await);
    let g = w.group(carol, &[alice]).await;
    for i in 0..5 {
        w.chat.send(bob, None, text(Target::User(alice), &format!("b{i}"), &format!("m{i}"))).await.unwrap();
    }
    for i in 0..160 {
        w.chat.send(carol, None, text(Target::Group(g), &format!("g{i}"), "bulk")).await.unwrap();
    }
    let direct = ConversationId::direct(alice, bob);
    let group = ConversationId::Group(g);
    let plan = w.chat.sync_plan(alice, &HashMap::from([(direct, 2)])).await.unwrap();
    let by: HashMap<_, _> = plan.into_iter().map(|p| (p.conversation, p)).collect();
    assert_eq!(by[&direct], SyncPlan { conversation: direct, after: 2, until: 5, more: false });
    assert_eq!(by[&group], SyncPlan { conversation: group, after: 0, until: 150, more: true }, "capped");
    let page = w.chat.replay_page(alice, direct, 2, 5, 100).await.unwrap();
    assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![3, 4, 5]);
    let page = w.chat.replay_page(alice, group, 40, 150, 100).await.unwrap();
    assert_eq!((page.len(), page[0].seq, page[99].seq), (100, 41, 140));
    assert!(page.windows(2).all(|p| p[1].seq == p[0].seq + 1));
    assert_eq!(w.chat.replay_page(alice, group, 140, 150, 100).await.unwrap().len(), 10, "stops at `until`");
    assert!(w.chat.replay_page(alice, group, 150, 150, 100).await.unwrap().is_empty());
    // without a cursor the read position is the start
    w.chat.read(alice, None, direct, 4).await.unwrap();
    let plan = w.chat.sync_plan(alice, &HashMap::new()).await.unwrap();
    let d = plan.iter().find(|p| p.conversation == direct).unwrap();
    assert_eq!((d.after, d.until), (4, 5));
    // a cursor ahead of the store replays nothing
    let plan = w.chat.sync_plan(alice, &HashMap::from([(direct, 9)])).await.unwrap();
    let d = plan.iter().find(|p| p.conversation == direct).unwrap();
    assert_eq!((d.after, d.until, d.more), (9, 9, false));
    // outsiders: neither planned nor replayed
    assert!(w.chat.sync_plan(bob, &HashMap::from([(group, 0)])).await.unwrap().iter().all(|p| p.conversation != group));
    assert_eq!(w.chat.replay_page(bob, group, 0, 10, 10).await.unwrap_err().code(), "chat.not_member");
    let latest = w.chat.latest_seqs(&[direct, group]).await.unwrap();
    assert_eq!((latest[&direct], latest[&group]), (5, 160));
}

#[tokio::test]
async fn read_positions_only_move_forward_and_tell_the_peer() {
    let mut w = world().await;
    let (alice, bob) = (w.user("alice", Role::User).await, w.user("bob", Role::User).await);
    let direct = ConversationId::direct(alice, bob);
    for i in 0..8 {
        w.chat.send(bob, None, text(Target::User(alice), &format!("m{i}"), "hi")).await.unwrap();
    }
    let _ = w.drain().await;
    assert_eq!(w.chat.read(alice, None, direct, 7).await.unwrap().last_read_seq, 7);
    assert_eq!(w.chat.read(alice, None, direct, 3).await.unwrap().last_read_seq, 7);
    let delivery = w.next_delivery().await;
    assert!(delivery.recipients.contains(&bob) && delivery.recipients.contains(&alice));
    assert!(matches!(delivery.event, ChatEvent::Read { seq: 7, user_id, .. } if user_id == alice));
}

#[tokio::test]
async fn presence_is_announced_on_the_first_and_last_connection_and_by_the_sweep() {
    let mut w = world().await;
    let alice = w.user("alice", Role::User).await;
    let (c1, c2) = (ConnectionId::new(), ConnectionId::new());
    w.chat.connect(alice, c1).await.unwrap();
    w.chat.connect(alice, c2).await.unwrap();
    let first = w.next_presence().await;
    assert_eq!((first.user_id, first.online), (alice, true));
    w.chat.disconnect(alice, c1).await.unwrap();
    assert!(w.drain().await.iter().all(|(t, _)| t != PRESENCE_TOPIC), "one connection left: no announcement");
    assert_eq!(w.chat.online(&[alice]).await.unwrap(), vec![alice]);
    w.chat.disconnect(alice, c2).await.unwrap();
    assert!(!w.next_presence().await.online);
    // a connection whose instance died is swept after its TTL
    w.chat.connect(alice, c1).await.unwrap();
    assert!(w.next_presence().await.online);
    w.clock.advance(ChronoDuration::seconds(61));
    assert_eq!(w.chat.sweep_presence().await.unwrap(), 1);
    assert!(!w.next_presence().await.online);
    assert!(w.chat.online(&[alice]).await.unwrap().is_empty());
    // a heartbeat after expiry re-registers
    w.chat.heartbeat(alice, c1).await.unwrap();
    assert_eq!(w.chat.presence_counts().await.unwrap(), (1, 1));
}

#[tokio::test]
async fn pushes_need_an_admin_reach_their_scope_and_are_audited() {
    let mut w = world().await;
    let (admin, alice, bob) =
        (w.user("admin", Role::Admin).await, w.user("alice", Role::User).await, w.user("bob", Role::User).await);
    let actor = |id, role| Actor { id, username: "someone".into(), role };
    let meta = RequestMeta::default();
    let err = w.chat.push(&actor(alice, Role::User), PushScope::Online, "hi", &meta).await.unwrap_err();
    assert_eq!(err.code(), "auth.forbidden");
    let admin_actor = actor(admin, Role::Admin);
    w.chat.connect(alice, ConnectionId::new()).await.unwrap();
    let out = w.chat.push(&admin_actor, PushScope::User(alice), "maintenance", &meta).await.unwrap();
    assert_eq!((out.delivered, out.message_ids.len()), (1, 1));
    let delivery = w.next_delivery().await;
    assert_eq!(delivery.recipients, vec![alice]);
    assert!(matches!(delivery.event, ChatEvent::Push { ref text, .. } if text == "maintenance"));
    let g = w.group(bob, &[alice]).await;
    let out = w.chat.push(&admin_actor, PushScope::Group(g), "group notice", &meta).await.unwrap();
    assert_eq!(out.delivered, 1, "alice is online, bob is not");
    let stored = w.messages.max_seq(&ConversationId::Group(g)).await.unwrap();
    assert_eq!(stored, 1, "a group push is a stored system message");
    let unknown = w.chat.push(&admin_actor, PushScope::Group(GroupId::new()), "x", &meta).await.unwrap_err();
    assert_eq!(unknown.code(), "chat.target_not_found");
    let unknown = w.chat.push(&admin_actor, PushScope::User(UserId::new()), "x", &meta).await.unwrap_err();
    assert_eq!(unknown.code(), "chat.target_not_found");
    let out = w.chat.push(&admin_actor, PushScope::Online, "all", &meta).await.unwrap();
    assert_eq!(out.delivered, 1);
    let entries = w.audit.list(&AuditQuery::default()).await.unwrap();
    assert_eq!(entries.items.iter().filter(|e| e.action == "chat.push").count(), 3);
    assert!(entries.items.iter().any(|e| e.target == format!("group:{g}")));
}

#[tokio::test]
async fn concurrent_retries_of_one_client_id_store_one_message_and_ack_the_same_seq() {
    let w = world().await;
    let (alice, bob) = (w.user("alice", Role::User).await, w.user("bob", Role::User).await);
    let chat = Arc::new(w.chat);
    let sends = (0..8).map(|_| {
        let chat = chat.clone();
        tokio::spawn(async move { chat.send(alice, None, text(Target::User(bob), "same-id", "once")).await })
    });
    let outcomes: Vec<SendOutcome> =
        futures::future::join_all(sends).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
    assert_eq!(outcomes.iter().filter(|o| !o.duplicate).count(), 1, "exactly one send stored it");
    assert!(outcomes.iter().all(|o| o.message.seq == 1 && o.message.id == outcomes[0].message.id));
    assert_eq!(w.messages.max_seq(&ConversationId::direct(alice, bob)).await.unwrap(), 1);
}

#[tokio::test]
async fn a_fresh_allocator_over_a_store_with_history_catches_up_in_one_step() {
    // The embedded default keeps messages in SQLite but seqs in memory: after a restart the allocator
    // starts at 0 while the store holds many messages. The next send must get max + 1, not `Busy`.
    let mut w = world().await;
    let (alice, bob) = (w.user("alice", Role::User).await, w.user("bob", Role::User).await);
    let conversation = ConversationId::direct(alice, bob);
    for seq in 1..=10u64 {
        let message = domain::chat::Message {
            id: domain::chat::MessageId::new(),
            conversation,
            sender: Some(alice),
            client_id: Some(domain::chat::ClientMsgId::parse(&format!("old-{seq}")).unwrap()),
            seq,
            kind: MessageKind::Text,
            body: domain::chat::MessageBody::parse(MessageKind::Text, &json!("before the restart")).unwrap(),
            created_at: w.clock.now(),
            edited_at: None,
            recalled_at: None,
        };
        w.messages.insert(&message).await.unwrap();
    }
    let out = w.chat.send(alice, None, text(Target::User(bob), "after", "hello again")).await.unwrap();
    assert_eq!(out.message.seq, 11);
    let _ = w.drain().await;
}

#[tokio::test]
async fn a_read_mark_never_passes_the_newest_message() {
    let mut w = world().await;
    let (alice, bob) = (w.user("alice", Role::User).await, w.user("bob", Role::User).await);
    let sent = w.chat.send(alice, None, text(Target::User(bob), "c1", "one")).await.unwrap();
    let conversation = sent.message.conversation;
    assert_eq!(w.chat.read(bob, None, conversation, 1_000).await.unwrap().last_read_seq, 1, "capped at the newest seq");
    let next = w.chat.send(alice, None, text(Target::User(bob), "c2", "two")).await.unwrap();
    assert_eq!(next.message.seq, 2);
    assert_eq!(
        w.chat.read(bob, None, conversation, 2).await.unwrap().last_read_seq,
        2,
        "the later message is still unread"
    );
    let _ = w.drain().await;
}

/// A message store that plays a sender whose process dies right after its write (the write lands, the
/// send never returns), or a slow write.
struct Faulty {
    inner: Arc<MemoryMessageStore>,
    die_after_insert: bool,
    insert_delay: Duration,
    inserted: Arc<tokio::sync::Notify>,
}

impl Faulty {
    fn dying(inner: Arc<MemoryMessageStore>) -> (Arc<Self>, Arc<tokio::sync::Notify>) {
        let inserted = Arc::new(tokio::sync::Notify::new());
        let store = Self { inner, die_after_insert: true, insert_delay: Duration::ZERO, inserted: inserted.clone() };
        (Arc::new(store), inserted)
    }

    fn slow(inner: Arc<MemoryMessageStore>, delay: Duration) -> Arc<Self> {
        let inserted = Arc::new(tokio::sync::Notify::new());
        Arc::new(Self { inner, die_after_insert: false, insert_delay: delay, inserted })
    }
}

#[async_trait::async_trait]
impl MessageStore for Faulty {
    async fn insert(&self, message: &domain::chat::Message) -> Result<(), domain::chat::MessageStoreError> {
        tokio::time::sleep(self.insert_delay).await;
        self.inner.insert(message).await?;
        self.inserted.notify_one();
        if self.die_after_insert {
            std::future::pending::<()>().await;
        }
        Ok(())
    }
    async fn by_client_id(
        &self,
        c: &ConversationId,
        id: &domain::chat::ClientMsgId,
    ) -> Result<Option<domain::chat::Message>, domain::chat::MessageStoreError> {
        self.inner.by_client_id(c, id).await
    }
    async fn history(
        &self,
        q: &domain::chat::HistoryQuery,
    ) -> Result<Vec<domain::chat::Message>, domain::chat::MessageStoreError> {
        self.inner.history(q).await
    }
    async fn max_seq(&self, c: &ConversationId) -> Result<u64, domain::chat::MessageStoreError> {
        self.inner.max_seq(c).await
    }
    async fn latest(
        &self,
        cs: &[ConversationId],
    ) -> Result<Vec<domain::chat::Message>, domain::chat::MessageStoreError> {
        self.inner.latest(cs).await
    }
    async fn count_since(&self, since: DateTime<Utc>) -> Result<u64, domain::chat::MessageStoreError> {
        self.inner.count_since(since).await
    }
    async fn recall(
        &self,
        c: &ConversationId,
        seq: u64,
        at: DateTime<Utc>,
    ) -> Result<domain::chat::Message, domain::chat::MessageStoreError> {
        self.inner.recall(c, seq, at).await
    }
    async fn delete_conversation(&self, c: &ConversationId) -> Result<u64, domain::chat::MessageStoreError> {
        self.inner.delete_conversation(c).await
    }
}

/// A bus whose publishes take a varying moment to leave (0-2 ms), as network round trips do.
struct Jittery {
    inner: Arc<dyn EventBus>,
    state: std::sync::atomic::AtomicU64,
}

#[async_trait::async_trait]
impl EventBus for Jittery {
    async fn publish(&self, topic: &str, payload: &[u8]) -> Result<(), domain::InfraError> {
        let x = self.state.fetch_add(0x9E37_79B9_7F4A_7C15, std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(Duration::from_micros((x >> 33) % 2_000)).await;
        self.inner.publish(topic, payload).await
    }
    async fn subscribe(
        &self,
        topic: &str,
        handler: Arc<dyn BusHandler>,
    ) -> Result<Box<dyn Subscription>, domain::InfraError> {
        self.inner.subscribe(topic, handler).await
    }
}

/// Regression (issue 13): the seq was committed before the publish, so two sends of one conversation raced
/// to the bus and recipients saw 108 before 107. Publishes now leave while the seq is reserved.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_of_one_conversation_are_published_in_seq_order() {
    let mut w = world().await;
    let owner = w.user("owner", Role::User).await;
    let mut members = Vec::new();
    for i in 0..4 {
        members.push(w.user(&format!("member{i}"), Role::User).await);
    }
    let g = w.group(owner, &members).await;
    let instances: Vec<Arc<ChatService>> = (0..3)
        .map(|i| {
            let bus = Arc::new(Jittery { inner: w.ports.bus.clone(), state: (i as u64 + 1).into() });
            Arc::new(w.instance(w.messages.clone(), bus))
        })
        .collect();
    let sends = (0..12).map(|task| {
        let chat = instances[task % 3].clone();
        let sender = members[task % 4];
        tokio::spawn(async move {
            for i in 0..15 {
                chat.send(sender, None, text(Target::Group(g), &format!("t{task}-{i}"), "hi")).await.unwrap();
            }
        })
    });
    for s in futures::future::join_all(sends).await {
        s.unwrap();
    }
    let seqs = w.delivered_seqs().await;
    assert_eq!(seqs, (1..=180).collect::<Vec<u64>>(), "published out of seq order");
}

async fn die_after_storing(w: &World, sender: UserId, to: UserId, client: &str) {
    let (store, inserted) = Faulty::dying(w.messages.clone());
    let dying = Arc::new(w.instance(store, w.ports.bus.clone()));
    let input = text(Target::User(to), client, "stored, then the instance died");
    let task = tokio::spawn(async move { dying.send(sender, None, input).await });
    inserted.notified().await;
    task.abort();
    let _ = task.await;
}

/// A sender stored seq 1 and died before publishing: the next send of the conversation, on another
/// instance, announces seq 1 before its own seq 2, within about one lease.
#[tokio::test]
async fn the_next_send_announces_what_a_dead_sender_stored_and_takes_over_within_a_lease() {
    let mut w = world().await;
    let (alice, bob) = (w.user("alice", Role::User).await, w.user("bob", Role::User).await);
    die_after_storing(&w, alice, bob, "lost").await;
    let started = std::time::Instant::now();
    let next = w.chat.send(bob, None, text(Target::User(alice), "after", "are you there?")).await.unwrap();
    let took = started.elapsed();
    assert_eq!(next.message.seq, 2);
    assert!(took < w.options.seq_lease + Duration::from_millis(400), "takeover took {took:?}");
    assert_eq!(w.delivered_seqs().await, vec![1, 2], "the orphan is announced first");
}

/// When nobody sends again, the sweep finds the expired reservation and announces the orphan.
#[tokio::test]
async fn the_sweep_announces_an_orphan_when_nobody_sends_again() {
    let mut w = world().await;
    let (alice, bob) = (w.user("alice", Role::User).await, w.user("bob", Role::User).await);
    die_after_storing(&w, alice, bob, "lost").await;
    assert_eq!(w.chat.complete_abandoned().await.unwrap(), 0, "the lease has not run out yet");
    tokio::time::sleep(w.options.seq_lease + Duration::from_millis(50)).await;
    assert_eq!(w.chat.complete_abandoned().await.unwrap(), 1);
    assert_eq!(w.delivered_seqs().await, vec![1]);
    assert_eq!(w.chat.complete_abandoned().await.unwrap(), 0, "done once");
    let started = std::time::Instant::now();
    let next = w.chat.send(bob, None, text(Target::User(alice), "after", "hi")).await.unwrap();
    assert_eq!(next.message.seq, 2);
    assert!(started.elapsed() < Duration::from_millis(200), "the seq was freed by the sweep");
}

/// Regression (issue 13): the duplicate path returned before publishing, so a message whose first sender
/// died before announcing it never reached anyone live, even after the client's retry.
#[tokio::test]
async fn the_retry_of_a_stored_but_unannounced_send_is_announced() {
    let mut w = world().await;
    let (alice, bob) = (w.user("alice", Role::User).await, w.user("bob", Role::User).await);
    die_after_storing(&w, alice, bob, "lost").await;
    assert!(w.delivered_seqs().await.is_empty());
    let retry = w.chat.send(alice, None, text(Target::User(bob), "lost", "stored, then the instance died")).await;
    let retry = retry.unwrap();
    assert!(retry.duplicate);
    assert_eq!(retry.message.seq, 1);
    assert_eq!(w.delivered_seqs().await, vec![1]);
}

/// A store write slower than the lease keeps its seq (the lease is renewed), so a concurrent send waits
/// for it instead of taking seq 1 from under it.
#[tokio::test]
async fn a_slow_store_write_keeps_its_seq() {
    let mut w = world_with(ChatOptions { seq_lease: Duration::from_millis(150), ..ChatOptions::default() }).await;
    let (alice, bob) = (w.user("alice", Role::User).await, w.user("bob", Role::User).await);
    let slow = Arc::new(w.instance(Faulty::slow(w.messages.clone(), Duration::from_millis(600)), w.ports.bus.clone()));
    let first = tokio::spawn(async move { slow.send(alice, None, text(Target::User(bob), "slow", "one")).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = w.chat.send(bob, None, text(Target::User(alice), "fast", "two")).await.unwrap();
    let first = first.await.unwrap().unwrap();
    assert_eq!((first.message.seq, second.message.seq), (1, 2), "the slow writer lost its seq");
    assert_eq!(w.delivered_seqs().await, vec![1, 2]);
}
