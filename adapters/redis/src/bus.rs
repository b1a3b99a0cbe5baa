//! The event bus on Redis pub/sub: topic `t` is channel `{prefix}bus:t`.
//!
//! Each backend has one dedicated subscriber connection and one dispatcher task that hands every message to
//! the handlers registered for its channel, in arrival order. The registry here is the single source of truth
//! for what should be subscribed: after a reconnect the resubscriber task subscribes exactly its channels, so
//! a cancelled topic never comes back. Publishing goes through the command pool with fail-fast, so it errors
//! with `Unavailable` while Redis is down. After a reconnect (and when the dispatcher falls behind) every
//! handler is told through `resumed`, since what was published meanwhile is lost for this instance.

use crate::connection::Conn;
use crate::delivery::Delivery;
use crate::error::{BACKEND, infra};
use async_trait::async_trait;
use domain::InfraError;
use domain::bus::{BusHandler, EventBus, Subscription};
use fred::bytes::Bytes;
use fred::prelude::{ClientLike, EventInterface, PubsubInterface, Value};
use fred::types::Message;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

/// Pause between attempts to resubscribe while the subscriber connection is up but SUBSCRIBE failed.
const RESUBSCRIBE_RETRY: std::time::Duration = std::time::Duration::from_millis(500);

/// State shared by every bus handle of one backend.
pub(crate) struct BusShared {
    conn: Arc<Conn>,
    channel_prefix: String,
    /// Channel -> live deliveries. Locked only for map work, never across an await or a handler call.
    registry: Mutex<HashMap<String, Vec<Arc<Delivery>>>>,
    /// Channels subscribed on the server; the async lock serializes every SUBSCRIBE/UNSUBSCRIBE.
    subscribed: tokio::sync::Mutex<HashSet<String>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl BusShared {
    /// Starts the dispatcher and resubscriber tasks; must run inside a Tokio runtime.
    pub(crate) fn start(conn: Arc<Conn>) -> Arc<Self> {
        let shared = Arc::new(Self {
            channel_prefix: conn.key("bus:"),
            conn,
            registry: Mutex::new(HashMap::new()),
            subscribed: tokio::sync::Mutex::new(HashSet::new()),
            tasks: Mutex::new(Vec::new()),
        });
        let messages = shared.conn.subscriber.message_rx();
        let reconnects = shared.conn.subscriber.reconnect_rx();
        let dispatcher = tokio::spawn(dispatch_loop(Arc::downgrade(&shared), messages));
        let resubscriber = tokio::spawn(resubscribe_loop(Arc::downgrade(&shared), reconnects));
        shared.tasks.lock().unwrap_or_else(PoisonError::into_inner).extend([dispatcher, resubscriber]);
        shared
    }

    /// Stops the background tasks (on shutdown).
    pub(crate) fn stop(&self) {
        for task in self.tasks.lock().unwrap_or_else(PoisonError::into_inner).drain(..) {
            task.abort();
        }
    }

    fn channel(&self, topic: &str) -> String {
        format!("{}{topic}", self.channel_prefix)
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Arc<Delivery>>>> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn dispatch(&self, message: Message) {
        let channel: &str = &message.channel;
        let Some(topic) = channel.strip_prefix(&self.channel_prefix) else { return };
        let deliveries = self.registry().get(channel).cloned().unwrap_or_default();
        if deliveries.is_empty() {
            return;
        }
        let payload = payload_bytes(message.value);
        for delivery in deliveries {
            delivery.deliver(topic, &payload);
        }
    }

    /// Removes one delivery; true if its channel has none left.
    fn remove(&self, channel: &str, delivery: &Arc<Delivery>) -> bool {
        let mut registry = self.registry();
        let Some(list) = registry.get_mut(channel) else { return false };
        list.retain(|d| !Arc::ptr_eq(d, delivery));
        if list.is_empty() {
            registry.remove(channel);
            true
        } else {
            false
        }
    }

    /// Tells every handler that events may have been lost.
    fn resumed(&self) {
        let deliveries: Vec<Arc<Delivery>> = self.registry().values().flatten().cloned().collect();
        for delivery in deliveries {
            delivery.resumed();
        }
    }

    fn wanted(&self, channel: &str) -> bool {
        self.registry().get(channel).is_some_and(|list| !list.is_empty())
    }

    /// SUBSCRIBEs and returns once the server has processed it. fred resolves `subscribe` when the command is
    /// written, not answered, so an event published right after could still miss the new channel; the PING
    /// behind it on the same connection is answered only after the SUBSCRIBE took effect.
    async fn server_subscribe(&self, channels: Vec<String>) -> Result<(), InfraError> {
        let subscriber = &self.conn.subscriber;
        if !subscriber.is_connected() {
            return Err(InfraError::unavailable(BACKEND, SubscriberDown));
        }
        subscriber.subscribe(channels).await.map_err(infra)?;
        subscriber.ping::<Value>(None).await.map(drop).map_err(infra)
    }

    /// UNSUBSCRIBEs a channel once nobody wants it any more (checked again under the lock, since a new
    /// subscriber may have come in after the last cancel).
    async fn release(&self, channel: String) {
        let mut subscribed = self.subscribed.lock().await;
        if self.wanted(&channel) || !subscribed.remove(&channel) {
            return;
        }
        if let Err(e) = self.conn.subscriber.unsubscribe(channel.clone()).await {
            // The connection is down; the resubscriber will not bring this channel back.
            tracing::debug!(channel, error = %e, "unsubscribe failed");
        }
    }

    /// After a (re)connect, subscribes every channel that has handlers; false if that failed (then
    /// `subscribed` is left empty, so a later subscribe() sends its own SUBSCRIBE).
    async fn resubscribe(&self) -> bool {
        let mut subscribed = self.subscribed.lock().await;
        let wanted: Vec<String> = self.registry().keys().cloned().collect();
        subscribed.clear();
        if wanted.is_empty() {
            return true;
        }
        match self.conn.subscriber.subscribe(wanted.clone()).await {
            Ok(()) => {
                subscribed.extend(wanted);
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "resubscribing the event bus failed");
                false
            }
        }
    }
}

/// The subscriber connection is not up; subscribing would only queue behind the reconnect.
#[derive(Debug, thiserror::Error)]
#[error("the Redis subscriber connection is down")]
struct SubscriberDown;

fn payload_bytes(value: Value) -> Vec<u8> {
    match value {
        Value::Bytes(bytes) => bytes.to_vec(),
        Value::String(text) => text.as_bytes().to_vec(),
        Value::Null => Vec::new(),
        other => other.into_string().map(String::into_bytes).unwrap_or_default(),
    }
}

async fn dispatch_loop(shared: Weak<BusShared>, mut messages: tokio::sync::broadcast::Receiver<Message>) {
    loop {
        match messages.recv().await {
            Ok(message) => match shared.upgrade() {
                Some(shared) => shared.dispatch(message),
                None => return,
            },
            Err(RecvError::Lagged(lost)) => {
                tracing::warn!(lost, "event bus dispatcher fell behind; events lost");
                match shared.upgrade() {
                    Some(shared) => shared.resumed(),
                    None => return,
                }
            }
            Err(RecvError::Closed) => return,
        }
    }
}

async fn resubscribe_loop<T: Clone>(shared: Weak<BusShared>, mut reconnects: tokio::sync::broadcast::Receiver<T>) {
    loop {
        match reconnects.recv().await {
            Ok(_) | Err(RecvError::Lagged(_)) => {
                // Retry while connected: no further reconnect event would come to try again.
                while let Some(shared) = shared.upgrade() {
                    if shared.resubscribe().await {
                        // Whatever was published while the subscriber was away is lost for it.
                        shared.resumed();
                        break;
                    }
                    if !shared.conn.subscriber.is_connected() {
                        break;
                    }
                    drop(shared);
                    tokio::time::sleep(RESUBSCRIBE_RETRY).await;
                }
                if shared.strong_count() == 0 {
                    return;
                }
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// [`EventBus`] on Redis pub/sub; handles from one backend share its subscriber connection.
#[derive(Clone)]
pub struct RedisEventBus {
    shared: Arc<BusShared>,
}

impl RedisEventBus {
    pub(crate) fn new(shared: Arc<BusShared>) -> Self {
        Self { shared }
    }
}

#[async_trait]
impl EventBus for RedisEventBus {
    async fn publish(&self, topic: &str, payload: &[u8]) -> Result<(), InfraError> {
        let channel = self.shared.channel(topic);
        let payload = Value::Bytes(Bytes::copy_from_slice(payload));
        self.shared.conn.client_cmd().publish::<i64, _, _>(channel, payload).await.map(drop).map_err(infra)
    }

    async fn subscribe(&self, topic: &str, handler: Arc<dyn BusHandler>) -> Result<Box<dyn Subscription>, InfraError> {
        let shared = &self.shared;
        let channel = shared.channel(topic);
        let delivery = Arc::new(Delivery::new(handler));
        let mut subscribed = shared.subscribed.lock().await;
        shared.registry().entry(channel.clone()).or_default().push(delivery.clone());
        if !subscribed.contains(&channel) && shared.conn.subscriber.is_connected() {
            if let Err(e) = shared.server_subscribe(vec![channel.clone()]).await {
                shared.remove(&channel, &delivery);
                return Err(e);
            }
            subscribed.insert(channel.clone());
        }
        // While the subscriber is down the registration stays: fred announces every (re)connect, the first
        // one included, and the resubscriber then SUBSCRIBEs every registered channel. So a process that
        // starts while Redis is down still gets its events once Redis is there.
        drop(subscribed);
        Ok(Box::new(RedisSubscription {
            shared: Arc::downgrade(shared),
            channel,
            delivery,
            runtime: tokio::runtime::Handle::current(),
        }))
    }
}

/// A live handler registration; cancelling (or dropping) it is final.
struct RedisSubscription {
    shared: Weak<BusShared>,
    channel: String,
    delivery: Arc<Delivery>,
    runtime: tokio::runtime::Handle,
}

impl Subscription for RedisSubscription {
    fn cancel(&self) {
        if !self.delivery.close() {
            return;
        }
        let Some(shared) = self.shared.upgrade() else { return };
        if shared.remove(&self.channel, &self.delivery) {
            let channel = self.channel.clone();
            self.runtime.spawn(async move { shared.release(channel).await });
        }
    }
}

impl Drop for RedisSubscription {
    fn drop(&mut self) {
        self.cancel();
    }
}
