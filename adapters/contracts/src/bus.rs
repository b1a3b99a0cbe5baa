//! Contract of `domain::bus::EventBus`, checked with two handles on one backend: two "instances".
//!
//! Delivery is asynchronous, so checks wait (up to a few seconds) for what must arrive. That something did
//! NOT arrive is shown with a later marker event from the same publisher: events of one publisher arrive in
//! order, so once the marker is in, anything published before it would be too.

use domain::bus::{BusHandler, EventBus, Subscription};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a check waits for an event that must arrive.
const PATIENCE: Duration = Duration::from_secs(5);

/// A handler that records every event it gets.
#[derive(Default)]
pub struct Recorder {
    events: Mutex<Vec<(String, Vec<u8>)>>,
    cancel_on_first: OnceLock<Box<dyn Subscription>>,
}

impl BusHandler for Recorder {
    fn handle(&self, topic: &str, payload: &[u8]) {
        self.events.lock().expect("recorder poisoned").push((topic.to_owned(), payload.to_vec()));
        if let Some(subscription) = self.cancel_on_first.get() {
            subscription.cancel();
        }
    }
}

impl Recorder {
    /// What arrived so far.
    pub fn events(&self) -> Vec<(String, Vec<u8>)> {
        self.events.lock().expect("recorder poisoned").clone()
    }

    /// Just the payloads.
    pub fn payloads(&self) -> Vec<Vec<u8>> {
        self.events().into_iter().map(|(_, p)| p).collect()
    }

    /// Waits until at least `n` events arrived and returns them; fails the check after [`PATIENCE`].
    pub async fn wait_for(&self, n: usize) -> Vec<(String, Vec<u8>)> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let events = self.events();
            if events.len() >= n {
                return events;
            }
            assert!(Instant::now() < deadline, "expected {n} events within {PATIENCE:?}, got {events:?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

async fn subscribe(bus: &dyn EventBus, topic: &str) -> (Arc<Recorder>, Box<dyn Subscription>) {
    let recorder = Arc::new(Recorder::default());
    let subscription = bus.subscribe(topic, recorder.clone()).await.expect("subscribe");
    (recorder, subscription)
}

async fn publish(bus: &dyn EventBus, topic: &str, payload: &[u8]) {
    bus.publish(topic, payload).await.expect("publish");
}

async fn publish_numbered(bus: &dyn EventBus, topic: &str, name: &str, count: usize) {
    for i in 0..count {
        publish(bus, topic, format!("{name}-{i}").as_bytes()).await;
    }
}

/// An event reaches the handlers of every instance, the publisher's own included, exactly once.
pub async fn events_reach_every_instance(a: &dyn EventBus, b: &dyn EventBus) {
    let topic = crate::unique("settings.changed");
    let (on_a, _sa) = subscribe(a, &topic).await;
    let (on_b, _sb) = subscribe(b, &topic).await;

    publish(a, &topic, b"from a").await;
    publish(b, &topic, b"from b").await;
    let expected = vec![(topic.clone(), b"from a".to_vec()), (topic.clone(), b"from b".to_vec())];
    assert_eq!(on_a.wait_for(2).await, expected);
    assert_eq!(on_b.wait_for(2).await, expected);

    let marker = crate::unique("marker");
    let (marks, _sm) = subscribe(a, &marker).await;
    publish(b, &marker, b"end").await;
    marks.wait_for(1).await;
    assert_eq!(on_a.events().len(), 2, "no duplicates");
}

/// Events of one publisher arrive in publish order, even with another publisher interleaving.
pub async fn events_keep_publish_order_per_publisher(a: &dyn EventBus, b: &dyn EventBus) {
    let topic = crate::unique("chat.delivery");
    let (received, _s) = subscribe(b, &topic).await;
    const N: usize = 40;
    futures::join!(publish_numbered(a, &topic, "a", N), publish_numbered(b, &topic, "b", N));

    let payloads: Vec<String> =
        received.wait_for(2 * N).await.into_iter().map(|(_, p)| String::from_utf8(p).expect("utf-8")).collect();
    for bus in ["a", "b"] {
        let seen: Vec<&String> = payloads.iter().filter(|p| p.starts_with(bus)).collect();
        let expected: Vec<String> = (0..N).map(|i| format!("{bus}-{i}")).collect();
        assert_eq!(seen, expected.iter().collect::<Vec<_>>(), "order of {bus}'s events");
    }
}

/// A handler gets only its own topic's events.
pub async fn topics_are_isolated(a: &dyn EventBus, b: &dyn EventBus) {
    let (x, y) = (crate::unique("topic-x"), crate::unique("topic-y"));
    let (on_x, _sx) = subscribe(b, &x).await;
    let (on_y, _sy) = subscribe(b, &y).await;
    publish(a, &y, b"for y").await;
    publish(a, &x, b"for x").await;
    assert_eq!(on_x.wait_for(1).await, vec![(x.clone(), b"for x".to_vec())]);
    assert_eq!(on_y.wait_for(1).await, vec![(y.clone(), b"for y".to_vec())]);
    assert_eq!(on_x.events().len(), 1);
}

/// Several handlers on one topic each get every event; cancelling one leaves the others subscribed.
pub async fn each_handler_of_a_topic_gets_every_event(a: &dyn EventBus, b: &dyn EventBus) {
    let topic = crate::unique("presence");
    let (first, first_sub) = subscribe(b, &topic).await;
    let (second, _second_sub) = subscribe(b, &topic).await;
    publish(a, &topic, b"1").await;
    assert_eq!(first.wait_for(1).await.len(), 1);
    assert_eq!(second.wait_for(1).await.len(), 1);

    first_sub.cancel();
    publish(a, &topic, b"2").await;
    assert_eq!(second.wait_for(2).await.len(), 2);
    assert_eq!(first.payloads(), vec![b"1".to_vec()]);
}

/// After `cancel` the handler is never called again; subscribing the topic afresh works.
pub async fn cancel_stops_delivery(a: &dyn EventBus, b: &dyn EventBus) {
    let topic = crate::unique("cancelled");
    let (cancelled, subscription) = subscribe(b, &topic).await;
    publish(a, &topic, b"before").await;
    cancelled.wait_for(1).await;

    subscription.cancel();
    subscription.cancel();
    let (again, _again_sub) = subscribe(b, &topic).await;
    publish(a, &topic, b"after").await;
    assert_eq!(again.wait_for(1).await, vec![(topic.clone(), b"after".to_vec())]);
    assert_eq!(cancelled.payloads(), vec![b"before".to_vec()]);
}

/// Dropping the subscription stops delivery like `cancel`.
pub async fn dropping_the_subscription_stops_delivery(a: &dyn EventBus, b: &dyn EventBus) {
    let topic = crate::unique("dropped");
    let marker = crate::unique("marker");
    let (dropped, subscription) = subscribe(b, &topic).await;
    let (marks, _sm) = subscribe(b, &marker).await;
    publish(a, &topic, b"before").await;
    dropped.wait_for(1).await;

    drop(subscription);
    publish(a, &topic, b"after").await;
    publish(a, &marker, b"end").await;
    marks.wait_for(1).await;
    assert_eq!(dropped.payloads(), vec![b"before".to_vec()]);
}

/// A handler may cancel its own subscription from inside `handle` (no deadlock, no further calls).
pub async fn a_handler_may_cancel_itself(a: &dyn EventBus, b: &dyn EventBus) {
    let topic = crate::unique("once");
    let marker = crate::unique("marker");
    let once = Arc::new(Recorder::default());
    let subscription = b.subscribe(&topic, once.clone()).await.expect("subscribe");
    assert!(once.cancel_on_first.set(subscription).is_ok());
    let (marks, _sm) = subscribe(b, &marker).await;

    for i in 0..3 {
        publish(a, &topic, format!("{i}").as_bytes()).await;
    }
    publish(a, &marker, b"end").await;
    marks.wait_for(1).await;
    assert_eq!(once.payloads(), vec![b"0".to_vec()]);
}

/// Payloads are opaque bytes: binary, empty, numeric-looking and unicode payloads arrive unchanged.
pub async fn payloads_round_trip_unchanged(a: &dyn EventBus, b: &dyn EventBus) {
    let topic = crate::unique("bytes");
    let (received, _s) = subscribe(b, &topic).await;
    let payloads: Vec<Vec<u8>> = vec![
        (0..=255).collect(),
        Vec::new(),
        b"42".to_vec(),
        b"-1.5e3".to_vec(),
        "交易所 \"引号\"".as_bytes().to_vec(),
        vec![0xff, 0x00, 0xfe],
    ];
    for payload in &payloads {
        publish(a, &topic, payload).await;
    }
    received.wait_for(payloads.len()).await;
    assert_eq!(received.payloads(), payloads);
}

/// Expands to one `#[tokio::test]` per check of the event-bus contract; `$make` builds two bus handles that
/// share one backend, like two instances (a future of a pair of things that deref to an `EventBus`).
#[macro_export]
macro_rules! bus_suite {
    ($make:expr) => {
        mod bus_contract {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn events_reach_every_instance() {
                let (a, b) = $make.await;
                $crate::bus::events_reach_every_instance(&*a, &*b).await;
            }

            #[tokio::test]
            async fn events_keep_publish_order_per_publisher() {
                let (a, b) = $make.await;
                $crate::bus::events_keep_publish_order_per_publisher(&*a, &*b).await;
            }

            #[tokio::test]
            async fn topics_are_isolated() {
                let (a, b) = $make.await;
                $crate::bus::topics_are_isolated(&*a, &*b).await;
            }

            #[tokio::test]
            async fn each_handler_of_a_topic_gets_every_event() {
                let (a, b) = $make.await;
                $crate::bus::each_handler_of_a_topic_gets_every_event(&*a, &*b).await;
            }

            #[tokio::test]
            async fn cancel_stops_delivery() {
                let (a, b) = $make.await;
                $crate::bus::cancel_stops_delivery(&*a, &*b).await;
            }

            #[tokio::test]
            async fn dropping_the_subscription_stops_delivery() {
                let (a, b) = $make.await;
                $crate::bus::dropping_the_subscription_stops_delivery(&*a, &*b).await;
            }

            #[tokio::test]
            async fn a_handler_may_cancel_itself() {
                let (a, b) = $make.await;
                $crate::bus::a_handler_may_cancel_itself(&*a, &*b).await;
            }

            #[tokio::test]
            async fn payloads_round_trip_unchanged() {
                let (a, b) = $make.await;
                $crate::bus::payloads_round_trip_unchanged(&*a, &*b).await;
            }
        }
    };
}
