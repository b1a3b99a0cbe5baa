//! Redis stops and starts again under a running API: logins and authenticated calls answer 503 with
//! `Retry-After` (never 500), what has a documented fallback keeps working, readiness turns red then green,
//! and everything recovers without restarting `exchange`. Also: an instance started while Redis is down.

use crate::{PASSWORD, RECOVERY, check, wait_readiness};
use e2e::private::PrivateRedis;
use e2e::{Api, ServerBuilder};
use serde_json::json;

fn login_body(user: &str) -> serde_json::Value {
    json!({"username": user, "password": PASSWORD})
}

#[tokio::test]
async fn a_redis_outage_answers_503_with_retry_after_and_recovers_without_a_restart() {
    let mut redis = PrivateRedis::new();
    redis.start().await;
    let server = ServerBuilder::new().envs(redis.env("faults:")).spawn().await;
    let api = Api::new(&server.base).lang("en");
    api.register("outage_user", "outage@example.com", PASSWORD).await;
    let before = api.login("outage_user", PASSWORD).await;
    assert_eq!(api.get("/api/v1/users/me", Some(&before.access)).await.status, 200);
    assert_eq!(check(&wait_readiness(&api, 200, RECOVERY).await, "redis")["status"], "up");

    redis.stop();
    let red = wait_readiness(&api, 503, RECOVERY).await;
    assert_eq!(red["code"], "health.not_ready", "{red}");
    assert_eq!(check(&red, "redis")["status"], "down", "{red}");
    assert_eq!(check(&red, "database")["status"], "up", "only Redis is named: {red}");

    // Sessions live in Redis: signing in and using a session are refused with a clear, retryable 503.
    let login = api.post("/api/v1/auth/login", None, login_body("outage_user")).await;
    assert_eq!((login.status, login.code()), (503, "backend.unavailable"), "{:?}", login.body);
    assert_eq!(login.body["details"]["backend"], "redis");
    assert!(login.body["message"].as_str().unwrap_or("").contains("redis"), "{:?}", login.body);
    assert_eq!(login.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    let me = api.get("/api/v1/users/me", Some(&before.access)).await;
    assert_eq!((me.status, me.code()), (503, "backend.unavailable"), "{:?}", me.body);
    assert!(me.headers.contains_key("retry-after"));
    let refresh = api.post("/api/v1/auth/refresh", None, json!({"refresh_token": before.refresh})).await;
    assert_eq!((refresh.status, refresh.code()), (503, "backend.unavailable"), "{:?}", refresh.body);
    assert!(refresh.headers.contains_key("retry-after"));
    // What needs only the database keeps working: the rate limiter fails open (docs/api.md).
    let registered = api
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": "during_outage", "email": "during@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    assert_eq!(api.get("/ping", None).await.status, 200);

    redis.start().await;
    let green = wait_readiness(&api, 200, RECOVERY).await;
    assert_eq!(check(&green, "redis")["status"], "up", "{green}");
    // The same process serves again. This Redis keeps nothing on disk, so the old session is gone and its
    // access token is refused; a new login works (docs/operations.md: run Redis with persistence).
    let after = api.login("during_outage", PASSWORD).await;
    assert_eq!(api.get("/api/v1/users/me", Some(&after.access)).await.status, 200);
    let old = api.get("/api/v1/users/me", Some(&before.access)).await;
    assert_eq!(old.status, 401, "{:?}", old.body);
    let again = api.login("outage_user", PASSWORD).await;
    assert_eq!(api.get("/api/v1/users/me", Some(&again.access)).await.status, 200);
}

#[tokio::test]
async fn an_instance_started_while_redis_is_down_comes_up_not_ready_and_recovers() {
    let mut redis = PrivateRedis::new();
    let server = ServerBuilder::new().envs(redis.env("faults:")).spawn().await;
    let api = Api::new(&server.base);
    assert_eq!(api.get("/health/live", None).await.status, 200, "the process is alive");
    let red = wait_readiness(&api, 503, RECOVERY).await;
    assert_eq!(check(&red, "redis")["status"], "down", "{red}");
    let login = api.post("/api/v1/auth/login", None, login_body("nobody_yet")).await;
    assert_eq!(login.status, 503, "{:?}", login.body);
    assert!(login.headers.contains_key("retry-after"));

    redis.start().await;
    wait_readiness(&api, 200, RECOVERY).await;
    api.register("late_redis", "late@example.com", PASSWORD).await;
    let tokens = api.login("late_redis", PASSWORD).await;
    assert_eq!(api.get("/api/v1/users/me", Some(&tokens.access)).await.status, 200);
}
