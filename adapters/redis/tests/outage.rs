//! Redis being down: every call fails fast with `InfraError::Unavailable`, and the same client works again
//! once Redis is back (subscriptions included).
//!
//! The shared test server is never stopped: "down" is a closed port, or a private `redis-server` this test
//! starts on a free port and kills by its own process handle.

use adapter_contracts::bus::Recorder;
use adapter_redis::{RedisBackend, RedisError, RedisOptions, connect, connect_lazy};
use chrono::Utc;
use domain::InfraError;
use domain::bus::EventBus;
use domain::cache::Cache;
use domain::chat::{ConnectionId, ConversationId, PresenceStore, SeqError, SeqReservation, SequenceAllocator};
use domain::health::HealthProbe;
use domain::ids::{SessionId, UserId};
use domain::rate_limit::{Quota, RateDecision, RateLimiter};
use domain::schedule::{DistributedLock, InstanceRegistry, TaskControl};
use domain::session::{Session, SessionStore, TokenHash};
use std::future::Future;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What "fails fast" means here; the brief allows anything well under five seconds.
const FAST: Duration = Duration::from_secs(1);

fn options_for_port(port: u16) -> RedisOptions {
    RedisOptions {
        host: "127.0.0.1".into(),
        port,
        key_prefix: adapter_redis::testing::unique_prefix(),
        pool_size: 2,
        connect_timeout: Duration::from_secs(1),
        command_timeout: Duration::from_secs(1),
        ..RedisOptions::default()
    }
}

/// Runs `call`, checks it failed with `Unavailable` from redis within [`FAST`].
async fn assert_unavailable<T: std::fmt::Debug>(what: &str, call: impl Future<Output = Result<T, InfraError>>) {
    let started = Instant::now();
    let outcome = call.await;
    let took = started.elapsed();
    assert!(
        matches!(outcome, Err(InfraError::Unavailable { backend: "redis", .. })),
        "{what}: expected Unavailable from redis, got {outcome:?}"
    );
    assert!(took < FAST, "{what} took {took:?} to fail");
}

fn session() -> Session {
    let now = Utc::now();
    Session {
        id: SessionId::new(),
        user_id: UserId::new(),
        created_at: now,
        last_used_at: now,
        expires_at: now + chrono::Duration::hours(1),
        revoked_at: None,
        generation: 0,
        user_agent: None,
        ip: None,
    }
}

/// Every method of every adapter fails fast with `Unavailable`.
async fn assert_everything_unavailable(backend: &RedisBackend) {
    let (sessions, limiter, cache, bus) =
        (backend.session_store(), backend.rate_limiter(), backend.cache(), backend.event_bus());
    let (s, t, now) = (session(), TokenHash([1; 32]), Utc::now());
    assert_unavailable("sessions.create", sessions.create(&s, &t)).await;
    assert_unavailable("sessions.rotate", sessions.rotate(&t, &TokenHash([2; 32]), now, now)).await;
    assert_unavailable("sessions.get", sessions.get(s.id)).await;
    assert_unavailable("sessions.revoke", sessions.revoke(s.id, now)).await;
    assert_unavailable("sessions.revoke_all_for_user", sessions.revoke_all_for_user(s.user_id, None, now)).await;
    assert_unavailable("sessions.list_for_user", sessions.list_for_user(s.user_id, now)).await;
    assert_unavailable("sessions.purge_expired", sessions.purge_expired(now)).await;
    assert_unavailable("rate_limit.acquire", limiter.acquire("k", Quota::per_minute(5))).await;
    assert_unavailable("rate_limit.peek", limiter.peek("k", Quota::per_minute(5))).await;
    assert_unavailable("rate_limit.reset", limiter.reset("k")).await;
    assert_unavailable("cache.get", cache.get("k")).await;
    assert_unavailable("cache.set", cache.set("k", b"v", Duration::from_secs(1))).await;
    assert_unavailable("cache.delete", cache.delete("k")).await;
    assert_unavailable("bus.publish", bus.publish("t", b"x")).await;
    assert_unavailable("health.check", backend.health_probe().check()).await;
    let (lock, instances, control) = (backend.distributed_lock(), backend.instance_registry(), backend.task_control());
    let task = domain::schedule::TaskName::parse("probe").expect("task name");
    let key = domain::schedule::LockKey::tick(&task, now);
    let guard = domain::schedule::LockGuard { key: key.clone(), token: "t".into(), fencing: 1 };
    assert_unavailable("lock.acquire", lock.acquire(&key, Duration::from_secs(1))).await;
    assert_unavailable("lock.extend", lock.extend(&guard, Duration::from_secs(1))).await;
    assert_unavailable("lock.release", lock.release(&guard)).await;
    let info = domain::schedule::InstanceInfo {
        id: "i".into(),
        host: "h".into(),
        pid: 1,
        version: "v".into(),
        started_at: now,
        last_seen: now,
        tasks_run: 0,
    };
    assert_unavailable("instances.heartbeat", instances.heartbeat(&info, Duration::from_secs(1))).await;
    assert_unavailable("instances.list", instances.list(now)).await;
    assert_unavailable("instances.leave", instances.leave("i", now)).await;
    assert_unavailable("instances.forget_before", instances.forget_before(now)).await;
    assert_unavailable("control.pause", control.pause(&task, "ops", now)).await;
    assert_unavailable("control.resume", control.resume(&task)).await;
    assert_unavailable("control.is_paused", control.is_paused(&task)).await;
    assert_unavailable("control.paused", control.paused()).await;
    let (seqs, presence) = (backend.sequence_allocator(), backend.presence_store());
    let conv = ConversationId::direct(UserId::new(), UserId::new());
    let r = SeqReservation { conversation: conv, seq: 1, token: "t".into() };
    let seq_infra = |r: Result<(), SeqError>| match r {
        Err(SeqError::Infra(e)) => Err(e),
        other => Ok(other),
    };
    let lease = Duration::from_secs(5);
    assert_unavailable("sequence.reserve", async {
        match seqs.reserve(&conv, lease, Duration::from_millis(100)).await {
            Err(SeqError::Infra(e)) => Err(e),
            other => Ok(other.map(drop)),
        }
    })
    .await;
    assert_unavailable("sequence.commit", async { seq_infra(seqs.commit(&r).await) }).await;
    assert_unavailable("sequence.release", async { seq_infra(seqs.release(&r).await) }).await;
    assert_unavailable("sequence.current", seqs.current(&conv)).await;
    assert_unavailable("sequence.advance_to", seqs.advance_to(&conv, 1)).await;
    let (user, c) = (UserId::new(), ConnectionId::new());
    assert_unavailable("presence.connect", presence.connect(user, c, lease, now)).await;
    assert_unavailable("presence.heartbeat", presence.heartbeat(user, c, lease, now)).await;
    assert_unavailable("presence.disconnect", presence.disconnect(user, c, now)).await;
    assert_unavailable("presence.online", presence.online(&[user], now)).await;
    assert_unavailable("presence.counts", presence.counts(now)).await;
    assert_unavailable("presence.sweep", presence.sweep(now)).await;
}

#[tokio::test]
async fn connecting_to_a_closed_port_fails_quickly() {
    let started = Instant::now();
    let outcome = connect(&options_for_port(1)).await;
    assert!(matches!(outcome, Err(RedisError::Connect { port: 1, .. })), "{outcome:?}");
    assert!(started.elapsed() < FAST, "connect took {:?} to fail", started.elapsed());
}

#[tokio::test]
async fn every_call_fails_fast_while_redis_is_unreachable() {
    let backend = connect_lazy(&options_for_port(1)).expect("options are valid");
    assert_everything_unavailable(&backend).await;
    // Still fast after the reconnect policy has backed off a few times.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_everything_unavailable(&backend).await;
    assert_eq!(backend.health_probe().name(), "redis");
    backend.shutdown().await;
}

#[test]
fn invalid_options_are_refused() {
    let bad_pool = RedisOptions { pool_size: 0, ..RedisOptions::default() };
    assert!(matches!(connect_lazy(&bad_pool), Err(RedisError::Config(_))));
    assert!(matches!(RedisOptions::from_url("http://x"), Err(RedisError::Config(_))));
    let parsed = RedisOptions::from_url("redis://:s3cret@cache.internal:6380/2").expect("valid URL");
    assert_eq!((parsed.host.as_str(), parsed.port, parsed.db), ("cache.internal", 6380, 2));
    assert_eq!(parsed.password.as_deref(), Some("s3cret"));
    assert!(!format!("{parsed:?}").contains("s3cret"), "Debug must not show the password");
}

/// A `redis-server` of our own, killed (by its handle, never by name) when dropped.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn binary() -> String {
        std::env::var("EXCHANGE_TEST_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into())
    }

    fn free_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        listener.local_addr().expect("local address").port()
    }

    fn new() -> Self {
        Self { port: Self::free_port(), child: None }
    }

    fn start(&mut self) {
        let child = Command::new(Self::binary())
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("this test starts its own redis-server (set EXCHANGE_TEST_REDIS_SERVER to its path): {e}")
            });
        self.child = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls `attempt` until it returns true or `limit` passes.
async fn eventually(what: &str, limit: Duration, mut attempt: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !attempt().await {
        assert!(Instant::now() < deadline, "{what} did not happen within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_same_client_recovers_when_redis_comes_back() {
    let mut server = PrivateRedis::new();
    let backend = connect_lazy(&options_for_port(server.port)).expect("options are valid");
    let (bus, cache, limiter, probe) =
        (backend.event_bus(), backend.cache(), backend.rate_limiter(), backend.health_probe());
    assert_unavailable("cache.get before the server exists", cache.get("k")).await;
    // A process that starts before Redis subscribes before Redis exists; the subscription must take.
    let early = Arc::new(Recorder::default());
    let started = Instant::now();
    let _early = bus.subscribe("early", early.clone()).await.expect("subscribing while down is accepted");
    assert!(started.elapsed() < FAST, "subscribe while down must not wait for the server");

    server.start();
    eventually("first connection", Duration::from_secs(10), async || probe.check().await.is_ok()).await;
    eventually("delivery to a subscription made while down", Duration::from_secs(10), async || {
        bus.publish("early", b"e").await.is_ok() && {
            tokio::time::sleep(Duration::from_millis(100)).await;
            !early.events().is_empty()
        }
    })
    .await;
    let heard = Arc::new(Recorder::default());
    let _subscription = bus.subscribe("news", heard.clone()).await.expect("subscribe");
    bus.publish("news", b"1").await.expect("publish");
    heard.wait_for(1).await;
    cache.set("k", b"v", Duration::from_secs(60)).await.expect("set");
    assert!(matches!(limiter.acquire("k", Quota::per_minute(5)).await, Ok(RateDecision::Allowed { .. })));

    server.stop();
    // Calls made in the instant the drop is noticed may wait out the command timeout (see connection.rs);
    // once every pooled connection has seen it, calls fail at once.
    eventually("calls failing fast on every pooled connection", Duration::from_secs(5), async || {
        for _ in 0..4 {
            let started = Instant::now();
            let failed = matches!(bus.publish("news", b"lost").await, Err(InfraError::Unavailable { .. }));
            if !failed || started.elapsed() > Duration::from_millis(200) {
                return false;
            }
        }
        true
    })
    .await;
    assert_everything_unavailable(&backend).await;

    server.start();
    eventually("reconnection", Duration::from_secs(10), async || probe.check().await.is_ok()).await;
    // The subscription resumes by itself: an event published now reaches the old handler.
    eventually("delivery after resubscription", Duration::from_secs(10), async || {
        let before = heard.events().len();
        bus.publish("news", b"2").await.is_ok() && {
            tokio::time::sleep(Duration::from_millis(100)).await;
            heard.events().len() > before
        }
    })
    .await;
    assert_eq!(heard.payloads().first(), Some(&b"1".to_vec()));
    assert!(heard.payloads().iter().skip(1).all(|p| p == b"2"), "nothing published while down arrives");
    // The restarted server has no cached scripts: the NOSCRIPT fallback loads them again.
    assert_eq!(
        limiter.acquire("fresh", Quota::per_minute(5)).await.expect("acquire"),
        RateDecision::Allowed { remaining: 4 }
    );
    assert_eq!(cache.get("k").await.expect("get"), None, "the new server starts empty");
    backend.shutdown().await;
}
