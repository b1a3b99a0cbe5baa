//! Group rules on the memory adapters. `Fixture` is shared with the conversation tests.

use super::*;
use crate::chat::{ChatOptions, ChatPorts, ChatService};
use crate::settings::SettingsService;
use adapter_memory::{
    MemoryAuditLog, MemoryConversationStore, MemoryEventBus, MemoryGroupStore, MemoryMessageStore, MemoryPresenceStore,
    MemorySequenceAllocator, MemorySettingsStore, MemoryUserRepository,
};
use chrono::{DateTime, Utc};
use domain::chat::{
    ConversationId, GroupId, GroupStore, HistoryQuery, MemberRole, Message, MessageBody, MessageId, MessageKind,
    MessageStore, SequenceAllocator,
};
use domain::clock::{Clock, SystemClock};
use domain::ids::UserId;
use domain::locale::Locale;
use domain::page::PageRequest;
use domain::settings::{SettingKey, SettingValue, Settings};
use domain::user::{Email, PasswordHash, Role, User, UserRepository, UserStatus, Username};
use domain::{Coded, ErrorKind};
use std::sync::Arc;

/// Memory ports and the services over them, with a small member limit.
pub(crate) struct Fixture {
    pub users: Arc<MemoryUserRepository>,
    pub groups: Arc<MemoryGroupStore>,
    pub messages: Arc<MemoryMessageStore>,
    pub conversations: Arc<MemoryConversationStore>,
    pub presence: Arc<MemoryPresenceStore>,
    pub sequences: Arc<MemorySequenceAllocator>,
    pub chat: Arc<ChatService>,
    pub bus: Arc<MemoryEventBus>,
    pub clock: Arc<dyn Clock>,
    pub service: GroupService,
}

impl Fixture {
    /// Services whose groups hold at most `limit` members.
    pub fn new(limit: i64) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let mut base = Settings::default();
        base.set(SettingKey::GroupMemberLimit, SettingValue::Integer(limit));
        let settings = Arc::new(SettingsService::new(
            Arc::new(MemorySettingsStore::default()),
            Arc::new(MemoryAuditLog::default()),
            Arc::new(MemoryEventBus::default()),
            clock.clone(),
            base,
        ));
        let users = Arc::new(MemoryUserRepository::default());
        let groups = Arc::new(MemoryGroupStore::default());
        let messages = Arc::new(MemoryMessageStore::default());
        let sequences = Arc::new(MemorySequenceAllocator::default());
        let conversations = Arc::new(MemoryConversationStore::default());
        let bus = Arc::new(MemoryEventBus::default());
        let presence = Arc::new(MemoryPresenceStore::default());
        let chat = Arc::new(ChatService::new(
            ChatPorts {
                users: users.clone(),
                groups: groups.clone(),
                conversations: conversations.clone(),
                messages: messages.clone(),
                sequences: sequences.clone(),
                presence: presence.clone(),
                bus: bus.clone(),
                audit: Arc::new(MemoryAuditLog::default()),
                clock: clock.clone(),
                timer: Arc::new(adapter_memory::TokioTimer),
            },
            ChatOptions::default(),
        ));
        let service =
            GroupService::new(groups.clone(), users.clone(), messages.clone(), chat.clone(), settings, clock.clone());
        Self { users, groups, messages, conversations, presence, sequences, chat, bus, clock, service }
    }

    /// A new active user.
    pub async fn user(&self, name: &str) -> UserId {
        let now = self.clock.now();
        let user = User {
            id: UserId::new(),
            username: Username::parse(name).unwrap(),
            email: Email::parse(&format!("{name}@example.com")).unwrap(),
            password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
            role: Role::User,
            status: UserStatus::Active,
            locale: Locale::ZhCn,
            created_at: now,
            updated_at: now,
            last_login_at: None,
            deleted_at: None,
        };
        self.users.create(&user).await.unwrap();
        user.id
    }

    /// Stores a text message under the next seq, as the chat service does in production.
    pub async fn message(&self, conversation: ConversationId, sender: UserId, at: DateTime<Utc>) -> Message {
        let lease = std::time::Duration::from_secs(5);
        let reservation = self.sequences.reserve(&conversation, lease, lease).await.unwrap();
        let seq = reservation.seq;
        let message = Message {
            id: MessageId::new(),
            conversation,
            sender: Some(sender),
            client_id: None,
            seq,
            kind: MessageKind::Text,
            body: MessageBody::Text(format!("message {seq}")),
            created_at: at,
            edited_at: None,
            recalled_at: None,
        };
        self.messages.insert(&message).await.unwrap();
        self.sequences.commit(&reservation).await.unwrap();
        message
    }
}

/// Every delivery published on the bus from now on.
pub(crate) struct Deliveries {
    rx: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
    _sub: Box<dyn domain::bus::Subscription>,
}

struct Tap(tokio::sync::mpsc::UnboundedSender<Vec<u8>>);

impl domain::bus::BusHandler for Tap {
    fn handle(&self, _topic: &str, payload: &[u8]) {
        let _ = self.0.send(payload.to_vec());
    }
}

impl Deliveries {
    /// Subscribes to the chat delivery topic of `f`'s bus.
    pub async fn tap(f: &Fixture) -> Self {
        use domain::bus::EventBus;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let sub = f.bus.subscribe(crate::chat::events::DELIVERY_TOPIC, Arc::new(Tap(tx))).await.unwrap();
        Self { rx, _sub: sub }
    }

    /// The next delivery (bounded wait, so a missing one fails rather than hangs).
    pub async fn next(&mut self) -> crate::chat::events::Delivery {
        let payload = tokio::time::timeout(std::time::Duration::from_secs(5), self.rx.recv()).await.unwrap().unwrap();
        serde_json::from_slice(&payload).unwrap()
    }
}

fn new_group(name: &str, members: &[UserId]) -> NewGroup {
    NewGroup { name: name.into(), members: members.to_vec() }
}

#[tokio::test]
async fn the_creator_owns_the_group_and_initial_members_join_as_members() {
    let f = Fixture::new(10);
    let (alice, bob) = (f.user("alice").await, f.user("bob").await);
    let view = f.service.create(alice, new_group("  Team  ", &[bob, alice, bob])).await.unwrap();
    assert_eq!((view.group.name.as_str(), view.group.owner, view.my_role), ("Team", alice, MemberRole::Owner));
    assert_eq!((view.member_count, view.member_limit), (2, 10), "duplicates and the creator are not added twice");
    let members = f.service.members(bob, view.group.id, PageRequest::default()).await.unwrap();
    let roles: Vec<_> = members.items.iter().map(|m| (m.user, m.role)).collect();
    assert_eq!(roles, vec![(alice, MemberRole::Owner), (bob, MemberRole::Member)]);
    assert_eq!(f.service.my_groups(bob).await.unwrap()[0].id, view.group.id);
}

#[tokio::test]
async fn creation_is_refused_before_writing_when_too_big_or_a_member_is_unknown() {
    let f = Fixture::new(2);
    let (alice, bob, carol) = (f.user("alice").await, f.user("bob").await, f.user("carol").await);
    let full = f.service.create(alice, new_group("x", &[bob, carol])).await.unwrap_err();
    assert_eq!((full.code(), full.params()), ("group.full", vec![("limit", "2".to_owned())]));
    let ghost = f.service.create(alice, new_group("x", &[UserId::new()])).await.unwrap_err();
    assert_eq!(ghost.code(), "user.not_found");
    let blank = f.service.create(alice, new_group("   ", &[])).await.unwrap_err();
    assert_eq!((blank.code(), blank.kind()), ("validation.required", ErrorKind::Invalid));
    assert!(f.service.my_groups(alice).await.unwrap().is_empty(), "nothing was written");
}

#[tokio::test]
async fn non_members_get_forbidden_and_missing_groups_not_found() {
    let f = Fixture::new(10);
    let (alice, mallory) = (f.user("alice").await, f.user("mallory").await);
    let g = f.service.create(alice, new_group("team", &[])).await.unwrap().group.id;
    for err in [
        f.service.get(mallory, g).await.unwrap_err(),
        f.service.members(mallory, g, PageRequest::default()).await.unwrap_err(),
        f.service.leave(mallory, g).await.unwrap_err(),
        f.service.add_member(mallory, g, mallory, None).await.unwrap_err(),
    ] {
        assert_eq!((err.code(), err.kind()), ("group.members_only", ErrorKind::Forbidden));
    }
    let missing = f.service.get(alice, GroupId::new()).await.unwrap_err();
    assert_eq!((missing.code(), missing.kind()), ("group.not_found", ErrorKind::NotFound));
}

#[tokio::test]
async fn only_the_owner_renames_deletes_and_changes_roles() {
    let f = Fixture::new(10);
    let (alice, bob) = (f.user("alice").await, f.user("bob").await);
    let g = f.service.create(alice, new_group("team", &[bob])).await.unwrap().group.id;
    f.service.set_role(alice, g, bob, MemberRole::Admin).await.unwrap();
    assert_eq!(f.service.rename(bob, g, "mine").await.unwrap_err().code(), "group.owner_only");
    assert_eq!(f.service.delete(bob, g).await.unwrap_err().code(), "group.owner_only");
    assert_eq!(f.service.set_role(bob, g, alice, MemberRole::Member).await.unwrap_err().code(), "group.owner_only");
    let renamed = f.service.rename(alice, g, "new name").await.unwrap();
    assert_eq!(renamed.group.name.as_str(), "new name");
    assert!(renamed.group.updated_at >= renamed.group.created_at);
}

#[tokio::test]
async fn admins_manage_members_within_the_limit_and_the_owner_is_protected() {
    let f = Fixture::new(3);
    let (alice, bob, carol, dave) =
        (f.user("alice").await, f.user("bob").await, f.user("carol").await, f.user("dave").await);
    let g = f.service.create(alice, new_group("team", &[])).await.unwrap().group.id;
    let added = f.service.add_member(alice, g, bob, Some(MemberRole::Admin)).await.unwrap();
    assert_eq!(added.role, MemberRole::Admin);
    assert_eq!(
        f.service.add_member(bob, g, carol, Some(MemberRole::Admin)).await.unwrap_err().code(),
        "group.owner_only",
        "only the owner appoints admins"
    );
    f.service.add_member(bob, g, carol, None).await.unwrap();
    let full = f.service.add_member(alice, g, dave, None).await.unwrap_err();
    assert_eq!((full.code(), full.kind()), ("group.full", ErrorKind::Conflict));
    let again = f.service.add_member(alice, g, carol, None).await.unwrap_err();
    assert_eq!(again.code(), "group.already_member");
    let ghost = f.service.add_member(alice, g, UserId::new(), None).await.unwrap_err();
    assert_eq!(ghost.code(), "user.not_found");
    assert_eq!(
        f.service.add_member(carol, g, dave, None).await.unwrap_err().code(),
        "group.admins_only",
        "regular members cannot add"
    );
    assert_eq!(f.service.remove_member(bob, g, alice).await.unwrap_err().code(), "group.cannot_remove");
    f.service.remove_member(bob, g, carol).await.unwrap();
    assert_eq!(f.service.remove_member(bob, g, carol).await.unwrap_err().code(), "group.not_member");
    f.service.remove_member(alice, g, bob).await.unwrap();
    assert_eq!(f.service.get(alice, g).await.unwrap().member_count, 1);
}

#[tokio::test]
async fn the_owner_transfers_before_leaving() {
    let f = Fixture::new(10);
    let (alice, bob) = (f.user("alice").await, f.user("bob").await);
    let g = f.service.create(alice, new_group("team", &[bob])).await.unwrap().group.id;
    assert_eq!(f.service.leave(alice, g).await.unwrap_err().code(), "group.owner_must_transfer");
    assert_eq!(
        f.service.set_role(alice, g, alice, MemberRole::Member).await.unwrap_err().code(),
        "group.owner_must_transfer"
    );
    let bob_now = f.service.set_role(alice, g, bob, MemberRole::Owner).await.unwrap();
    assert_eq!(bob_now.role, MemberRole::Owner);
    assert_eq!(f.service.get(alice, g).await.unwrap().my_role, MemberRole::Admin, "old owner becomes admin");
    assert_eq!(f.service.get(bob, g).await.unwrap().group.owner, bob);
    f.service.remove_member(alice, g, alice).await.unwrap();
    assert_eq!(f.service.get(alice, g).await.unwrap_err().code(), "group.members_only");
    assert_eq!(f.service.leave(alice, g).await.unwrap_err().code(), "group.members_only");
}

#[tokio::test]
async fn deleting_a_group_deletes_its_messages() {
    let f = Fixture::new(10);
    let alice = f.user("alice").await;
    let g = f.service.create(alice, new_group("team", &[])).await.unwrap().group.id;
    let conversation = ConversationId::Group(g);
    for _ in 0..3 {
        f.message(conversation, alice, f.clock.now()).await;
    }
    assert_eq!(f.service.delete(alice, g).await.unwrap(), 4, "three messages and the creation notice");
    let left = f.messages.history(&HistoryQuery::new(conversation, None, None, 100).unwrap()).await.unwrap();
    assert!(left.is_empty());
    assert_eq!(f.service.get(alice, g).await.unwrap_err().code(), "group.not_found");
    assert!(matches!(f.groups.get(g).await, Ok(None)));
}

#[tokio::test]
async fn members_are_paged() {
    let f = Fixture::new(10);
    let alice = f.user("alice").await;
    let mut others = Vec::new();
    for name in ["bob", "carol", "dave", "erin"] {
        others.push(f.user(name).await);
    }
    let g = f.service.create(alice, new_group("team", &others)).await.unwrap().group.id;
    let page2 = f.service.members(alice, g, PageRequest::new(2, 2).unwrap()).await.unwrap();
    assert_eq!((page2.total, page2.items.len(), page2.page), (5, 2, 2));
    let page3 = f.service.members(alice, g, PageRequest::new(3, 2).unwrap()).await.unwrap();
    assert_eq!(page3.items.len(), 1);
    assert!(page2.items.iter().all(|m| m.role == MemberRole::Member));
}

#[tokio::test]
async fn group_events_become_system_messages_in_the_default_language() {
    let f = Fixture::new(10);
    let (alice, bob) = (f.user("alice").await, f.user("bob").await);
    let g = f.service.create(alice, new_group("team", &[])).await.unwrap().group.id;
    let mut deliveries = Deliveries::tap(&f).await;
    f.service.add_member(alice, g, bob, None).await.unwrap();
    let live = deliveries.next().await;
    let mut recipients = live.recipients.clone();
    recipients.sort();
    let mut members = vec![alice, bob];
    members.sort();
    assert_eq!(recipients, members, "connected members hear about it at once");
    assert!(matches!(live.event, crate::chat::events::ChatEvent::Message { ref message } if message.seq == 2));
    f.service.rename(alice, g, "crew").await.unwrap();
    f.service.leave(bob, g).await.unwrap();
    let query = HistoryQuery::new(ConversationId::Group(g), None, None, 100).unwrap();
    let texts: Vec<_> =
        f.messages.history(&query).await.unwrap().into_iter().map(|m| (m.seq, m.kind, m.sender, m.body)).collect();
    let system = |seq: u64, text: &str| (seq, MessageKind::System, None, MessageBody::Text(text.into()));
    assert_eq!(
        texts,
        vec![
            system(1, "alice 创建了群组「team」"),
            system(2, "alice 邀请 bob 加入了群组"),
            system(3, "alice 将群组改名为「crew」"),
            system(4, "bob 退出了群组"),
        ]
    );
}
