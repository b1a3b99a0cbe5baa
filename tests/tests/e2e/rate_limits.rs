//! Rate limits across instances sharing Redis. The single-process cases (per IP, per user, login lockout)
//! run in-process on the test kit: tests/testkit/tests/rate_limits.rs.

use e2e::{Api, ServerBuilder, SharedBackends};
use serde_json::json;

const PASSWORD: &str = "correct-horse-battery-staple";

fn behind_proxy() -> ServerBuilder {
    ServerBuilder::new().env("EXCHANGE__SERVER__TRUSTED_PROXIES", "127.0.0.1")
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
