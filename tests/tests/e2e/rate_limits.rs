//! Rate limits: per IP on auth routes, per user on the API, login lockout per account and IP; 429 with
//! Retry-After. With Redis the limits hold across instances.

use e2e::{Api, ServerBuilder, SharedBackends};
use serde_json::json;

const PASSWORD: &str = "correct-horse-battery-staple";

fn behind_proxy() -> ServerBuilder {
    ServerBuilder::new().env("EXCHANGE__SERVER__TRUSTED_PROXIES", "127.0.0.1")
}

#[tokio::test]
async fn auth_routes_are_limited_per_client_ip() {
    let server = behind_proxy().env("EXCHANGE__RATE_LIMIT__AUTH_PER_MINUTE", "3").spawn().await;
    let api = Api::new(&server.base);
    let (a, b) = (api.from_ip("203.0.113.7"), api.from_ip("203.0.113.8"));
    for _ in 0..3 {
        let r = a.post("/api/v1/auth/login", None, json!({"username": "x_user", "password": PASSWORD})).await;
        assert_eq!(r.status, 401);
    }
    let limited =
        a.lang("en").post("/api/v1/auth/login", None, json!({"username": "x_user", "password": PASSWORD})).await;
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    let retry: u64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    assert!(limited.body["message"].as_str().unwrap().contains(&retry.to_string()));
    assert_eq!(
        b.post("/api/v1/auth/login", None, json!({"username": "x_user", "password": PASSWORD})).await.status,
        401
    );
    assert_eq!(server_ping(&server.base).await, 200, "ops routes are never limited");
}

async fn server_ping(base: &str) -> u16 {
    reqwest::get(format!("{base}/ping")).await.unwrap().status().as_u16()
}

#[tokio::test]
async fn api_routes_are_limited_per_user() {
    let server = behind_proxy().env("EXCHANGE__RATE_LIMIT__API_PER_MINUTE_USER", "4").spawn().await;
    let api = Api::new(&server.base);
    api.register("limited_user", "lim@example.com", PASSWORD).await;
    let tokens = api.login("limited_user", PASSWORD).await;
    for i in 0..4 {
        // Different IPs: the per-user quota is what bites.
        assert_eq!(
            api.from_ip(&format!("198.51.100.{i}")).get("/api/v1/users/me", Some(&tokens.access)).await.status,
            200
        );
    }
    let limited = api.from_ip("198.51.100.99").get("/api/v1/users/me", Some(&tokens.access)).await;
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    assert!(limited.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn failed_logins_lock_the_account_for_that_ip_only() {
    let server = behind_proxy().spawn().await;
    let api = Api::new(&server.base);
    api.register("brute_target", "brute@example.com", PASSWORD).await;
    let attacker = api.from_ip("192.0.2.66");
    for _ in 0..5 {
        let r = attacker
            .post("/api/v1/auth/login", None, json!({"username": "brute_target", "password": "guess-guess-guess"}))
            .await;
        assert_eq!(r.code(), "auth.invalid_credentials");
    }
    let locked =
        attacker.post("/api/v1/auth/login", None, json!({"username": "brute_target", "password": PASSWORD})).await;
    assert_eq!((locked.status, locked.code()), (429, "auth.login_locked"), "even the right password waits");
    assert!(locked.headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 60);
    api.from_ip("192.0.2.10").login("brute_target", PASSWORD).await;
}

#[tokio::test]
async fn limits_hold_across_instances_sharing_redis() {
    let backends = SharedBackends::start().await;
    let one = backends.apply(behind_proxy()).spawn().await;
    let two = backends.apply(behind_proxy()).spawn().await;
    let (a, b) = (Api::new(&one.base).from_ip("192.0.2.77"), Api::new(&two.base).from_ip("192.0.2.77"));
    a.register("shared_target", "shared@example.com", PASSWORD).await;
    for api in [&a, &b, &a, &b, &a] {
        let r = api
            .post("/api/v1/auth/login", None, json!({"username": "shared_target", "password": "wrong-wrong-wrong"}))
            .await;
        assert_eq!(r.code(), "auth.invalid_credentials");
    }
    let locked = b.post("/api/v1/auth/login", None, json!({"username": "shared_target", "password": PASSWORD})).await;
    assert_eq!((locked.status, locked.code()), (429, "auth.login_locked"));

    // A settings change on one instance is seen by the other at once.
    let out = e2e::run_once(
        one.dir(),
        &["init-admin", "--username", "root_admin", "--email", "root@example.com", "--password", PASSWORD],
        &backends.env().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let root = Api::new(&one.base).login("root_admin", PASSWORD).await;
    let closed = Api::new(&one.base)
        .call(
            "PATCH",
            "/api/v1/admin/settings",
            Some(&root.access),
            Some(json!({"values": {"auth.registration_open": false}})),
        )
        .await;
    assert_eq!(closed.status, 200);
    let refused = Api::new(&two.base)
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": "too_late", "email": "tl@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(refused.code(), "auth.registration_closed");
}
