//! The live-delivery promise as a property: over any interleaving of sends, retries, lost publishes,
//! instance crashes (after storing, before publishing), reconnects and syncs, on the memory adapters with
//! the gateway's real hub, outbox and writer, every client that follows the documented recipe ends with
//! every stored message of its conversations exactly once, in seq order, and no connection ever received a
//! conversation's frames out of order.
//!
//! Time is Tokio's paused clock, so leases, grace periods and sweeps run in virtual time.

use crate::hub::{Conn, Hub, HubHandler, Topic};
use crate::outbox::Limits;
use crate::protocol::ServerFrame;
use adapter_memory::{
    MemoryAuditLog, MemoryConversationStore, MemoryEventBus, MemoryGroupStore, MemoryMessageStore, MemoryPresenceStore,
    MemorySequenceAllocator, MemoryUserRepository, TokioTimer,
};
use application::chat::events::DELIVERY_TOPIC;
use application::chat::{ChatOptions, ChatPorts, ChatService, SendInput, Target};
use chrono::{DateTime, Utc};
use domain::bus::{BusHandler, EventBus, Subscription};
use domain::chat::{
    ClientMsgId, ConnectionId, ConversationId, Group, GroupId, GroupMember, GroupName, GroupStore, HistoryQuery,
    MemberRole, Message as StoredMessage, MessageKind, MessageStore, MessageStoreError,
};
use domain::clock::SystemClock;
use domain::ids::UserId;
use domain::locale::Locale;
use domain::user::{Email, PasswordHash, Role, User, UserRepository, UserStatus, Username};
use futures::SinkExt;
use poem::web::websocket::Message;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

const LEASE: Duration = Duration::from_millis(200);

/// A message store that can make its instance die right after a write lands.
struct Dying {
    inner: Arc<MemoryMessageStore>,
    armed: AtomicBool,
    died: AtomicBool,
}

#[async_trait::async_trait]
impl MessageStore for Dying {
    async fn insert(&self, m: &StoredMessage) -> Result<(), MessageStoreError> {
        self.inner.insert(m).await?;
        if self.armed.swap(false, Ordering::SeqCst) {
            self.died.store(true, Ordering::SeqCst);
            std::future::pending::<()>().await;
        }
        Ok(())
    }
    async fn by_client_id(
        &self,
        c: &ConversationId,
        id: &ClientMsgId,
    ) -> Result<Option<StoredMessage>, MessageStoreError> {
        self.inner.by_client_id(c, id).await
    }
    async fn history(&self, q: &HistoryQuery) -> Result<Vec<StoredMessage>, MessageStoreError> {
        self.inner.history(q).await
    }
    async fn max_seq(&self, c: &ConversationId) -> Result<u64, MessageStoreError> {
        self.inner.max_seq(c).await
    }
    async fn latest(&self, cs: &[ConversationId]) -> Result<Vec<StoredMessage>, MessageStoreError> {
        self.inner.latest(cs).await
    }
    async fn count_since(&self, since: DateTime<Utc>) -> Result<u64, MessageStoreError> {
        self.inner.count_since(since).await
    }
    async fn recall(
        &self,
        c: &ConversationId,
        seq: u64,
        at: DateTime<Utc>,
    ) -> Result<StoredMessage, MessageStoreError> {
        self.inner.recall(c, seq, at).await
    }
    async fn delete_conversation(&self, c: &ConversationId) -> Result<u64, MessageStoreError> {
        self.inner.delete_conversation(c).await
    }
}

/// The shared bus, which can lose the next publishes (as a Redis restart does).
struct Lossy {
    inner: MemoryEventBus,
    drop_next: AtomicUsize,
    lost: AtomicUsize,
}

#[async_trait::async_trait]
impl EventBus for Lossy {
    async fn publish(&self, topic: &str, payload: &[u8]) -> Result<(), domain::InfraError> {
        if self.drop_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            self.lost.fetch_add(1, Ordering::SeqCst);
            return Ok(());
        }
        self.inner.publish(topic, payload).await
    }
    async fn subscribe(
        &self,
        topic: &str,
        h: Arc<dyn BusHandler>,
    ) -> Result<Box<dyn Subscription>, domain::InfraError> {
        self.inner.subscribe(topic, h).await
    }
}

struct Instance {
    chat: Arc<ChatService>,
    store: Arc<Dying>,
    hub: Arc<Hub>,
    alive: bool,
    _subscription: Box<dyn Subscription>,
}

/// One connection of a client, and what arrived on it.
struct Live {
    conn: Arc<Conn>,
    id: ConnectionId,
    instance: usize,
    frames: futures::channel::mpsc::UnboundedReceiver<Message>,
    writer: tokio::task::JoinHandle<()>,
    /// Per conversation, the last seq of a message or ack frame on this connection.
    last: HashMap<ConversationId, u64>,
}

/// A client following the recipe.
struct Client {
    user: UserId,
    live: Option<Live>,
    cursors: HashMap<ConversationId, u64>,
    /// Received above a gap, waiting for the seqs below.
    held: HashMap<ConversationId, BTreeSet<u64>>,
    accepted: HashMap<ConversationId, Vec<u64>>,
    /// Sends with no ack yet: (conversation, client id).
    unacked: Vec<(ConversationId, String)>,
    acked: Vec<(ConversationId, u64)>,
    inversions: usize,
    needs_sync: bool,
}

struct World {
    ports: ChatPorts,
    bus: Arc<Lossy>,
    messages: Arc<MemoryMessageStore>,
    instances: Vec<Instance>,
    clients: Vec<Client>,
    conversations: Vec<(ConversationId, Vec<usize>)>,
    next_id: usize,
}

fn limits() -> Limits {
    Limits { hold: 4, control: 10_000, gap_grace: Duration::from_millis(20), page: 3 }
}

impl World {
    async fn new() -> World {
        let users = Arc::new(MemoryUserRepository::default());
        let groups = Arc::new(MemoryGroupStore::default());
        let messages = Arc::new(MemoryMessageStore::default());
        let bus = Arc::new(Lossy { inner: MemoryEventBus::default(), drop_next: 0.into(), lost: 0.into() });
        let ports = ChatPorts {
            users: users.clone(),
            groups: groups.clone(),
            conversations: Arc::new(MemoryConversationStore::default()),
            messages: messages.clone(),
            sequences: Arc::new(MemorySequenceAllocator::default()),
            presence: Arc::new(MemoryPresenceStore::default()),
            bus: bus.clone(),
            audit: Arc::new(MemoryAuditLog::default()),
            clock: Arc::new(SystemClock),
            timer: Arc::new(TokioTimer),
        };
        let mut ids = Vec::new();
        for i in 0..4 {
            let now = Utc::now();
            let user = User {
                id: UserId::new(),
                username: Username::parse(&format!("user{i}")).unwrap(),
                email: Email::parse(&format!("user{i}@example.com")).unwrap(),
                password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
                role: Role::User,
                status: UserStatus::Active,
                locale: Locale::En,
                created_at: now,
                updated_at: now,
                last_login_at: None,
                deleted_at: None,
            };
            users.create(&user).await.unwrap();
            ids.push(user.id);
        }
        let now = Utc::now();
        let group = Group {
            id: GroupId::new(),
            name: GroupName::parse("all").unwrap(),
            owner: ids[0],
            created_at: now,
            updated_at: now,
        };
        let member = |user, role| GroupMember { group: group.id, user, role, joined_at: now };
        groups.create(&group, &member(ids[0], MemberRole::Owner)).await.unwrap();
        for id in &ids[1..] {
            groups.add_member(&member(*id, MemberRole::Member), 100).await.unwrap();
        }
        let conversations = vec![
            (ConversationId::Group(group.id), vec![0, 1, 2, 3]),
            (ConversationId::direct(ids[0], ids[1]), vec![0, 1]),
            (ConversationId::direct(ids[2], ids[3]), vec![2, 3]),
        ];
        let clients = ids
            .iter()
            .map(|user| Client {
                user: *user,
                live: None,
                cursors: HashMap::new(),
                held: HashMap::new(),
                accepted: HashMap::new(),
                unacked: Vec::new(),
                acked: Vec::new(),
                inversions: 0,
                needs_sync: false,
            })
            .collect();
        let mut world = World { ports, bus, messages, instances: Vec::new(), clients, conversations, next_id: 0 };
        for _ in 0..2 {
            let instance = world.instance().await;
            world.instances.push(instance);
        }
        world
    }

    async fn instance(&self) -> Instance {
        let store = Arc::new(Dying { inner: self.messages.clone(), armed: false.into(), died: false.into() });
        let options = ChatOptions { seq_lease: LEASE, seq_wait: Duration::from_secs(30), ..ChatOptions::default() };
        let chat = Arc::new(ChatService::new(ChatPorts { messages: store.clone(), ..self.ports.clone() }, options));
        let hub = Arc::new(Hub::new(10));
        let handler = Arc::new(HubHandler { hub: Arc::downgrade(&hub), topic: Topic::Delivery });
        let subscription = self.bus.subscribe(DELIVERY_TOPIC, handler).await.unwrap();
        Instance { chat, store, hub, alive: true, _subscription: subscription }
    }

    /// Lets writers and the bus run for a while of virtual time, then reads what every client got.
    async fn settle(&mut self, time: Duration) {
        tokio::time::sleep(time).await;
        for i in 0..self.clients.len() {
            self.read_frames(i);
        }
        if self.bus.drop_next.load(Ordering::SeqCst) == 0 && self.bus.lost.swap(0, Ordering::SeqCst) > 0 {
            // The bus is back after losing events: it tells the gateways (BusHandler::resumed).
            for instance in self.instances.iter().filter(|i| i.alive) {
                instance.hub.verify_all();
            }
        }
    }

    fn read_frames(&mut self, i: usize) {
        let client = &mut self.clients[i];
        let Some(live) = client.live.as_mut() else { return };
        let mut frames = Vec::new();
        while let Ok(Message::Text(text)) = live.frames.try_recv() {
            frames.push(serde_json::from_str::<Value>(&text).unwrap());
        }
        for frame in frames {
            client.receive(&frame);
        }
    }

    async fn connect(&mut self, c: usize, instance: usize) {
        self.disconnect(c).await;
        if !self.instances[instance].alive {
            return;
        }
        let conn = Arc::new(Conn::new(limits()));
        let user = self.clients[c].user;
        let _ = conn.user.set(user);
        let id = ConnectionId::new();
        self.instances[instance].hub.register(user, id, conn.clone()).unwrap();
        let (tx, frames) = futures::channel::mpsc::unbounded();
        let sink = tx.sink_map_err(|_| std::io::Error::other("client gone"));
        let writer = tokio::spawn(crate::writer::run(sink, conn.clone(), self.instances[instance].chat.clone()));
        self.clients[c].live = Some(Live { conn, id, instance, frames, writer, last: HashMap::new() });
        self.sync(c).await;
    }

    async fn disconnect(&mut self, c: usize) {
        if let Some(live) = self.clients[c].live.take() {
            self.instances[live.instance].hub.unregister(self.clients[c].user, live.id, &[]);
            live.conn.kill.close(crate::close::Close::GoingAway);
            live.writer.abort();
        }
    }

    /// The recipe's sync: every conversation from its contiguous cursor; again while `more`.
    async fn sync(&mut self, c: usize) {
        let Some(instance) = self.clients[c].live.as_ref().map(|l| l.instance) else { return };
        for _ in 0..100 {
            let client = &self.clients[c];
            let Some(live) = client.live.as_ref() else { return };
            if live.conn.outbox().syncing() {
                self.settle(Duration::from_millis(50)).await;
                continue;
            }
            let plans = self.instances[instance].chat.sync_plan(client.user, &client.cursors).await.unwrap();
            let more = plans.iter().any(|p| p.more);
            // a sync restarts each conversation's stream right after the client's cursor
            let restarts: Vec<(ConversationId, u64)> = plans.iter().map(|p| (p.conversation, p.after)).collect();
            live.conn.with_outbox(|o| o.begin_sync(None, plans));
            if let Some(live) = self.clients[c].live.as_mut() {
                live.last.extend(restarts);
            }
            self.clients[c].needs_sync = false;
            self.settle(Duration::from_millis(50)).await;
            if !more && !self.clients[c].needs_sync {
                return;
            }
        }
    }

    /// A send as the gateway's reader makes it: stored by the chat service, its ack into the outbox.
    /// `crash`: the instance dies right after storing it.
    async fn send(&mut self, c: usize, conversation: ConversationId, client_id: String, crash: bool) {
        let Some(live) = self.clients[c].live.as_ref() else {
            self.clients[c].unacked.push((conversation, client_id));
            return;
        };
        let (instance, id, conn) = (live.instance, live.id, live.conn.clone());
        let chat = self.instances[instance].chat.clone();
        if crash {
            self.instances[instance].store.armed.store(true, Ordering::SeqCst);
        }
        let input = SendInput {
            target: Target::Conversation(conversation),
            client_msg_id: client_id.clone(),
            kind: MessageKind::Text,
            body: Value::String(client_id.clone()),
        };
        let user = self.clients[c].user;
        let mut task = tokio::spawn(async move { chat.send(user, Some(id), input).await });
        let outcome = loop {
            tokio::select! {
                done = &mut task => break done.expect("the send task panicked"),
                _ = tokio::time::sleep(Duration::from_millis(5)) => {
                    if self.instances[instance].store.died.load(Ordering::SeqCst) {
                        task.abort();
                        self.kill(instance).await;
                        self.clients[c].unacked.push((conversation, client_id));
                        return;
                    }
                }
            }
        };
        let outcome = outcome.expect("a send failed");
        let frame = ServerFrame::ack(None, &outcome).encode();
        let m = &outcome.message;
        conn.with_outbox(|o| o.ack(m.conversation, m.seq, frame)).unwrap();
        self.clients[c].acked.push((m.conversation, m.seq));
    }

    async fn kill(&mut self, instance: usize) {
        self.instances[instance].alive = false;
        for c in 0..self.clients.len() {
            if self.clients[c].live.as_ref().is_some_and(|l| l.instance == instance) {
                self.disconnect(c).await;
            }
        }
    }

    async fn restart(&mut self, instance: usize) {
        if !self.instances[instance].alive {
            self.instances[instance] = self.instance().await;
        }
    }

    /// Every instance's background sweep.
    async fn sweep(&self) {
        for instance in self.instances.iter().filter(|i| i.alive) {
            instance.chat.complete_abandoned().await.unwrap();
        }
    }
}

impl Client {
    fn receive(&mut self, frame: &Value) {
        let kind = frame["type"].as_str().unwrap_or_default();
        if kind == "synced" {
            return;
        }
        if kind != "message" && kind != "ack" {
            return;
        }
        let conversation: ConversationId = frame["conversation"].as_str().unwrap().parse().unwrap();
        let seq = frame["seq"].as_u64().unwrap();
        if let Some(live) = self.live.as_mut() {
            let retry_ack = kind == "ack" && frame["duplicate"] == true;
            let last = live.last.entry(conversation).or_default();
            if seq <= *last && !retry_ack {
                self.inversions += 1;
            }
            *last = (*last).max(seq);
        }
        if kind == "ack" {
            let id = frame["client_msg_id"].as_str().unwrap_or_default();
            self.unacked.retain(|(_, c)| c != id);
        }
        let cursor = self.cursors.entry(conversation).or_default();
        if seq <= *cursor {
            return;
        }
        let held = self.held.entry(conversation).or_default();
        held.insert(seq);
        while held.remove(&(*cursor + 1)) {
            *cursor += 1;
            self.accepted.entry(conversation).or_default().push(*cursor);
        }
        if !held.is_empty() {
            self.needs_sync = true;
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Send { client: usize, conversation: usize, crash: bool },
    Reconnect { client: usize, instance: usize },
    Disconnect { client: usize },
    LosePublishes(usize),
    Restart(usize),
    Settle(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0..4usize, 0..3usize, prop::bool::weighted(0.1))
            .prop_map(|(client, conversation, crash)| Op::Send { client, conversation, crash }),
        2 => (0..4usize, 0..2usize).prop_map(|(client, instance)| Op::Reconnect { client, instance }),
        1 => (0..4usize).prop_map(|client| Op::Disconnect { client }),
        1 => (1..4usize).prop_map(Op::LosePublishes),
        1 => (0..2usize).prop_map(Op::Restart),
        3 => (1..400u64).prop_map(Op::Settle),
    ]
}

async fn play(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut w = World::new().await;
    for c in 0..4 {
        w.connect(c, c % 2).await;
    }
    for op in ops {
        match op {
            Op::Send { client, conversation, crash } => {
                let (conv, members) = w.conversations[conversation].clone();
                // a client sends only where it is a member
                let client = if members.contains(&client) { client } else { members[0] };
                w.next_id += 1;
                let id = format!("m{}", w.next_id);
                w.send(client, conv, id, crash).await;
            }
            Op::Reconnect { client, instance } => w.connect(client, instance).await,
            Op::Disconnect { client } => w.disconnect(client).await,
            Op::LosePublishes(n) => w.bus.drop_next.store(n, Ordering::SeqCst),
            Op::Restart(instance) => w.restart(instance).await,
            Op::Settle(ms) => w.settle(Duration::from_millis(ms)).await,
        }
        for c in 0..4 {
            if w.clients[c].needs_sync {
                w.sync(c).await;
            }
        }
    }
    // The end of the run: the bus works again, every instance is back, every client reconnects, syncs and
    // resends what was never acked, as the recipe says; the sweeps run.
    w.bus.drop_next.store(0, Ordering::SeqCst);
    for i in 0..2 {
        w.restart(i).await;
    }
    for c in 0..4 {
        if w.clients[c].live.is_none() {
            w.connect(c, c % 2).await;
        }
    }
    for _ in 0..3 {
        tokio::time::sleep(LEASE * 2).await;
        w.sweep().await;
        for c in 0..4 {
            for (conversation, id) in std::mem::take(&mut w.clients[c].unacked) {
                w.send(c, conversation, id, false).await;
            }
        }
        w.settle(Duration::from_secs(1)).await;
        for c in 0..4 {
            if w.clients[c].needs_sync {
                w.sync(c).await;
            }
        }
    }
    for (conversation, members) in &w.conversations {
        let stored = w.messages.max_seq(conversation).await.unwrap();
        let history = w.messages.history(&HistoryQuery::new(*conversation, Some(0), None, 100).unwrap()).await.unwrap();
        prop_assert_eq!(history.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=stored).collect::<Vec<_>>());
        for c in members {
            let client = &w.clients[*c];
            let got = client.accepted.get(conversation).cloned().unwrap_or_default();
            prop_assert_eq!(&got, &(1..=stored).collect::<Vec<_>>(), "client {} in {}", c, conversation);
        }
    }
    for (c, client) in w.clients.iter().enumerate() {
        prop_assert_eq!(client.inversions, 0, "client {} received frames out of order", c);
        prop_assert!(client.unacked.is_empty(), "client {} still has unacked sends", c);
        for (conversation, seq) in &client.acked {
            prop_assert!(*seq <= w.messages.max_seq(conversation).await.unwrap());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_recipe_client_ends_with_every_message_once_in_order(ops in proptest::collection::vec(op(), 1..80)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
        runtime.block_on(play(ops))?;
    }
}
