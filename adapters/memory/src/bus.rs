//! The event bus inside one process. Clones of a [`MemoryEventBus`] share one hub, so they behave like
//! instances sharing a backend (which is how the contract suite uses them).
//!
//! `publish` snapshots the topic's handlers and queues the event; one dispatcher task per hub calls the
//! handlers in queue order, so events keep publish order and handlers never run on the publisher's task.

use adapter_support::Delivery;
use async_trait::async_trait;
use domain::InfraError;
use domain::bus::{BusHandler, EventBus, Subscription};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use tokio::sync::mpsc;

/// Publish/subscribe within this process; cheap to clone. Publish from within a Tokio runtime: the first
/// publish spawns the dispatcher task there.
#[derive(Clone, Default)]
pub struct MemoryEventBus {
    hub: Arc<Hub>,
}

#[derive(Default)]
struct Hub {
    /// Topic -> live deliveries. Locked only for map work, never across an await or a handler call.
    registry: Mutex<HashMap<String, Vec<Arc<Delivery>>>>,
    /// Feeds the dispatcher task, started by the first publish (a runtime is needed to spawn it).
    queue: Mutex<Option<mpsc::UnboundedSender<Event>>>,
}

/// One published event and the handlers subscribed when it was published.
struct Event {
    topic: String,
    payload: Vec<u8>,
    deliveries: Vec<Arc<Delivery>>,
}

impl Hub {
    fn registry(&self) -> MutexGuard<'_, HashMap<String, Vec<Arc<Delivery>>>> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues the event, (re)starting the dispatcher if there is none or its runtime has gone.
    fn enqueue(&self, event: Event) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let event = match queue.as_ref() {
            Some(tx) => match tx.send(event) {
                Ok(()) => return,
                Err(mpsc::error::SendError(event)) => event,
            },
            None => event,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(dispatch(rx));
        // The receiver was just created and is alive, so this send cannot fail.
        let _ = tx.send(event);
        *queue = Some(tx);
    }

    fn remove(&self, topic: &str, delivery: &Arc<Delivery>) {
        let mut registry = self.registry();
        if let Some(list) = registry.get_mut(topic) {
            list.retain(|d| !Arc::ptr_eq(d, delivery));
            if list.is_empty() {
                registry.remove(topic);
            }
        }
    }
}

async fn dispatch(mut events: mpsc::UnboundedReceiver<Event>) {
    while let Some(event) = events.recv().await {
        for delivery in &event.deliveries {
            delivery.deliver(&event.topic, &event.payload);
        }
    }
}

#[async_trait]
impl EventBus for MemoryEventBus {
    async fn publish(&self, topic: &str, payload: &[u8]) -> Result<(), InfraError> {
        let deliveries = self.hub.registry().get(topic).cloned().unwrap_or_default();
        if !deliveries.is_empty() {
            self.hub.enqueue(Event { topic: topic.to_owned(), payload: payload.to_vec(), deliveries });
        }
        Ok(())
    }

    async fn subscribe(&self, topic: &str, handler: Arc<dyn BusHandler>) -> Result<Box<dyn Subscription>, InfraError> {
        let delivery = Arc::new(Delivery::new(handler));
        self.hub.registry().entry(topic.to_owned()).or_default().push(delivery.clone());
        Ok(Box::new(MemorySubscription { hub: Arc::downgrade(&self.hub), topic: topic.to_owned(), delivery }))
    }
}

/// A live handler registration; cancelling (or dropping) it is final.
struct MemorySubscription {
    hub: Weak<Hub>,
    topic: String,
    delivery: Arc<Delivery>,
}

impl Subscription for MemorySubscription {
    fn cancel(&self) {
        if self.delivery.close()
            && let Some(hub) = self.hub.upgrade()
        {
            hub.remove(&self.topic, &self.delivery);
        }
    }
}

impl Drop for MemorySubscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn separate_buses_do_not_share_events() {
        use adapter_contracts::bus::Recorder;
        let (one, two) = (MemoryEventBus::default(), MemoryEventBus::default());
        let (on_one, on_two) = (Arc::new(Recorder::default()), Arc::new(Recorder::default()));
        let _s1 = one.subscribe("t", on_one.clone()).await.expect("subscribe");
        let _s2 = two.subscribe("t", on_two.clone()).await.expect("subscribe");
        one.publish("t", b"x").await.expect("publish");
        two.publish("t", b"y").await.expect("publish");
        on_one.wait_for(1).await;
        on_two.wait_for(1).await;
        one.publish("t", b"end").await.expect("publish");
        assert_eq!(on_one.wait_for(2).await.len(), 2);
        assert_eq!(on_one.payloads(), vec![b"x".to_vec(), b"end".to_vec()]);
        assert_eq!(on_two.payloads(), vec![b"y".to_vec()]);
    }
}
