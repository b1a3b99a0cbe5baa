//! What the Redis adapters promise beyond the port contracts: limits shared across instances, the key prefix
//! on everything, expired session families collected, and channels released when nobody listens.

use adapter_contracts::bus::Recorder;
use adapter_redis::testing::{TestRedis, bus_subscribers, keys_under_prefix};
use chrono::{Duration as Span, DurationRound, Utc};
use domain::bus::EventBus;
use domain::cache::Cache;
use domain::chat::{ConnectionId, ConversationId, PresenceChange, PresenceStore, SequenceAllocator};
use domain::ids::{SessionId, UserId};
use domain::rate_limit::{Quota, RateDecision, RateLimiter};
use domain::session::{Rotation, Session, SessionStore, TokenHash};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn session(expires_in: Span) -> Session {
    let now = Utc::now().duration_trunc(Span::milliseconds(1)).expect("truncate");
    Session {
        id: SessionId::new(),
        user_id: UserId::new(),
        created_at: now,
        last_used_at: now,
        expires_at: now + expires_in,
        revoked_at: None,
        generation: 0,
        user_agent: None,
        ip: None,
    }
}

#[tokio::test]
async fn two_instances_share_one_limit() {
    let redis = TestRedis::start().await;
    let other = redis.another_instance().await;
    let (a, b) = (redis.backend().rate_limiter(), other.rate_limiter());
    let quota = Quota::per_minute(10);
    let calls = (0..40).map(|i| {
        let limiter: &dyn RateLimiter = if i % 2 == 0 { &a } else { &b };
        limiter.acquire("login:203.0.113.7", quota)
    });
    let decisions = futures::future::join_all(calls).await;
    let allowed = decisions.iter().filter(|d| matches!(d, Ok(RateDecision::Allowed { .. }))).count();
    assert_eq!(allowed, 10, "{decisions:?}");
    assert!(matches!(b.peek("login:203.0.113.7", quota).await, Ok(RateDecision::Limited { .. })));
    a.reset("login:203.0.113.7").await.expect("reset");
    assert_eq!(b.peek("login:203.0.113.7", quota).await.expect("peek"), RateDecision::Allowed { remaining: 9 });
    other.shutdown().await;
}

#[tokio::test]
async fn every_key_carries_the_prefix() {
    let redis = TestRedis::start().await;
    let backend = redis.backend();
    let prefix = backend.key_prefix().to_owned();
    backend.cache().set("page", b"html", Duration::from_secs(60)).await.expect("set");
    backend.rate_limiter().acquire("ip", Quota::per_minute(3)).await.expect("acquire");
    let s = session(Span::hours(1));
    backend.session_store().create(&s, &TokenHash([3; 32])).await.expect("create");

    let keys = keys_under_prefix(backend).await.expect("scan");
    for expected in [
        "cache:page".to_owned(),
        "rate:ip".to_owned(),
        format!("session:{}", s.id),
        format!("session:{}:tokens", s.id),
        format!("session-token:{}", TokenHash([3; 32]).to_hex()),
        format!("user-sessions:{}", s.user_id),
        "session-expiry".to_owned(),
    ] {
        assert!(keys.contains(&format!("{prefix}{expected}")), "{expected} missing from {keys:?}");
    }
    assert_eq!(keys.len(), 7, "nothing else: {keys:?}");
}

#[tokio::test]
async fn expired_families_are_collected_with_all_their_tokens() {
    let redis = TestRedis::start().await;
    let backend = redis.backend();
    let store = backend.session_store();

    let short = session(Span::seconds(5));
    let (t0, t1, t2) = (TokenHash([10; 32]), TokenHash([11; 32]), TokenHash([12; 32]));
    store.create(&short, &t0).await.expect("create");
    let now = short.created_at;
    assert!(matches!(store.rotate(&t0, &t1, now, short.expires_at).await.expect("rotate"), Rotation::Rotated(_)));
    assert!(matches!(store.rotate(&t1, &t2, now, short.expires_at).await.expect("rotate"), Rotation::Rotated(_)));
    let live = session(Span::hours(1));
    store.create(&live, &TokenHash([20; 32])).await.expect("create live");
    let before = keys_under_prefix(backend).await.expect("scan").len();

    assert_eq!(store.purge_expired(short.expires_at + Span::seconds(1)).await.expect("purge"), 1);
    let keys = keys_under_prefix(backend).await.expect("scan");
    assert!(!keys.iter().any(|k| k.contains(&short.id.to_string())), "family keys left: {keys:?}");
    for token in [t0, t1, t2] {
        assert!(!keys.iter().any(|k| k.ends_with(&token.to_hex())), "token key left: {keys:?}");
    }
    assert_eq!(keys.len(), before - 6, "hash, token set, 3 tokens, user set go; {keys:?}");
    assert_eq!(store.rotate(&t2, &TokenHash([13; 32]), now, now).await.expect("rotate"), Rotation::Unknown);
    assert_eq!(store.get(live.id).await.expect("get"), Some(live));
    assert_eq!(store.purge_expired(Utc::now()).await.expect("purge again"), 0);
}

#[tokio::test]
async fn creating_a_session_collects_families_redis_already_expired() {
    let redis = TestRedis::start().await;
    let backend = redis.backend();
    let store = backend.session_store();
    let short = session(Span::milliseconds(300));
    store.create(&short, &TokenHash([30; 32])).await.expect("create");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.get(short.id).await.expect("get"), None, "Redis dropped the hash at expiry");

    store.create(&session(Span::hours(1)), &TokenHash([31; 32])).await.expect("create another");
    let keys = keys_under_prefix(backend).await.expect("scan");
    assert!(!keys.iter().any(|k| k.contains(&short.id.to_string())), "{keys:?}");
    assert!(!keys.iter().any(|k| k.ends_with(&TokenHash([30; 32]).to_hex())), "{keys:?}");
}

async fn wait_for_subscribers(backend: &adapter_redis::RedisBackend, topic: &str, expected: i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let count = bus_subscribers(backend, topic).await.expect("pubsub numsub");
        if count == expected {
            return;
        }
        assert!(Instant::now() < deadline, "{topic}: {count} subscribers, expected {expected}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_channel_is_released_when_its_last_handler_goes() {
    let redis = TestRedis::start().await;
    let backend = redis.backend();
    let bus = backend.event_bus();
    let first = bus.subscribe("room.1", Arc::new(Recorder::default())).await.expect("subscribe");
    let second = bus.subscribe("room.1", Arc::new(Recorder::default())).await.expect("subscribe");
    wait_for_subscribers(backend, "room.1", 1).await;
    first.cancel();
    wait_for_subscribers(backend, "room.1", 1).await;
    drop(second);
    wait_for_subscribers(backend, "room.1", 0).await;
}

/// The chat adapters keep their keys under the prefix too, and a user who went offline leaves no presence key.
#[tokio::test]
async fn chat_keys_carry_the_prefix_and_offline_users_leave_none() {
    let redis = TestRedis::start().await;
    let backend = redis.backend();
    let prefix = backend.key_prefix().to_owned();
    let conv = ConversationId::direct(UserId::new(), UserId::new());
    let seqs = backend.sequence_allocator();
    let r = seqs.reserve(&conv, Duration::from_secs(5), Duration::ZERO).await.expect("reserve");
    seqs.commit(&r).await.expect("commit");
    let presence = backend.presence_store();
    let (user, conn, now) = (UserId::new(), ConnectionId::new(), Utc::now());
    presence.connect(user, conn, Duration::from_secs(30), now).await.expect("connect");

    let mut keys = keys_under_prefix(backend).await.expect("scan");
    keys.sort();
    // `seq:{seq<bucket>}:<conversation>`: the hash tag keeps it in its lease index's cluster slot
    let seq_key = keys.iter().find(|k| k.ends_with(&format!("}}:{conv}"))).expect("the seq key").clone();
    let tag = seq_key.strip_prefix(&format!("{prefix}seq:{{seq")).and_then(|rest| rest.split('}').next());
    assert!(tag.is_some_and(|b| b.parse::<u32>().is_ok_and(|b| b < 16)), "{seq_key}");
    let mut expected: Vec<String> = [
        seq_key.strip_prefix(&prefix).unwrap_or_default().to_owned(),
        format!("presence:user:{user}"),
        "presence:users".to_owned(),
        "presence:conns".to_owned(),
    ]
    .iter()
    .map(|k| format!("{prefix}{k}"))
    .collect();
    expected.sort();
    assert_eq!(keys, expected);

    assert_eq!(presence.disconnect(user, conn, now).await.expect("disconnect"), PresenceChange::WentOffline);
    let keys = keys_under_prefix(backend).await.expect("scan");
    assert_eq!(keys, vec![seq_key], "only the committed seq stays (its lease index emptied and went)");
}

/// A sweep works through more users than one script batch handles, reporting each once.
#[tokio::test]
async fn sweep_covers_more_users_than_one_batch() {
    let redis = TestRedis::start().await;
    let presence = redis.backend().presence_store();
    let now = Utc::now();
    let mut users: Vec<UserId> = (0..1_203).map(|_| UserId::new()).collect();
    for user in &users {
        presence.connect(*user, ConnectionId::new(), Duration::from_secs(1), now).await.expect("connect");
    }
    let mut swept = presence.sweep(now + Span::seconds(2)).await.expect("sweep");
    swept.sort();
    users.sort();
    assert_eq!(swept, users);
    assert_eq!(presence.counts(now + Span::seconds(2)).await.expect("counts"), (0, 0));
    assert!(keys_under_prefix(redis.backend()).await.expect("scan").is_empty(), "nothing left behind");
}
