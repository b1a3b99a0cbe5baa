//! The event bus: fan-out of small events to every instance (settings changed, chat delivery, presence).

use crate::error::InfraError;
use async_trait::async_trait;
use std::sync::Arc;

/// Receives events of the topics it subscribed to. Called from the bus's own task: keep it quick.
pub trait BusHandler: Send + Sync {
    /// One event published on `topic` by any instance (this one included).
    fn handle(&self, topic: &str, payload: &[u8]);

    /// Delivery resumed after events may have been lost (the backend reconnected, or this instance fell
    /// behind): a handler that must not miss anything reconciles from storage now.
    fn resumed(&self) {}
}

/// A live subscription; dropping it (or calling `cancel`) stops delivery.
pub trait Subscription: Send + Sync {
    /// Stops delivery to the handler.
    fn cancel(&self);
}

/// Publish/subscribe between instances.
///
/// Contract (checked by `adapter_contracts::bus`):
/// - An event published on a topic MUST reach every handler subscribed to that topic at publish time, on
///   every instance sharing the bus, the publisher's own included, in publish order per publisher.
/// - Delivery is at most once; handlers that need every event reconcile from storage. Whenever events may
///   have been lost (a reconnect, an overflowing dispatcher), the adapter MUST call `resumed` on the
///   handlers concerned once delivery works again.
/// - After `cancel`, the handler MUST NOT be called again.
/// - While the backend is down, `publish` MUST return `InfraError::Unavailable`; subscriptions MUST resume
///   by themselves when it returns. A `subscribe` made while the backend is down MUST still succeed and
///   start delivering once the backend is reachable (a process may start before Redis does).
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Sends one event to all subscribers of `topic`.
    async fn publish(&self, topic: &str, payload: &[u8]) -> Result<(), InfraError>;
    /// Registers a handler for `topic`.
    async fn subscribe(&self, topic: &str, handler: Arc<dyn BusHandler>) -> Result<Box<dyn Subscription>, InfraError>;
}
