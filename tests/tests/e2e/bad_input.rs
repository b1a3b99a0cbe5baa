//! Bad input gets a clear, localized error naming the field, and nothing is written.

use crate::admin::super_admin;
use chrono::{Duration, Utc};
use domain::ids::{SessionId, UserId};
use domain::token::{AccessClaims, TokenIssuer};
use domain::user::Role;
use e2e::{Api, Composition, ServerBuilder, World};
use serde_json::{Value, json};

on_both!(registration_refuses_bad_input_and_writes_nothing, forged_and_misused_tokens_are_refused);

const PASSWORD: &str = "correct-horse-battery-staple";

async fn raw(base: &str, content_type: &str, body: &'static str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/register"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

async fn registration_refuses_bad_input_and_writes_nothing(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let root = super_admin(&world, &api).await;
    api.register("taken_name", "taken@example.com", PASSWORD).await;
    let total_before = api.get("/api/v1/admin/users", Some(&root.access)).await.body["total"].clone();

    let long = "x".repeat(33);
    let long_email = format!("{}@example.com", "a".repeat(250));
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (
            json!({"username": 5, "email": "a@example.com", "password": PASSWORD}),
            400,
            "validation.wrong_type",
            "username",
        ),
        (json!({"username": "okname", "email": "a@example.com"}), 400, "validation.required", "password"),
        (
            json!({"username": "", "email": "a@example.com", "password": PASSWORD}),
            400,
            "validation.required",
            "username",
        ),
        (
            json!({"username": long, "email": "a@example.com", "password": PASSWORD}),
            400,
            "validation.too_long",
            "username",
        ),
        (
            json!({"username": "bad name", "email": "a@example.com", "password": PASSWORD}),
            400,
            "validation.invalid_characters",
            "username",
        ),
        (
            json!({"username": "okname", "email": "not-an-email", "password": PASSWORD}),
            400,
            "validation.invalid_format",
            "email",
        ),
        (json!({"username": "okname", "email": long_email, "password": PASSWORD}), 400, "validation.too_long", "email"),
        (
            json!({"username": "okname", "email": "a@example.com", "password": "password1"}),
            400,
            "validation.too_weak",
            "password",
        ),
        (
            json!({"username": "okname", "email": "a@example.com", "password": "short"}),
            400,
            "validation.too_short",
            "password",
        ),
        (
            json!({"username": "okname", "email": "a@example.com", "password": PASSWORD, "role": "super_admin"}),
            400,
            "request.unknown_field",
            "role",
        ),
        (
            json!({"username": "TAKEN_NAME", "email": "fresh@example.com", "password": PASSWORD}),
            409,
            "user.username_taken",
            "username",
        ),
        (
            json!({"username": "fresh_name", "email": "Taken@Example.com", "password": PASSWORD}),
            409,
            "user.email_taken",
            "email",
        ),
    ];
    for (body, status, code, field) in cases {
        let r = api.post("/api/v1/auth/register", None, body.clone()).await;
        assert_eq!((r.status, r.code()), (status, code), "{body}: {:?}", r.body);
        assert_eq!(r.body["details"]["field"], field, "{body}");
        assert!(!r.body["message"].as_str().unwrap().is_empty());
        assert_eq!(r.body["request_id"], r.headers["x-request-id"].to_str().unwrap());
    }

    // zh-CN by default, en on request, with the field name translated.
    let zh = api
        .post("/api/v1/auth/register", None, json!({"username": "ab", "email": "a@example.com", "password": PASSWORD}))
        .await;
    assert_eq!(zh.body["message"], "用户名至少需要 3 个字符。");
    let en = api
        .lang("en")
        .post("/api/v1/auth/register", None, json!({"username": "ab", "email": "a@example.com", "password": PASSWORD}))
        .await;
    assert_eq!(en.body["message"], "Username must be at least 3 characters long.");

    let (status, body) = raw(&world.server.base, "application/json", r#"{"username": "x", "#).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("request.invalid_json")));
    let (status, body) = raw(&world.server.base, "text/plain", "username=x").await;
    assert_eq!((status, body["code"].as_str()), (415, Some("http.unsupported_media_type")));
    let (status, body) = raw(&world.server.base, "application/json", "[1, 2, 3]").await;
    assert_eq!((status, body["code"].as_str()), (400, Some("validation.wrong_type")));

    assert_eq!(
        api.get("/api/v1/admin/users", Some(&root.access)).await.body["total"],
        total_before,
        "nothing was written"
    );

    // Unicode and SQL-looking strings are data, stored and returned verbatim.
    let quirky =
        api.register("测试_O_Brien", "o'brien+tag@example.com", "汉字密码很长很长-'; DROP TABLE users; --").await;
    assert_eq!(
        (quirky["username"].as_str(), quirky["email"].as_str()),
        (Some("测试_O_Brien"), Some("o'brien+tag@example.com"))
    );
    api.login("o'brien+tag@example.com", "汉字密码很长很长-'; DROP TABLE users; --").await;
    let search = api.get("/api/v1/admin/users?search=%27%3B%20DROP%20TABLE%20users%3B%20--", Some(&root.access)).await;
    assert_eq!((search.status, search.body["total"].as_u64()), (200, Some(0)));
    assert_eq!(api.get("/api/v1/admin/users", Some(&root.access)).await.body["total"], 3);
}

async fn forged_and_misused_tokens_are_refused(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let user = api.register("tok_user", "tok@example.com", PASSWORD).await;
    let tokens = api.login("tok_user", PASSWORD).await;
    let user_id: UserId = user["id"].as_str().unwrap().parse().unwrap();

    let claims = |iat: chrono::DateTime<Utc>, ttl: Duration| AccessClaims {
        sub: user_id,
        role: Role::SuperAdmin,
        sid: SessionId::new(),
        jti: uuid::Uuid::now_v7(),
        iat,
        nbf: iat,
        exp: iat + ttl,
    };
    // The development key is public (configs/default.json); production refuses to start with it.
    let dev = adapter_crypto::PasetoIssuer::new(adapter_crypto::DEV_SECRET_KEY, &[]).unwrap();
    let expired = dev.issue(&claims(Utc::now() - Duration::hours(2), Duration::minutes(15))).unwrap();
    let other_key = adapter_crypto::PasetoIssuer::new(&adapter_crypto::generate_secret_key(), &[]).unwrap();
    let foreign = other_key.issue(&claims(Utc::now(), Duration::minutes(15))).unwrap();
    let mut tampered = tokens.access.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let valid_but_unknown_session = dev.issue(&claims(Utc::now(), Duration::minutes(15))).unwrap();

    let cases = [
        (expired.as_str(), "auth.token_expired"),
        (foreign.as_str(), "auth.token_invalid"),
        (tampered.as_str(), "auth.token_invalid"),
        ("v4.public.garbage", "auth.token_invalid"),
        (tokens.refresh.as_str(), "auth.token_wrong_purpose"),
        (valid_but_unknown_session.as_str(), "auth.session_revoked"),
    ];
    for (token, code) in cases {
        let r = api.get("/api/v1/users/me", Some(token)).await;
        assert_eq!((r.status, r.code()), (401, code), "{token}");
    }
    let en = api.lang("en").get("/api/v1/users/me", Some(&expired)).await;
    assert_eq!(en.body["message"], "The access token has expired; refresh it and retry.");
    // A forged super_admin claim on a real session still gets nowhere near the admin API.
    let forged_admin = api.get("/api/v1/admin/users", Some(&valid_but_unknown_session)).await;
    assert_eq!(forged_admin.status, 401);
    assert_eq!(api.get("/api/v1/users/me", Some(&tokens.access)).await.status, 200);
}
