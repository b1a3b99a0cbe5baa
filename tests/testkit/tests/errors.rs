//! Every error has the same localized body; 404, 405, 413 and bad JSON included. Moved here from the
//! end-to-end suite: none of it needs a separate server process.

use exchange_testkit::TestApp;
use serde_json::{Value, json};

async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> anyhow::Result<(u16, reqwest::header::HeaderMap, Value)> {
    let mut req = reqwest::Client::new().get(format!("{}{path}", app.base_url()));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await?;
    let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
    Ok((status, headers, resp.json().await.unwrap_or(Value::Null)))
}

#[tokio::test]
async fn not_found_is_localized_by_header_and_query() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let (status, headers, zh) = get(&app, "/api/v1/nope", &[]).await?;
    assert_eq!(status, 404);
    assert_eq!(zh["code"], "http.not_found");
    assert_eq!(zh["message"], "请求的资源不存在。");
    assert_eq!(zh["request_id"], headers["x-request-id"].to_str()?);

    let (_, _, en) = get(&app, "/api/v1/nope", &[("accept-language", "fr;q=0.9, en;q=0.8")]).await?;
    assert_eq!(en["message"], "No resource at this address.");
    let (_, _, en) = get(&app, "/api/v1/nope?lang=en", &[("accept-language", "zh-CN")]).await?;
    assert_eq!(en["message"], "No resource at this address.");
    Ok(())
}

#[tokio::test]
async fn wrong_method_is_405_with_the_error_body() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let reply = app.api().lang("en").raw("DELETE", "/ping", None).await?;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.body["code"], "http.method_not_allowed");
    assert_eq!(reply.body["message"], "This address does not accept this HTTP method.");
    Ok(())
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_declared_or_chunked() -> anyhow::Result<()> {
    let app = TestApp::start_with(|c| c.server.body_limit = 2048).await?;
    let url = format!("{}/api/v1/auth/login", app.base_url());
    let big = format!(r#"{{"username":"{}","password":"x"}}"#, "a".repeat(4096));
    let resp =
        reqwest::Client::new().post(&url).header("content-type", "application/json").body(big.clone()).send().await?;
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await?;
    assert_eq!(body["code"], "http.payload_too_large");
    assert_eq!(body["details"]["max"], "2048");
    assert!(body["message"].as_str().unwrap_or_default().contains("2048"));

    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big.as_bytes().chunks(512).map(|c| Ok(c.to_vec())).collect();
    let resp = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await?;
    assert_eq!(resp.status(), 413, "a chunked body cannot get around the limit");
    Ok(())
}

#[tokio::test]
async fn malformed_json_is_a_localized_400() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", app.base_url()))
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .body(r#"{"username": "bob", "password": "#)
        .send()
        .await?;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await?;
    assert_eq!(body["code"], "request.invalid_json");
    assert!(body["details"]["line"].is_string());
    Ok(())
}

/// Regression: a refused query or path parameter carried poem's English reason inside the localized
/// message, and a path parameter was named `param0`.
#[tokio::test]
async fn refused_parameters_get_our_codes_and_their_documented_names_in_both_languages() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let admin = app.create_admin("ops").await?;
    /// Path, code, field, details, part of the zh-CN message, the en message.
    type Case<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case] = &[
        (
            "/api/v1/admin/users?size=101",
            "validation.out_of_range",
            "size",
            &[("min", "1"), ("max", "100")],
            "每页数量必须在 1 到 100 之间",
            "Page size must be between 1 and 100.",
        ),
        (
            "/api/v1/admin/users?role=god",
            "validation.not_one_of",
            "role",
            &[("allowed", "user, admin, super_admin")],
            "user, admin, super_admin",
            "Role must be one of: user, admin, super_admin.",
        ),
        (
            "/api/v1/admin/users/not-a-uuid",
            "validation.invalid_format",
            "id",
            &[("expected", "uuid")],
            "编号",
            "Id is not a valid identifier.",
        ),
        (
            "/api/v1/admin/users?page=abc",
            "validation.wrong_type",
            "page",
            &[("expected", "integer")],
            "页码",
            "Page has the wrong type: expected whole number.",
        ),
        (
            "/api/v1/admin/audit?from=yesterday",
            "validation.invalid_format",
            "from",
            &[("expected", "date-time")],
            "RFC 3339",
            "From is not a valid RFC 3339 date and time.",
        ),
    ];
    for (path, code, field, details, zh_part, en) in cases {
        let zh = admin.api.raw("GET", path, None).await?;
        assert_eq!((zh.status, zh.body["code"].as_str()), (400, Some(*code)), "{path}: {}", zh.text);
        assert_eq!(zh.body["details"]["field"], *field, "{path}");
        for (key, value) in *details {
            assert_eq!(zh.body["details"][key], *value, "{path}: {key}");
        }
        let message = zh.body["message"].as_str().unwrap_or_default();
        assert!(message.contains(zh_part), "{path}: {message}");
        for english in ["verification", "failed", "parse", "param0", "Expect"] {
            assert!(!message.contains(english), "{path}: poem's reason in {message}");
        }
        let en_reply = admin.api.lang("en").raw("GET", path, None).await?;
        assert_eq!(en_reply.body["message"], *en, "{path}");
    }
    Ok(())
}

/// Regression: a number, `null`, a boolean or an array where an enum's name belongs answered "not valid
/// JSON"; an unknown name listed the allowed ones inside serde's English.
#[tokio::test]
async fn wrong_values_on_enum_fields_name_the_field_and_change_nothing() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let root = app.super_admin().await?;
    let bob = app.create_user("bob").await?;
    let before = root.api.get_user(bob.id()).await?;
    let path = format!("/api/v1/admin/users/{}/role", bob.id());
    for body in [json!({"role": 1}), json!({"role": null}), json!({"role": true}), json!({"role": ["admin"]})] {
        let reply = root.api.lang("en").raw("PUT", &path, Some(body.clone())).await?;
        assert_eq!((reply.status, reply.body["code"].as_str()), (400, Some("validation.wrong_type")), "{body}");
        assert_eq!(reply.body["details"]["field"], "role", "{body}");
        assert_eq!(reply.body["message"], "Role has the wrong type: expected text.", "{body}");
    }
    let reply = root.api.raw("PUT", &path, Some(json!({"role": "god"}))).await?;
    assert_eq!((reply.status, reply.body["code"].as_str()), (400, Some("validation.not_one_of")));
    assert_eq!(reply.body["message"], "角色必须是以下之一：user, admin, super_admin。");
    assert_eq!(reply.body["details"]["allowed"], "user, admin, super_admin");
    let after = root.api.get_user(bob.id()).await?;
    assert_eq!((after.role, after.updated_at), (before.role, before.updated_at), "nothing was changed");

    let reply = bob.api.raw("PATCH", "/api/v1/users/me", Some(json!({"locale": 5}))).await?;
    assert_eq!((reply.status, reply.body["code"].as_str()), (400, Some("validation.wrong_type")), "{}", reply.text);
    assert_eq!(reply.body["details"]["field"], "locale");
    let reply = bob.api.lang("en").raw("PATCH", "/api/v1/users/me", Some(json!({"locale": "fr"}))).await?;
    assert_eq!(reply.body["message"], "Language must be one of: zh-CN, en.");
    assert_eq!(bob.api.me().await?.locale, before.locale, "the language was not changed");
    Ok(())
}

/// Regression: an empty settings change read `settings不能为空。`: the label of a group of labels.
#[tokio::test]
async fn an_empty_settings_change_is_refused_in_words() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let root = app.super_admin().await?;
    let reply = root.api.raw("PATCH", "/api/v1/admin/settings", Some(json!({"values": {}}))).await?;
    assert_eq!((reply.status, reply.body["code"].as_str()), (400, Some("validation.required")));
    assert_eq!(reply.body["message"], "设置项不能为空。");
    let reply = root.api.lang("en").raw("PATCH", "/api/v1/admin/settings", Some(json!({"values": {}}))).await?;
    assert_eq!(reply.body["message"], "A setting is required.");
    Ok(())
}

/// Regression: a plain user sending bad input to an admin operation got 400 (the input was parsed before
/// the role was checked); the role comes first now.
#[tokio::test]
async fn a_plain_user_gets_403_from_admin_operations_whatever_they_send() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let user = app.create_user("mallory").await?;
    let resp = reqwest::Client::new()
        .put(format!("{}/api/v1/admin/users/{}/role", app.base_url(), user.id()))
        .bearer_auth(&user.tokens.access_token)
        .header("content-type", "application/json")
        .body(r#"{"role": "#)
        .send()
        .await?;
    assert_eq!(resp.status(), 403, "malformed JSON");
    let bodies = [("PATCH", "/api/v1/admin/settings", Some(json!({"values": {}})))];
    for (method, path, body) in bodies
        .into_iter()
        .chain([("GET", "/api/v1/admin/users?size=1000", None), ("GET", "/api/v1/admin/users/not-a-uuid", None)])
        .chain([("GET", "/api/v1/admin/audit?from=yesterday", None), ("GET", "/api/v1/admin/stats/daily?days=0", None)])
        .chain([("POST", "/api/v1/admin/push", Some(json!({"scope": 1})))])
    {
        let reply = user.api.raw(method, path, body).await?;
        assert_eq!((reply.status, reply.body["code"].as_str()), (403, Some("auth.forbidden")), "{method} {path}");
    }
    // An admin sending the same gets the input error.
    let admin = app.create_admin("ops").await?;
    let reply = admin.api.raw("GET", "/api/v1/admin/users?size=1000", None).await?;
    assert_eq!(reply.status, 400);
    Ok(())
}
