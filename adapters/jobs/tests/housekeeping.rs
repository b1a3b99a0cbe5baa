//! The built-in housekeeping tasks against the in-memory ports.

mod support;

use adapter_jobs::Task;
use adapter_jobs::TaskContext;
use adapter_jobs::tasks::SweepPresence;
use application::chat::events::PRESENCE_TOPIC;
use chrono::Utc;
use domain::bus::BusHandler;
use domain::chat::{ConnectionId, PresenceStore};
use domain::ids::UserId;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Collects what is published on a topic.
#[derive(Default)]
struct Heard(Mutex<Vec<serde_json::Value>>);

impl BusHandler for Heard {
    fn handle(&self, _topic: &str, payload: &[u8]) {
        if let Ok(v) = serde_json::from_slice(payload) {
            self.0.lock().unwrap().push(v);
        }
    }
}

#[tokio::test]
async fn the_presence_sweep_takes_stale_connections_offline_and_announces_each_user_once() {
    let world = support::world();
    let (stale, live) = (UserId::new(), UserId::new());
    let long_ago = Utc::now() - chrono::Duration::seconds(120);
    world.presence.connect(stale, ConnectionId::new(), Duration::from_secs(30), long_ago).await.unwrap();
    world.presence.connect(live, ConnectionId::new(), Duration::from_secs(300), Utc::now()).await.unwrap();
    let heard = Arc::new(Heard::default());
    let _sub = world.services.bus.subscribe(PRESENCE_TOPIC, heard.clone()).await.unwrap();

    SweepPresence.run(TaskContext::for_test("sweep-presence"), &world.services).await.expect("sweeps");
    let deadline = Instant::now() + Duration::from_secs(5);
    while heard.0.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no offline announcement within 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    SweepPresence.run(TaskContext::for_test("sweep-presence"), &world.services).await.expect("sweeps again");
    tokio::time::sleep(Duration::from_millis(300)).await; // room for a wrong second announcement to arrive

    let events = heard.0.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "one offline announcement, not one per sweep: {events:?}");
    assert_eq!(events[0]["user_id"], stale.to_string());
    assert_eq!(events[0]["online"], false);
    assert_eq!(world.presence.counts(Utc::now()).await.unwrap(), (1, 1), "the live connection stays");
}
