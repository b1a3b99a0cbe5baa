//! ChatService: send, read, typing and presence for the WebSocket gateway, over the chat ports. How a send
//! gets its seq and reaches the bus in seq order is in `sequencing`; catch-up from storage is in `sync`.
//!
//! A retried client message id finds the stored message and is acked again with the same seq, never stored
//! twice; it is published again too (gateways drop a seq they delivered), so a message whose first sender
//! died before announcing it still reaches everyone live.

use super::error::ChatError;
use super::events::{BusCodec, ChatEvent, DELIVERY_TOPIC, Delivery, MessageView, PRESENCE_TOPIC, PresenceEvent};
use crate::conversations::can_access;
use domain::audit::AuditLog;
use domain::bus::EventBus;
use domain::chat::{
    ClientMsgId, ConnectionId, ConversationId, ConversationStore, GroupId, GroupStore, Message, MessageBody,
    MessageKind, MessageStore, PresenceChange, PresenceStore, SequenceAllocator,
};
use domain::clock::{Clock, Timer};
use domain::ids::UserId;
use domain::user::UserRepository;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Limits and timers from the `ws` config section.
#[derive(Clone, Debug)]
pub struct ChatOptions {
    /// Largest serialized body of a send.
    pub max_body_bytes: usize,
    /// Most messages one `sync` replays per conversation.
    pub sync_max_messages: u32,
    /// How long a connection stays present without a heartbeat.
    pub presence_ttl: Duration,
    /// Lease of a seq reservation: a crashed sender's conversation is taken over after at most this long.
    /// A live sender renews it every third of it while its store write runs.
    pub seq_lease: Duration,
    /// How long a send waits for a busy conversation's seq.
    pub seq_wait: Duration,
}

impl Default for ChatOptions {
    fn default() -> Self {
        Self {
            max_body_bytes: 16 * 1024,
            sync_max_messages: 1000,
            presence_ttl: Duration::from_secs(60),
            seq_lease: Duration::from_millis(600),
            seq_wait: Duration::from_secs(5),
        }
    }
}

/// Where a send goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The direct conversation with this user.
    User(UserId),
    /// A group's conversation.
    Group(GroupId),
    /// A conversation by id.
    Conversation(ConversationId),
}

/// One send, as the client framed it (validated here).
#[derive(Clone, Debug, PartialEq)]
pub struct SendInput {
    /// Where to.
    pub target: Target,
    /// The client's id for the message (dedupe key).
    pub client_msg_id: String,
    /// `text` or `custom` (`system` is refused: only the server writes those).
    pub kind: MessageKind,
    /// Body as JSON.
    pub body: Value,
}

/// Where a user's read position stands after a read mark, with the newest seq it was capped at, so callers
/// can report unread counts without reading the store again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadMark {
    /// The stored read position (never past `latest_seq`).
    pub last_read_seq: u64,
    /// The conversation's newest seq when the mark was made.
    pub latest_seq: u64,
}

/// The stored message and whether this send was a retry of an earlier one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendOutcome {
    /// The stored message (the earlier one for a retry).
    pub message: Message,
    /// True when the client id was already stored: nothing new was stored or delivered.
    pub duplicate: bool,
}

/// A stored message with the client id of a send: the sender's own retry, or a clash with another
/// participant's id (client ids are unique per conversation, so clients should use UUIDs).
fn own_retry(existing: Message, sender: UserId) -> Result<SendOutcome, ChatError> {
    if existing.sender == Some(sender) {
        Ok(SendOutcome { message: existing, duplicate: true })
    } else {
        Err(ChatError::ClientIdTaken)
    }
}

/// The chat use cases.
pub struct ChatService {
    users: Arc<dyn UserRepository>,
    groups: Arc<dyn GroupStore>,
    conversations: Arc<dyn ConversationStore>,
    pub(super) messages: Arc<dyn MessageStore>,
    pub(super) sequences: Arc<dyn SequenceAllocator>,
    presence: Arc<dyn PresenceStore>,
    bus: Arc<dyn EventBus>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    pub(super) timer: Arc<dyn Timer>,
    pub(super) options: ChatOptions,
}

/// The ports the chat service works on.
#[derive(Clone)]
pub struct ChatPorts {
    /// Accounts (sender and recipient status).
    pub users: Arc<dyn UserRepository>,
    /// Groups and members.
    pub groups: Arc<dyn GroupStore>,
    /// Direct conversations and read positions.
    pub conversations: Arc<dyn ConversationStore>,
    /// Durable messages.
    pub messages: Arc<dyn MessageStore>,
    /// Per-conversation seqs.
    pub sequences: Arc<dyn SequenceAllocator>,
    /// Live connections.
    pub presence: Arc<dyn PresenceStore>,
    /// Cross-instance fan-out.
    pub bus: Arc<dyn EventBus>,
    /// Admin audit trail (pushes).
    pub audit: Arc<dyn AuditLog>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Waiting (lease renewal while a send is stored).
    pub timer: Arc<dyn Timer>,
}

impl ChatService {
    /// Wires the service to its ports.
    pub fn new(ports: ChatPorts, options: ChatOptions) -> Self {
        let ChatPorts { users, groups, conversations, messages, sequences, presence, bus, audit, clock, timer } = ports;
        Self { users, groups, conversations, messages, sequences, presence, bus, audit, clock, timer, options }
    }

    /// The options in force (the gateway reports some of them in `welcome`).
    pub fn options(&self) -> &ChatOptions {
        &self.options
    }

    /// Refuses a user whose account is disabled or deleted.
    pub async fn ensure_active(&self, user: UserId) -> Result<(), ChatError> {
        match self.users.by_id(user).await? {
            Some(u) if u.can_sign_in() => Ok(()),
            _ => Err(ChatError::SenderDisabled),
        }
    }

    async fn resolve(&self, sender: UserId, target: Target) -> Result<ConversationId, ChatError> {
        let conversation = match target {
            Target::User(peer) => ConversationId::direct(sender, peer),
            Target::Group(group) => ConversationId::Group(group),
            Target::Conversation(c) => c,
        };
        if !can_access(self.groups.as_ref(), sender, &conversation).await? {
            return Err(ChatError::NotMember);
        }
        if let Some(peer) = conversation.peer_of(sender).filter(|p| *p != sender) {
            match self.users.by_id(peer).await? {
                Some(u) if u.can_sign_in() => {}
                _ => return Err(ChatError::RecipientUnavailable),
            }
        }
        Ok(conversation)
    }

    /// Who gets a conversation's events.
    pub(super) async fn participants(&self, conversation: &ConversationId) -> Result<Vec<UserId>, ChatError> {
        Ok(match conversation {
            ConversationId::Direct(a, b) if a == b => vec![*a],
            ConversationId::Direct(a, b) => vec![*a, *b],
            ConversationId::Group(g) => self.groups.members(*g).await?.into_iter().map(|m| m.user).collect(),
        })
    }

    async fn publish(&self, recipients: Vec<UserId>, origin: Option<ConnectionId>, event: ChatEvent) {
        if recipients.is_empty() {
            return;
        }
        let delivery = Delivery { recipients, origin: origin.map(|c| c.0), event };
        if let Err(err) = self.bus.publish(DELIVERY_TOPIC, &delivery.encode()).await {
            tracing::warn!(error = %err, "chat delivery not published; gateways fill the gap from storage");
        }
    }

    /// Publishes a stored message to `recipients`. Called in seq order per conversation while the seq is
    /// reserved (see `sequencing`), or again for a retried send (gateways drop a seq they delivered).
    pub(super) async fn announce(&self, message: &Message, recipients: &[UserId], origin: Option<ConnectionId>) {
        let event = ChatEvent::Message { message: MessageView::from(message) };
        self.publish(recipients.to_vec(), origin, event).await;
    }

    /// Stores a message and delivers it to the conversation's other connections. Acks (returns) only
    /// after the message is durably stored; a retry with the same client id returns the stored message.
    #[tracing::instrument(skip(self, input), fields(%sender))]
    pub async fn send(
        &self,
        sender: UserId,
        origin: Option<ConnectionId>,
        input: SendInput,
    ) -> Result<SendOutcome, ChatError> {
        let client_id = ClientMsgId::parse(&input.client_msg_id)?;
        if input.kind == MessageKind::System {
            return Err(domain::ValidationError::new(
                "kind",
                domain::Violation::InvalidFormat { expected: "text or custom" },
            )
            .into());
        }
        if input.body.to_string().len() > self.options.max_body_bytes {
            return Err(ChatError::BodyTooLarge { max: self.options.max_body_bytes });
        }
        let body = MessageBody::parse(input.kind, &input.body)?;
        self.ensure_active(sender).await?;
        let conversation = self.resolve(sender, input.target).await?;
        let recipients = self.participants(&conversation).await?;
        if let Some(existing) = self.messages.by_client_id(&conversation, &client_id).await? {
            return self.retried(existing, sender, &recipients, origin).await;
        }
        // Recorded before the message is stored, so a sender dying right after storing it cannot leave a
        // message in a conversation its participants' `sync` does not list.
        if let ConversationId::Direct(..) = conversation
            && let Err(err) = self.conversations.touch_direct(&conversation, self.clock.now()).await
        {
            tracing::warn!(error = %err, "direct conversation not recorded; it shows up at its next message");
        }
        let outcome =
            self.store(conversation, Some(sender), Some(client_id), input.kind, body, &recipients, origin).await?;
        if outcome.duplicate {
            return self.retried(outcome.message, sender, &recipients, origin).await;
        }
        Ok(outcome)
    }

    /// A send whose client id is stored already: the sender's own retry is acked with the stored message and
    /// announced again, since its first attempt may have died between storing and publishing.
    async fn retried(
        &self,
        existing: Message,
        sender: UserId,
        recipients: &[UserId],
        origin: Option<ConnectionId>,
    ) -> Result<SendOutcome, ChatError> {
        let outcome = own_retry(existing, sender)?;
        self.announce(&outcome.message, recipients, origin).await;
        Ok(outcome)
    }

    /// Stores a system message (no sender) in a conversation and delivers it to every participant.
    pub async fn system_message(&self, conversation: ConversationId, text: &str) -> Result<Message, ChatError> {
        let body = MessageBody::parse(MessageKind::System, &Value::String(text.to_owned()))?;
        let recipients = self.participants(&conversation).await?;
        let outcome = self.store(conversation, None, None, MessageKind::System, body, &recipients, None).await?;
        Ok(outcome.message)
    }

    /// Whether `user` may see `conversation` (participant or member).
    pub async fn can_access(&self, user: UserId, conversation: &ConversationId) -> Result<bool, ChatError> {
        Ok(can_access(self.groups.as_ref(), user, conversation).await?)
    }

    /// Moves the user's read position forward and tells their other connections and a direct peer.
    pub async fn read(
        &self,
        user: UserId,
        origin: Option<ConnectionId>,
        conversation: ConversationId,
        seq: u64,
    ) -> Result<ReadMark, ChatError> {
        if !self.can_access(user, &conversation).await? {
            return Err(ChatError::NotMember);
        }
        // Never past the newest message: a read mark ahead of it would hide messages not yet sent from
        // the unread count. Capped here so the WebSocket `read` frame and REST agree.
        let latest = self.messages.max_seq(&conversation).await?;
        let stored = self.conversations.mark_read(user, &conversation, seq.min(latest)).await?;
        let mut recipients = vec![user];
        recipients.extend(conversation.peer_of(user).filter(|p| *p != user));
        let event = ChatEvent::Read { conversation, user_id: user, seq: stored };
        self.publish(recipients, origin, event).await;
        Ok(ReadMark { last_read_seq: stored.min(latest), latest_seq: latest })
    }

    /// Tells the other participants that `user` is typing (not stored).
    pub async fn typing(&self, user: UserId, conversation: ConversationId) -> Result<(), ChatError> {
        if !self.can_access(user, &conversation).await? {
            return Err(ChatError::NotMember);
        }
        let recipients: Vec<UserId> =
            self.participants(&conversation).await?.into_iter().filter(|u| *u != user).collect();
        let event = ChatEvent::Typing { conversation, user_id: user };
        self.publish(recipients, None, event).await;
        Ok(())
    }

    async fn announce_presence(&self, user: UserId, online: bool) {
        let event = PresenceEvent { user_id: user, online, at: self.clock.now() };
        if let Err(err) = self.bus.publish(PRESENCE_TOPIC, &event.encode()).await {
            tracing::warn!(error = %err, %user, "presence change not published");
        }
    }

    /// Registers a connection; announces the user online on their first live connection anywhere.
    pub async fn connect(&self, user: UserId, conn: ConnectionId) -> Result<(), ChatError> {
        let change = self.presence.connect(user, conn, self.options.presence_ttl, self.clock.now()).await?;
        if change == PresenceChange::CameOnline {
            self.announce_presence(user, true).await;
        }
        Ok(())
    }

    /// Keeps a connection present; re-registers it if it had expired (a stall longer than the TTL).
    pub async fn heartbeat(&self, user: UserId, conn: ConnectionId) -> Result<(), ChatError> {
        if !self.presence.heartbeat(user, conn, self.options.presence_ttl, self.clock.now()).await? {
            self.connect(user, conn).await?;
        }
        Ok(())
    }

    /// Removes a connection; announces the user offline when it was their last one anywhere.
    pub async fn disconnect(&self, user: UserId, conn: ConnectionId) -> Result<(), ChatError> {
        if self.presence.disconnect(user, conn, self.clock.now()).await? == PresenceChange::WentOffline {
            self.announce_presence(user, false).await;
        }
        Ok(())
    }

    /// Drops connections whose instance stopped refreshing them and announces those users offline.
    pub async fn sweep_presence(&self) -> Result<usize, ChatError> {
        let gone = self.presence.sweep(self.clock.now()).await?;
        for user in &gone {
            self.announce_presence(*user, false).await;
        }
        Ok(gone.len())
    }

    /// Which of `users` are online now.
    pub async fn online(&self, users: &[UserId]) -> Result<Vec<UserId>, ChatError> {
        Ok(self.presence.online(users, self.clock.now()).await?)
    }

    /// Users online and live connections across instances.
    pub async fn presence_counts(&self) -> Result<(u64, u64), ChatError> {
        Ok(self.presence.counts(self.clock.now()).await?)
    }

    pub(super) fn groups(&self) -> &dyn GroupStore {
        self.groups.as_ref()
    }

    pub(super) fn conversations(&self) -> &dyn ConversationStore {
        self.conversations.as_ref()
    }

    pub(super) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub(super) fn audit(&self) -> &dyn AuditLog {
        self.audit.as_ref()
    }

    pub(super) async fn user_exists(&self, user: UserId) -> Result<bool, ChatError> {
        Ok(self.users.by_id(user).await?.is_some())
    }

    /// A group's member ids, `None` when there is no such group.
    pub(super) async fn group_members(&self, group: GroupId) -> Result<Option<Vec<UserId>>, ChatError> {
        if self.groups.get(group).await?.is_none() {
            return Ok(None);
        }
        Ok(Some(self.groups.members(group).await?.into_iter().map(|m| m.user).collect()))
    }

    pub(super) async fn deliver(&self, recipients: Vec<UserId>, event: ChatEvent) {
        self.publish(recipients, None, event).await;
    }

    /// Publishes an event on a topic every instance delivers to all its connections.
    pub(super) async fn broadcast(&self, topic: &str, event: ChatEvent) -> Result<(), ChatError> {
        Ok(self.bus.publish(topic, &event.encode()).await?)
    }

    /// Messages stored since the start of today (UTC).
    pub async fn messages_today(&self) -> Result<u64, ChatError> {
        let now = self.clock.now();
        let midnight = now.date_naive().and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(now);
        Ok(self.messages.count_since(midnight).await?)
    }
}
