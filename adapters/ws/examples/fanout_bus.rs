//! Routed topic vs topic per user: how fast a group message reaches an instance through the Redis event bus.
//!
//! The gateway publishes each delivery once on `chat.delivery` with its recipients listed; the alternative
//! is one publish per recipient on `chat.user.<id>`. This sends `messages` group messages to `members`
//! recipients both ways, through a real Redis, and reports messages/s and recipient deliveries/s.
//!
//! ```sh
//! cargo run -p adapter-ws --example fanout_bus                 # 200 messages to 1000 members
//! cargo run -p adapter-ws --example fanout_bus -- 500 100      # messages, members
//! ```
//! Uses `EXCHANGE_TEST_REDIS_URL` (default redis://127.0.0.1:6379) and a fresh key prefix.

use adapter_redis::testing::TestRedis;
use application::chat::events::{ChatEvent, DELIVERY_TOPIC, Delivery};
use domain::bus::{BusHandler, EventBus};
use domain::ids::UserId;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Counts recipients reached (parsing each payload as the hub would) and wakes the waiter at `target`.
struct Counter {
    reached: AtomicU64,
    target: u64,
    done: Notify,
}

impl BusHandler for Counter {
    fn handle(&self, _topic: &str, payload: &[u8]) {
        let n = match serde_json::from_slice::<Delivery>(payload) {
            Ok(d) => d.recipients.len() as u64,
            Err(_) => 0,
        };
        if self.reached.fetch_add(n, Ordering::SeqCst) + n >= self.target {
            self.done.notify_one();
        }
    }
}

fn event(i: u64) -> ChatEvent {
    ChatEvent::Push {
        message_id: uuid::Uuid::now_v7(),
        scope: "bench".into(),
        text: format!("group message {i} with a typical body of some forty characters"),
        created_at: chrono::Utc::now(),
    }
}

async fn wait(counter: &Counter) {
    let waited = tokio::time::timeout(Duration::from_secs(300), async {
        while counter.reached.load(Ordering::SeqCst) < counter.target {
            counter.done.notified().await;
        }
    })
    .await;
    assert!(waited.is_ok(), "deliveries lost: {} of {}", counter.reached.load(Ordering::SeqCst), counter.target);
}

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let messages = args.first().copied().unwrap_or(200);
    let members = args.get(1).copied().unwrap_or(1000);
    let redis = TestRedis::start().await;
    let bus = redis.backend().event_bus();
    let recipients: Vec<UserId> = (0..members).map(|_| UserId::new()).collect();
    let target = messages * members;

    // routed: one publish per message
    let counter = Arc::new(Counter { reached: AtomicU64::new(0), target, done: Notify::new() });
    let _sub = bus.subscribe(DELIVERY_TOPIC, counter.clone()).await.expect("subscribe");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    for i in 0..messages {
        let payload = serde_json::to_vec(&Delivery { recipients: recipients.clone(), origin: None, event: event(i) })
            .expect("serialize");
        bus.publish(DELIVERY_TOPIC, &payload).await.expect("publish");
    }
    wait(&counter).await;
    let routed = started.elapsed().as_secs_f64();

    // per user: one topic per recipient, one publish per recipient
    let counter = Arc::new(Counter { reached: AtomicU64::new(0), target, done: Notify::new() });
    let mut subs = Vec::new();
    for user in &recipients {
        subs.push(bus.subscribe(&format!("chat.user.{user}"), counter.clone()).await.expect("subscribe"));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    for i in 0..messages {
        let ev = event(i);
        for user in &recipients {
            let payload = serde_json::to_vec(&Delivery { recipients: vec![*user], origin: None, event: ev.clone() })
                .expect("serialize");
            bus.publish(&format!("chat.user.{user}"), &payload).await.expect("publish");
        }
    }
    wait(&counter).await;
    let per_user = started.elapsed().as_secs_f64();

    println!("{messages} group messages x {members} members through Redis pub/sub (one instance subscribed)");
    println!(
        "routed topic:   {routed:.2} s, {:.0} messages/s, {:.0} recipient deliveries/s",
        messages as f64 / routed,
        target as f64 / routed
    );
    println!(
        "topic per user: {per_user:.2} s, {:.0} messages/s, {:.0} recipient deliveries/s",
        messages as f64 / per_user,
        target as f64 / per_user
    );
}
