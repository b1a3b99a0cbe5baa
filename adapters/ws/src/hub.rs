//! The local hub: which connections of which users live on this instance, who watches whose presence, and
//! the bus handlers that route events to them. An event is encoded once per instance and the same frame
//! goes into every recipient's outbox; putting it there never waits (the outbox spills messages to storage
//! reads), so one slow client never slows the bus or anyone else.

use crate::close::Close;
use crate::outbox::{Limits, Outbox};
use crate::protocol::{Frame, ServerFrame};
use application::chat::events::{BusCodec, ChatEvent, Delivery, PresenceEvent};
use domain::bus::BusHandler;
use domain::chat::{ConnectionId, ConversationId};
use domain::ids::UserId;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Asks one connection to close with a code at once (without flushing); the first code wins.
#[derive(Debug, Default)]
pub struct Kill {
    token: CancellationToken,
    code: AtomicU16,
}

impl Kill {
    /// Requests the close.
    pub fn close(&self, close: Close) {
        let _ = self.code.compare_exchange(0, close.code(), Ordering::AcqRel, Ordering::Acquire);
        self.token.cancel();
    }

    /// Resolves once a close was requested.
    pub async fn requested(&self) -> Close {
        self.token.cancelled().await;
        Close::from_code(self.code.load(Ordering::Acquire)).unwrap_or(Close::Internal)
    }

    /// Whether a close was requested.
    pub fn is_requested(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// One connection as the hub and its own tasks see it: its outbox, the wake-up of its writer, its kill
/// switch, and (once authenticated) its user.
#[derive(Debug)]
pub struct Conn {
    outbox: Mutex<Outbox>,
    /// Woken whenever the outbox got something or the connection wants to close.
    pub wake: Notify,
    /// Woken when a `synced` went out (the reader starts the next waiting sync).
    pub synced: Notify,
    /// Close at once.
    pub kill: Kill,
    /// The authenticated user.
    pub user: OnceLock<UserId>,
    /// A graceful close requested: flush what can go out, then close with this.
    closing: Mutex<Option<Close>>,
}

impl Conn {
    /// A connection with an empty outbox.
    pub fn new(limits: Limits) -> Self {
        Self {
            outbox: Mutex::new(Outbox::new(limits)),
            wake: Notify::new(),
            synced: Notify::new(),
            kill: Kill::default(),
            user: OnceLock::new(),
            closing: Mutex::new(None),
        }
    }

    /// The outbox, locked (held only for state changes, never across an await).
    pub fn outbox(&self) -> MutexGuard<'_, Outbox> {
        self.outbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the outbox and wakes the writer.
    pub fn with_outbox<T>(&self, f: impl FnOnce(&mut Outbox) -> T) -> T {
        let out = f(&mut self.outbox());
        self.wake.notify_one();
        out
    }

    /// Queues a reply or an event that cannot be re-read; a client that lets too many pile up is closed
    /// as a slow consumer (1013).
    pub fn control(&self, frame: Frame) {
        if self.with_outbox(|o| o.control(frame)).is_err() {
            self.slow();
        }
    }

    /// The client does not read what it is sent: close it at once with 1013 (it reconnects and syncs).
    pub fn slow(&self) {
        if !self.kill.is_requested() {
            metrics::counter!("ws_slow_consumers_total").increment(1);
        }
        self.kill.close(Close::TryAgainLater);
    }

    /// Closes after what can go out now went out (the first request wins).
    pub fn close_after_flush(&self, close: Close) {
        self.closing.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(close);
        self.wake.notify_one();
    }

    /// The graceful close requested, if any.
    pub fn closing(&self) -> Option<Close> {
        *self.closing.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Default)]
struct State {
    by_user: HashMap<UserId, HashMap<ConnectionId, Arc<Conn>>>,
    watchers: HashMap<UserId, HashSet<(UserId, ConnectionId)>>,
    total: usize,
}

/// The connection refused: the user holds `max` already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyConnections;

/// Live connections of this instance.
pub struct Hub {
    state: Mutex<State>,
    max_per_user: usize,
    emptied: Notify,
}

/// An event encoded for the connections it goes to.
enum Encoded {
    /// A message: ordered per conversation.
    Message(ConversationId, u64, Frame),
    /// Not re-readable; a client that lets these pile up is slow.
    Control(Frame),
    /// Worth nothing once late (typing): dropped when the client is behind.
    Droppable(Frame),
}

impl Encoded {
    fn of(event: &ChatEvent) -> Self {
        let frame = ServerFrame::event(event).encode();
        match event {
            ChatEvent::Message { message } => Self::Message(message.conversation, message.seq, frame),
            ChatEvent::Typing { .. } => Self::Droppable(frame),
            ChatEvent::Read { .. } | ChatEvent::Push { .. } => Self::Control(frame),
        }
    }

    fn offer(&self, conn: &Conn) {
        match self {
            Self::Message(conversation, seq, frame) => {
                match conn.with_outbox(|o| o.message(*conversation, *seq, frame.clone())) {
                    Ok(false) => {}
                    Ok(true) => metrics::counter!("ws_spilled_total").increment(1),
                    Err(_) => conn.slow(),
                }
            }
            Self::Control(frame) => conn.control(frame.clone()),
            Self::Droppable(frame) => conn.with_outbox(|o| o.droppable(frame.clone())),
        }
    }
}

impl Hub {
    /// An empty hub allowing `max_per_user` connections per user.
    pub fn new(max_per_user: u32) -> Self {
        Self { state: Mutex::new(State::default()), max_per_user: max_per_user as usize, emptied: Notify::new() }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a connection unless the user has too many here.
    pub fn register(&self, user: UserId, id: ConnectionId, conn: Arc<Conn>) -> Result<(), TooManyConnections> {
        let mut state = self.state();
        let conns = state.by_user.entry(user).or_default();
        if conns.len() >= self.max_per_user {
            if conns.is_empty() {
                state.by_user.remove(&user);
            }
            return Err(TooManyConnections);
        }
        conns.insert(id, conn);
        state.total += 1;
        metrics::gauge!("ws_connections").set(state.total as f64);
        Ok(())
    }

    /// Removes a connection and its presence watches.
    pub fn unregister(&self, user: UserId, conn: ConnectionId, watched: &[UserId]) {
        let mut state = self.state();
        for w in watched {
            if let Some(set) = state.watchers.get_mut(w) {
                set.remove(&(user, conn));
                if set.is_empty() {
                    state.watchers.remove(w);
                }
            }
        }
        let removed = match state.by_user.get_mut(&user) {
            Some(conns) => {
                let removed = conns.remove(&conn).is_some();
                if conns.is_empty() {
                    state.by_user.remove(&user);
                }
                removed
            }
            None => false,
        };
        if removed {
            state.total -= 1;
            metrics::gauge!("ws_connections").set(state.total as f64);
        }
        if state.total == 0 {
            self.emptied.notify_waiters();
        }
    }

    /// Replaces the users a connection watches.
    pub fn watch(&self, user: UserId, conn: ConnectionId, old: &[UserId], new: &[UserId]) {
        let mut state = self.state();
        for w in old {
            if let Some(set) = state.watchers.get_mut(w) {
                set.remove(&(user, conn));
                if set.is_empty() {
                    state.watchers.remove(w);
                }
            }
        }
        for w in new {
            state.watchers.entry(*w).or_default().insert((user, conn));
        }
    }

    /// Live connections here.
    pub fn connections(&self) -> usize {
        self.state().total
    }

    /// Distinct users connected here.
    pub fn users(&self) -> usize {
        self.state().by_user.len()
    }

    /// Waits until no connection is left.
    pub async fn wait_empty(&self) {
        loop {
            let notified = self.emptied.notified();
            if self.connections() == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Offers an event to the listed users' connections here, except `origin`; encoded once, and only if
    /// one of them is connected here.
    pub fn route(&self, recipients: &[UserId], origin: Option<ConnectionId>, event: &ChatEvent) {
        let state = self.state();
        let mut encoded: Option<Encoded> = None;
        let mut delivered = 0;
        for user in recipients {
            for (id, conn) in state.by_user.get(user).into_iter().flatten() {
                if Some(*id) != origin {
                    encoded.get_or_insert_with(|| Encoded::of(event)).offer(conn);
                    delivered += 1;
                }
            }
        }
        if delivered > 0 {
            metrics::counter!("ws_deliveries_total").increment(delivered);
        }
    }

    /// Offers an event to every connection here.
    pub fn broadcast(&self, event: &ChatEvent) {
        let state = self.state();
        let encoded = Encoded::of(event);
        for conn in state.by_user.values().flat_map(HashMap::values) {
            encoded.offer(conn);
        }
    }

    /// Offers a presence change to the connections watching that user.
    pub fn presence(&self, event: &PresenceEvent) {
        let state = self.state();
        let Some(watchers) = state.watchers.get(&event.user_id) else { return };
        let frame = ServerFrame::presence(event).encode();
        for (user, id) in watchers {
            if let Some(conn) = state.by_user.get(user).and_then(|c| c.get(id)) {
                conn.control(frame.clone());
            }
        }
    }

    /// The bus may have lost events: every connection checks its conversations against storage.
    pub fn verify_all(&self) {
        let state = self.state();
        for conn in state.by_user.values().flat_map(HashMap::values) {
            conn.with_outbox(|o| o.request_verify());
        }
    }
}

/// Which topic a handler serves.
#[derive(Clone, Copy, Debug)]
pub enum Topic {
    /// Routed deliveries.
    Delivery,
    /// Presence changes.
    Presence,
    /// Pushes to everyone.
    Broadcast,
}

/// Bus handler feeding the hub; holds it weakly so a dropped gateway stops receiving.
pub struct HubHandler {
    /// The hub.
    pub hub: Weak<Hub>,
    /// The topic.
    pub topic: Topic,
}

impl BusHandler for HubHandler {
    fn handle(&self, topic: &str, payload: &[u8]) {
        let Some(hub) = self.hub.upgrade() else { return };
        let outcome = match self.topic {
            Topic::Delivery => Delivery::decode(payload).map(|d| {
                metrics::counter!("ws_bus_deliveries_received_total").increment(1);
                hub.route(&d.recipients, d.origin.map(ConnectionId), &d.event)
            }),
            Topic::Presence => PresenceEvent::decode(payload).map(|p| hub.presence(&p)),
            Topic::Broadcast => ChatEvent::decode(payload).map(|e| hub.broadcast(&e)),
        };
        if let Err(err) = outcome {
            tracing::warn!(topic, error = %err, "undecodable chat event dropped");
        }
    }

    fn resumed(&self) {
        if let (Topic::Delivery, Some(hub)) = (self.topic, self.hub.upgrade()) {
            tracing::info!("event bus resumed; connections check their conversations against storage");
            hub.verify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::Step;
    use std::time::{Duration, Instant};
    use uuid::Uuid;

    fn limits(control: usize) -> Limits {
        Limits { hold: 16, control, gap_grace: Duration::from_millis(50), page: 100 }
    }

    fn push() -> ChatEvent {
        ChatEvent::Push {
            message_id: Uuid::now_v7(),
            scope: "user".into(),
            text: "x".into(),
            created_at: chrono::Utc::now(),
        }
    }

    fn drain(conn: &Conn) -> usize {
        let mut n = 0;
        while let Some(Step::Send(_)) = conn.outbox().next(Instant::now()) {
            n += 1;
        }
        n
    }

    #[tokio::test]
    async fn a_client_that_lets_replies_pile_up_is_closed_alone_and_the_limit_per_user_holds() {
        let hub = Hub::new(2);
        let (alice, bob) = (UserId::new(), UserId::new());
        let (slow, fast) = (Arc::new(Conn::new(limits(1))), Arc::new(Conn::new(limits(16))));
        let (c1, c2) = (ConnectionId::new(), ConnectionId::new());
        hub.register(alice, c1, slow.clone()).unwrap();
        hub.register(bob, c2, fast.clone()).unwrap();
        for _ in 0..3 {
            hub.route(&[alice, bob], None, &push());
        }
        assert_eq!(slow.kill.requested().await, Close::TryAgainLater);
        assert!(!fast.kill.is_requested());
        assert_eq!(drain(&fast), 3);
        hub.register(bob, ConnectionId::new(), Arc::new(Conn::new(limits(1)))).unwrap();
        assert_eq!(hub.register(bob, ConnectionId::new(), Arc::new(Conn::new(limits(1)))), Err(TooManyConnections));
        assert_eq!((hub.connections(), hub.users()), (3, 2));
        hub.unregister(alice, c1, &[]);
        assert_eq!(hub.connections(), 2);
    }

    #[tokio::test]
    async fn origin_is_skipped_and_presence_goes_to_watchers_only() {
        let hub = Hub::new(5);
        let (alice, bob) = (UserId::new(), UserId::new());
        let (one, two) = (Arc::new(Conn::new(limits(8))), Arc::new(Conn::new(limits(8))));
        let (c1, c2) = (ConnectionId::new(), ConnectionId::new());
        hub.register(alice, c1, one.clone()).unwrap();
        hub.register(alice, c2, two.clone()).unwrap();
        hub.route(&[alice], Some(c1), &push());
        assert_eq!((drain(&one), drain(&two)), (0, 1));
        hub.watch(alice, c1, &[], &[bob]);
        hub.presence(&PresenceEvent { user_id: bob, online: true, at: chrono::Utc::now() });
        assert_eq!((drain(&one), drain(&two)), (1, 0));
        hub.unregister(alice, c1, &[bob]);
        hub.unregister(alice, c2, &[]);
        tokio::time::timeout(Duration::from_secs(5), hub.wait_empty()).await.unwrap();
    }
}
