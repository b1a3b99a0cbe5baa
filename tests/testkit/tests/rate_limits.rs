//! Rate limits: per IP on auth routes, per user on the API, login lockout per account and IP; 429 with
//! Retry-After. Moved here from the end-to-end suite (which keeps the cross-instance case on Redis): the
//! limits are the application's, not the process's.

use exchange_testkit::{PASSWORD, TestApp};

/// The application behind a trusted proxy on 127.0.0.1, so `X-Forwarded-For` picks the client IP.
async fn behind_proxy(configure: impl FnOnce(&mut bootstrap::config::AppConfig)) -> anyhow::Result<TestApp> {
    TestApp::start_with(|c| {
        c.server.trusted_proxies = vec!["127.0.0.1".into()];
        configure(c);
    })
    .await
}

#[tokio::test]
async fn auth_routes_are_limited_per_client_ip() -> anyhow::Result<()> {
    let app = behind_proxy(|c| c.rate_limit.auth_per_minute = 3).await?;
    let (a, b) = (app.api().from_ip("203.0.113.7"), app.api().from_ip("203.0.113.8"));
    for _ in 0..3 {
        assert_eq!(a.login("x_user", PASSWORD).await.expect_err("unknown").code(), "auth.invalid_credentials");
    }
    let limited = a.lang("en").raw("POST", "/api/v1/auth/login", Some(login_body("x_user"))).await?;
    assert_eq!((limited.status, limited.body["code"].as_str()), (429, Some("rate_limited")));
    let retry: u64 = limited.headers["retry-after"].to_str()?.parse()?;
    assert!((1..=20).contains(&retry), "{retry}");
    assert!(limited.body["message"].as_str().unwrap_or_default().contains(&retry.to_string()));
    assert_eq!(b.login("x_user", PASSWORD).await.expect_err("unknown").status(), 401, "another IP is not limited");
    assert_eq!(a.ping().await?, "pong", "ops routes are never limited");
    Ok(())
}

fn login_body(user: &str) -> serde_json::Value {
    serde_json::json!({"username": user, "password": PASSWORD})
}

#[tokio::test]
async fn api_routes_are_limited_per_user() -> anyhow::Result<()> {
    let app = behind_proxy(|c| c.rate_limit.api_per_minute_user = 4).await?;
    let user = app.create_user("limited_user").await?;
    for i in 0..3 {
        // Different IPs: the per-user quota is what bites (create_user's own `me` was the first call).
        user.api.from_ip(&format!("198.51.100.{i}")).me().await?;
    }
    let err = user.api.from_ip("198.51.100.99").me().await.expect_err("over the per-user quota");
    assert_eq!((err.status(), err.code()), (429, "rate_limited"));
    Ok(())
}

#[tokio::test]
async fn failed_logins_lock_the_account_for_that_ip_only() -> anyhow::Result<()> {
    let app = behind_proxy(|_| {}).await?;
    app.create_user("brute_target").await?;
    let attacker = app.api().from_ip("192.0.2.66");
    for _ in 0..5 {
        let err = attacker.login("brute_target", "guess-guess-guess").await.expect_err("wrong password");
        assert_eq!(err.code(), "auth.invalid_credentials");
    }
    let locked = attacker.raw("POST", "/api/v1/auth/login", Some(login_body("brute_target"))).await?;
    assert_eq!(
        (locked.status, locked.body["code"].as_str()),
        (429, Some("auth.login_locked")),
        "even the right password waits"
    );
    assert!(locked.headers["retry-after"].to_str()?.parse::<u64>()? > 60);
    app.api().from_ip("192.0.2.10").login("brute_target", PASSWORD).await?;
    Ok(())
}

#[tokio::test]
async fn username_and_email_spellings_share_one_failure_budget() -> anyhow::Result<()> {
    let app = behind_proxy(|_| {}).await?;
    let target = app.create_user("spelling_target").await?;
    let attacker = app.api().from_ip("192.0.2.77");
    // Three guesses by username, in two cases, then two by e-mail: five failures on one account and IP.
    for login in ["spelling_target", "SPELLING_TARGET", "spelling_target", &target.user.email, &target.user.email] {
        let err = attacker.login(login, "guess-guess-guess").await.expect_err("wrong password");
        assert_eq!(err.code(), "auth.invalid_credentials", "{login}");
    }
    for login in [target.user.email.as_str(), "spelling_target"] {
        let body = serde_json::json!({"username": login, "password": PASSWORD});
        let locked = attacker.raw("POST", "/api/v1/auth/login", Some(body)).await?;
        assert_eq!((locked.status, locked.body["code"].as_str()), (429, Some("auth.login_locked")), "{login}");
    }
    Ok(())
}

#[tokio::test]
async fn unknown_logins_are_throttled_like_known_ones() -> anyhow::Result<()> {
    let app = behind_proxy(|_| {}).await?;
    let attacker = app.api().from_ip("192.0.2.78");
    for _ in 0..5 {
        let err = attacker.login("nobody_here", "guess-guess-guess").await.expect_err("unknown");
        assert_eq!(err.code(), "auth.invalid_credentials");
    }
    let locked = attacker.raw("POST", "/api/v1/auth/login", Some(login_body("nobody_here"))).await?;
    assert_eq!((locked.status, locked.body["code"].as_str()), (429, Some("auth.login_locked")));
    Ok(())
}

#[tokio::test]
async fn the_document_declares_retry_after_on_every_429_and_503() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = app.api().openapi().await?;
    let mut seen = 0;
    for (path, ops) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in ops.as_object().into_iter().flatten() {
            for status in ["429", "503"] {
                let Some(response) = op["responses"].get(status) else { continue };
                let header = &response["headers"]["Retry-After"];
                assert_eq!(header["required"], true, "{method} {path} {status}: {response}");
                assert_eq!(header["schema"]["type"], "integer", "{method} {path} {status}");
                seen += 1;
            }
        }
    }
    assert!(doc["paths"]["/api/v1/auth/login"]["post"]["responses"].get("429").is_some());
    assert!(seen > 20, "{seen} responses checked");
    Ok(())
}
