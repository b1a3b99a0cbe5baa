//! The local hub: which connections of which users live on this instance, who watches whose presence,
//! and the bus handlers that route events to them. Delivery never waits: a connection whose inbox is
//! full is closed as a slow consumer (1013) instead of slowing the bus or anyone else.

use crate::close;
use application::chat::events::{ChatEvent, Delivery, PresenceEvent};
use domain::bus::BusHandler;
use domain::chat::ConnectionId;
use domain::ids::UserId;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

/// Something a connection's task turns into a frame.
#[derive(Clone, Debug)]
pub enum Inbound {
    /// A routed chat event.
    Chat(Arc<ChatEvent>),
    /// A watched user's presence changed.
    Presence(Arc<PresenceEvent>),
}

/// Asks one connection to close with a code; the first code wins.
#[derive(Debug, Default)]
pub struct Kill {
    token: CancellationToken,
    code: AtomicU16,
}

impl Kill {
    /// Requests the close.
    pub fn close(&self, code: u16) {
        let _ = self.code.compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire);
        self.token.cancel();
    }

    /// Resolves once a close was requested.
    pub async fn requested(&self) -> u16 {
        self.token.cancelled().await;
        self.code.load(Ordering::Acquire)
    }
}

struct Conn {
    inbox: mpsc::Sender<Inbound>,
    kill: Arc<Kill>,
}

#[derive(Default)]
struct State {
    by_user: HashMap<UserId, HashMap<ConnectionId, Conn>>,
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

impl Hub {
    /// An empty hub allowing `max_per_user` connections per user.
    pub fn new(max_per_user: u32) -> Self {
        Self { state: Mutex::new(State::default()), max_per_user: max_per_user as usize, emptied: Notify::new() }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a connection unless the user has too many here.
    pub fn register(
        &self,
        user: UserId,
        conn: ConnectionId,
        inbox: mpsc::Sender<Inbound>,
        kill: Arc<Kill>,
    ) -> Result<(), TooManyConnections> {
        let mut state = self.state();
        let conns = state.by_user.entry(user).or_default();
        if conns.len() >= self.max_per_user {
            if conns.is_empty() {
                state.by_user.remove(&user);
            }
            return Err(TooManyConnections);
        }
        conns.insert(conn, Conn { inbox, kill });
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

    fn offer(conn: &Conn, item: Inbound) {
        match conn.inbox.try_send(item) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics::counter!("ws_slow_consumers_total").increment(1);
                conn.kill.close(close::TRY_AGAIN_LATER);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Offers an event to the listed users' connections here, except `origin`.
    pub fn route(&self, recipients: &[UserId], origin: Option<ConnectionId>, event: Arc<ChatEvent>) {
        let state = self.state();
        for user in recipients {
            for (id, conn) in state.by_user.get(user).into_iter().flatten() {
                if Some(*id) != origin {
                    Self::offer(conn, Inbound::Chat(event.clone()));
                }
            }
        }
    }

    /// Offers an event to every connection here.
    pub fn broadcast(&self, event: Arc<ChatEvent>) {
        let state = self.state();
        for conn in state.by_user.values().flat_map(HashMap::values) {
            Self::offer(conn, Inbound::Chat(event.clone()));
        }
    }

    /// Offers a presence change to the connections watching that user.
    pub fn presence(&self, event: Arc<PresenceEvent>) {
        let state = self.state();
        for (user, id) in state.watchers.get(&event.user_id).into_iter().flatten() {
            if let Some(conn) = state.by_user.get(user).and_then(|c| c.get(id)) {
                Self::offer(conn, Inbound::Presence(event.clone()));
            }
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
            Topic::Delivery => serde_json::from_slice::<Delivery>(payload).map(|d| {
                hub.route(&d.recipients, d.origin.map(ConnectionId), Arc::new(d.event));
            }),
            Topic::Presence => serde_json::from_slice::<PresenceEvent>(payload).map(|p| hub.presence(Arc::new(p))),
            Topic::Broadcast => serde_json::from_slice::<ChatEvent>(payload).map(|e| hub.broadcast(Arc::new(e))),
        };
        if let Err(err) = outcome {
            tracing::warn!(topic, error = %err, "undecodable chat event dropped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use application::chat::events::ChatEvent;
    use uuid::Uuid;

    fn push() -> Arc<ChatEvent> {
        Arc::new(ChatEvent::Push {
            message_id: Uuid::now_v7(),
            scope: "user".into(),
            text: "x".into(),
            created_at: chrono::Utc::now(),
        })
    }

    #[tokio::test]
    async fn a_full_inbox_closes_that_connection_only_and_the_limit_per_user_holds() {
        let hub = Hub::new(2);
        let (alice, bob) = (UserId::new(), UserId::new());
        let (slow_tx, _slow_rx) = mpsc::channel(1);
        let (fast_tx, mut fast_rx) = mpsc::channel(16);
        let (slow_kill, fast_kill) = (Arc::new(Kill::default()), Arc::new(Kill::default()));
        let (c1, c2) = (ConnectionId::new(), ConnectionId::new());
        hub.register(alice, c1, slow_tx, slow_kill.clone()).unwrap();
        hub.register(bob, c2, fast_tx, fast_kill.clone()).unwrap();
        for _ in 0..3 {
            hub.route(&[alice, bob], None, push());
        }
        assert_eq!(slow_kill.requested().await, close::TRY_AGAIN_LATER);
        assert!(!fast_kill.token.is_cancelled());
        let mut got = 0;
        while fast_rx.try_recv().is_ok() {
            got += 1;
        }
        assert_eq!(got, 3);
        let (tx, _rx) = mpsc::channel(1);
        hub.register(bob, ConnectionId::new(), tx.clone(), Arc::new(Kill::default())).unwrap();
        assert_eq!(hub.register(bob, ConnectionId::new(), tx, Arc::new(Kill::default())), Err(TooManyConnections));
        assert_eq!((hub.connections(), hub.users()), (3, 2));
        hub.unregister(alice, c1, &[]);
        assert_eq!(hub.connections(), 2);
    }

    #[tokio::test]
    async fn origin_is_skipped_and_presence_goes_to_watchers_only() {
        let hub = Hub::new(5);
        let (alice, bob) = (UserId::new(), UserId::new());
        let (tx1, mut rx1) = mpsc::channel(8);
        let (tx2, mut rx2) = mpsc::channel(8);
        let (c1, c2) = (ConnectionId::new(), ConnectionId::new());
        hub.register(alice, c1, tx1, Arc::new(Kill::default())).unwrap();
        hub.register(alice, c2, tx2, Arc::new(Kill::default())).unwrap();
        hub.route(&[alice], Some(c1), push());
        assert!(rx1.try_recv().is_err());
        assert!(rx2.try_recv().is_ok());
        hub.watch(alice, c1, &[], &[bob]);
        hub.presence(Arc::new(PresenceEvent { user_id: bob, online: true, at: chrono::Utc::now() }));
        assert!(matches!(rx1.try_recv(), Ok(Inbound::Presence(_))));
        assert!(rx2.try_recv().is_err());
        hub.unregister(alice, c1, &[bob]);
        hub.unregister(alice, c2, &[]);
        tokio::time::timeout(std::time::Duration::from_secs(5), hub.wait_empty()).await.unwrap();
    }
}
