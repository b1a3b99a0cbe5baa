//! Regression tests for what schemathesis found: the served OpenAPI document must state the constraints
//! the server enforces, so that every request valid by the document is accepted (tests/schemathesis).

use exchange_testkit::TestApp;
use serde_json::{Value, json};

async fn spec(app: &TestApp) -> anyhow::Result<Value> {
    Ok(app.api().openapi().await?)
}

#[tokio::test]
async fn request_emails_are_documented_as_addresses() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    for schema in ["RegisterRequest", "CreateUserRequest", "UpdateMeRequest"] {
        assert_eq!(doc["components"]["schemas"][schema]["properties"]["email"]["format"], "email", "{schema}");
    }
    // Found: "000" fitted the document (a string of 3-254 characters) and was refused as not an address.
    let err = app.api().register("erik", "000", exchange_testkit::PASSWORD).await.expect_err("not an address");
    assert_eq!((err.status(), err.code()), (400, "validation.invalid_format"));
    Ok(())
}

#[tokio::test]
async fn new_passwords_are_documented_without_control_characters() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in [
        ("RegisterRequest", "password"),
        ("CreateUserRequest", "password"),
        ("PasswordRequest", "password"),
        ("ChangePasswordRequest", "new_password"),
    ] {
        let pattern = schemas[schema]["properties"][field]["pattern"].as_str().unwrap_or_default();
        assert!(pattern.contains(r"\u0000-\u001f"), "{schema}.{field}: {pattern:?}");
    }
    assert!(schemas["LoginRequest"]["properties"]["password"].get("pattern").is_none(), "login compares anything");
    // Found: a long random password with a control character fitted the document and was refused.
    let err = app
        .api()
        .register("frida", "frida@example.com", "Xq7#mK2$vL9!\u{1}pR4&")
        .await
        .expect_err("control characters are refused");
    assert_eq!((err.status(), err.code()), (400, "validation.invalid_characters"));
    Ok(())
}

#[tokio::test]
async fn settings_document_every_key_and_value_type_and_accept_them() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    let values = &doc["components"]["schemas"]["UpdateSettingsRequest"]["properties"]["values"];
    assert_eq!(values["additionalProperties"], false, "unknown keys are refused, so the document says so");
    let properties = values["properties"].as_object().cloned().unwrap_or_default();
    let key_param = &doc["paths"]["/api/v1/admin/settings/{key}"]["delete"]["parameters"][0]["schema"]["enum"];

    let root = app.super_admin().await?;
    let listed: Vec<String> = root.api.settings().await?.into_iter().map(|s| s.key).collect();
    let mut documented: Vec<String> = properties.keys().cloned().collect();
    documented.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(documented, listed_sorted, "the document names exactly the settings the server has");
    assert_eq!(key_param.as_array().map(Vec::len), Some(listed.len()));

    // Every key at the bound the document gives is accepted (the upper one for integers: a rate limit of 1
    // would answer 429 to the rest of this test); one past either bound is refused.
    for (key, schema) in &properties {
        let value = match schema["type"].as_str() {
            Some("boolean") => json!(false),
            Some("integer") => schema["maximum"].clone(),
            Some("string") if schema["enum"].is_array() => schema["enum"][0].clone(),
            _ => json!("x".repeat(schema["minLength"].as_u64().unwrap_or(1) as usize)),
        };
        root.api.update_settings(json!({ key: value })).await.map_err(|e| anyhow::anyhow!("{key}={value}: {e}"))?;
        if let (Some(min), Some(max)) = (schema["minimum"].as_i64(), schema["maximum"].as_i64()) {
            for outside in [min - 1, max + 1] {
                let err = root.api.update_settings(json!({ key: outside })).await.expect_err("out of bounds");
                assert_eq!(err.code(), "validation.out_of_range", "{key}={outside}");
            }
        }
        root.api.reset_setting(key).await?;
    }
    // Found: a key outside the set fitted the document ("any string of at most 64 characters").
    let err = root.api.reset_setting("no.such_setting").await.expect_err("unknown key");
    assert_eq!((err.status(), err.code()), (400, "validation.not_one_of"));
    // A text of blanks fits no document pattern and is refused (the value is trimmed first).
    let site = &properties["site.name"];
    assert!(site["pattern"].is_string(), "{site}");
    let err = root.api.update_settings(json!({"site.name": "   "})).await.expect_err("blank after trimming");
    assert_eq!(err.code(), "validation.too_short");
    Ok(())
}

#[tokio::test]
async fn group_names_are_documented_without_control_characters() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    for schema in ["CreateGroupRequest", "RenameGroupRequest"] {
        assert!(doc["components"]["schemas"][schema]["properties"]["name"]["pattern"].is_string(), "{schema}");
    }
    // Found: "\u{9d}name" fitted the document (1-64 characters) and was refused.
    let alice = app.create_user("alice").await?;
    let err = alice.api.create_group("\u{9d}name", &[]).await.expect_err("a control character");
    assert_eq!((err.status(), err.code()), (400, "validation.invalid_characters"));
    // Found next: white space at the ends is trimmed first, so a trailing "\r" is accepted; the pattern
    // allows it too.
    let group = alice.api.create_group("±¸V\r", &[]).await?;
    assert_eq!(group.name, "±¸V");
    // And the length bound is on the trimmed name (a padded 66-character name is fine), so it lives in the
    // pattern, not in `maxLength`.
    let name = &doc["components"]["schemas"]["RenameGroupRequest"]["properties"]["name"];
    assert!(name.get("maxLength").is_none(), "{name}");
    let padded = format!(" {} ", "x".repeat(64));
    assert_eq!(alice.api.rename_group(&group.id, &padded).await?.name, "x".repeat(64));
    Ok(())
}

#[tokio::test]
async fn conversation_ids_are_documented_with_their_shape() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    for (path, method) in [("/api/v1/conversations/{id}/messages", "get"), ("/api/v1/conversations/{id}/read", "put")] {
        let param = &doc["paths"][path][method]["parameters"][0];
        assert_eq!(param["name"], "id");
        assert!(param["schema"]["pattern"].as_str().is_some_and(|p| p.starts_with("^(d:")), "{path}: {param}");
        assert!(param["description"].as_str().is_some_and(|d| d.contains("smaller id first")), "{param}");
    }
    // Found: "0" fitted the document (any string) and was refused.
    let alice = app.create_user("alice").await?;
    let err = alice.api.history("0", &[]).await.expect_err("not a conversation id");
    assert_eq!((err.status(), err.code()), (400, "validation.invalid_format"));
    Ok(())
}

#[tokio::test]
async fn adding_a_member_is_documented_without_the_owner_role() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    let role = &doc["components"]["schemas"]["AddMemberRequest"]["properties"]["role"];
    assert_eq!(role["enum"], json!(["member", "admin"]));
    // Found: {"role": "owner"} fitted the document (the shared member-role enum) and was refused.
    let (alice, bob) = (app.create_user("alice").await?, app.create_user("bob").await?);
    let group = alice.api.create_group("team", &[]).await?;
    let reply = alice
        .api
        .raw(
            "POST",
            &format!("/api/v1/groups/{}/members", group.id),
            Some(json!({"user_id": bob.id(), "role": "owner"})),
        )
        .await?;
    assert_eq!((reply.status, reply.body["code"].as_str()), (400, Some("validation.not_one_of")));
    assert_eq!(alice.api.add_member(&group.id, bob.id()).await?.role, "member");
    Ok(())
}

#[tokio::test]
async fn pushes_are_documented_as_targeted_or_to_everyone_online() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    let shapes = doc["components"]["schemas"]["PushRequest"]["oneOf"].as_array().cloned().unwrap_or_default();
    assert_eq!(shapes.len(), 2, "{}", doc["components"]["schemas"]["PushRequest"]);
    assert_eq!(shapes[1]["properties"]["scope"]["enum"], json!(["online"]));
    assert!(shapes[1]["properties"].get("target_id").is_none() && shapes[1]["additionalProperties"] == false);
    // Found: an `online` push with a target fitted the document and was refused.
    let admin = app.create_admin("ops").await?;
    let reply = admin
        .api
        .raw("POST", "/api/v1/admin/push", Some(json!({"scope": "online", "target_id": admin.id(), "text": "hi"})))
        .await?;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(admin.api.push("online", None, "hi").await?.delivered, 0, "nobody is connected");
    Ok(())
}

#[tokio::test]
async fn daily_statistics_document_their_day_range() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    let days = &doc["paths"]["/api/v1/admin/stats/daily"]["get"]["parameters"][0]["schema"];
    let admin = app.create_admin("ops").await?;
    let info = admin.api.raw("GET", "/api/v1/admin/console", None).await?;
    assert_eq!((days["minimum"].as_u64(), days["maximum"].as_u64()), (Some(1), info.body["max_days"].as_u64()));
    // Found: days=0 fitted the document (any unsigned integer) and was refused.
    let err = admin.api.stats_daily(0).await.expect_err("zero days");
    assert_eq!((err.status(), err.code()), (400, "validation.out_of_range"));
    assert_eq!(admin.api.stats_daily(92).await?["days"], 92);
    Ok(())
}

#[tokio::test]
async fn optional_query_parameters_are_documented_as_possibly_empty() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    let to = doc["paths"]["/api/v1/admin/audit/export"]["get"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "to").cloned())
        .unwrap_or_default();
    assert_eq!(to["allowEmptyValue"], true, "{to}");
    // Found: `?to=` was accepted (an empty value counts as absent, docs/api.md) while the document called
    // it an invalid date-time.
    let admin = app.create_admin("ops").await?;
    assert!(admin.api.export_audit(&[("to", "")]).await?.starts_with('\u{feff}'), "the CSV export");
    assert_eq!(admin.api.audit(&[("to", ""), ("page", "")]).await?.page, 1);
    Ok(())
}

#[tokio::test]
async fn unsigned_integers_are_documented_as_never_negative() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    let seq = &doc["components"]["schemas"]["ReadRequest"]["properties"]["seq"];
    assert_eq!(seq["minimum"], 0, "{seq}");
    let before = doc["paths"]["/api/v1/conversations/{id}/messages"]["get"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "before").cloned())
        .unwrap_or_default();
    assert_eq!(before["schema"]["minimum"], 0, "{before}");
    // Found: `before=-240` and `{"seq": -3906}` fitted the document (`format: uint64` binds no validator).
    let (alice, bob) = (app.create_user("alice").await?, app.create_user("bob").await?);
    let (lo, hi) = if alice.id() < bob.id() { (alice.id(), bob.id()) } else { (bob.id(), alice.id()) };
    let conversation = format!("d:{lo}:{hi}");
    let err = alice.api.history(&conversation, &[("before", "-240")]).await.expect_err("negative");
    assert_eq!(err.status(), 400);
    let reply = alice
        .api
        .raw("PUT", &format!("/api/v1/conversations/{conversation}/read"), Some(json!({"seq": -3906})))
        .await?;
    assert_eq!(reply.status, 400, "{}", reply.text);
    // Found: a seq past u64 fitted the document too; the largest documented values are accepted.
    assert_eq!(seq["maximum"].as_u64(), Some(u64::MAX), "{seq}");
    let reply = alice
        .api
        .raw("PUT", &format!("/api/v1/conversations/{conversation}/read"), Some(json!({"seq": u64::MAX})))
        .await?;
    assert!(reply.status == 200 || reply.status == 404, "{}", reply.text);
    let max = u64::MAX.to_string();
    let err = alice.api.history(&conversation, &[("before", &max), ("after", &max)]).await;
    assert!(err.as_ref().map_or_else(|e| e.status() == 404, |h| h.items.is_empty()), "{err:?}");
    Ok(())
}

#[tokio::test]
async fn push_texts_are_documented_as_message_texts() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    for shape in doc["components"]["schemas"]["PushRequest"]["oneOf"].as_array().cloned().unwrap_or_default() {
        assert!(shape["properties"]["text"]["pattern"].is_string(), "{shape}");
    }
    // Found: a text with control characters fitted the document and was refused.
    let admin = app.create_admin("ops").await?;
    let err = admin.api.push("online", None, "\u{16}!\u{18}").await.expect_err("control characters");
    assert_eq!((err.status(), err.code()), (400, "validation.invalid_characters"));
    assert_eq!(admin.api.push("online", None, "line one\nline two").await?.delivered, 0, "newlines are fine");
    Ok(())
}

/// The component schema a media type's schema names, itself or through an array's items; `None` for an
/// inline schema (a CSV download).
fn named_schema(schema: &Value) -> Option<&str> {
    let reference = schema.get("$ref").or_else(|| schema.pointer("/items/$ref"))?;
    reference.as_str()?.strip_prefix("#/components/schemas/")
}

#[tokio::test]
async fn every_account_and_admin_schema_has_a_valid_example() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    let schemas = &doc["components"]["schemas"];
    let mut checked = Vec::new();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let covered = |p: &str| ["/api/v1/auth", "/api/v1/users/me", "/api/v1/admin"].iter().any(|x| p.starts_with(x));
    for (path, ops) in paths.iter().filter(|(p, _)| covered(p)) {
        for (method, op) in ops.as_object().into_iter().flatten() {
            let mut media: Vec<&Value> = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|c| c.values())
                .collect();
            for response in op["responses"].as_object().into_iter().flat_map(|r| r.values()) {
                media.extend(response["content"].as_object().into_iter().flat_map(|c| c.values()));
            }
            for name in media.iter().filter_map(|m| named_schema(&m["schema"])) {
                assert!(schemas[name].get("example").is_some(), "{method} {path}: schema {name} has no example");
                checked.push(name.to_owned());
            }
        }
    }
    for name in [
        "RegisterRequest",
        "LoginRequest",
        "RefreshRequest",
        "TokenDto",
        "UserDto",
        "UserPageDto",
        "UpdateMeRequest",
        "ChangePasswordRequest",
        "CreateUserRequest",
        "RoleRequest",
        "StatusRequest",
        "PasswordRequest",
        "UpdateSettingsRequest",
        "SettingDto",
        "AuditPageDto",
        "StatsDto",
        "ErrorBody",
    ] {
        assert!(checked.iter().any(|c| c == name), "{name} is not used by a covered operation");
    }
    // Nested schemas carry their own example too.
    for name in ["AuditEntryDto", "UserStatsDto"] {
        assert!(schemas[name].get("example").is_some(), "{name}");
    }

    // The request examples are accepted as they stand (schemathesis sends them).
    let example = |name: &str| schemas[name]["example"].clone();
    let reply = app.api().raw("POST", "/api/v1/auth/register", Some(example("RegisterRequest"))).await?;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let reply = app.api().raw("POST", "/api/v1/auth/login", Some(example("LoginRequest"))).await?;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let alice = app.api().with_token(reply.body["access_token"].as_str().unwrap_or_default());
    let reply = alice.raw("PUT", "/api/v1/users/me/password", Some(example("ChangePasswordRequest"))).await?;
    assert_eq!(reply.status, 204, "{}", reply.text);
    let reply = alice.raw("PATCH", "/api/v1/users/me", Some(example("UpdateMeRequest"))).await?;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let root = app.super_admin().await?;
    let reply = root.api.raw("POST", "/api/v1/admin/users", Some(example("CreateUserRequest"))).await?;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let bob = reply.body["id"].as_str().unwrap_or_default().to_owned();
    for (path, schema) in [("role", "RoleRequest"), ("status", "StatusRequest"), ("password", "PasswordRequest")] {
        let reply = root.api.raw("PUT", &format!("/api/v1/admin/users/{bob}/{path}"), Some(example(schema))).await?;
        assert_eq!(reply.status, 200, "{schema}: {}", reply.text);
    }
    let reply = root.api.raw("PATCH", "/api/v1/admin/settings", Some(example("UpdateSettingsRequest"))).await?;
    assert_eq!(reply.status, 200, "{}", reply.text);
    Ok(())
}

#[tokio::test]
async fn credential_and_token_lengths_are_enforced_as_documented() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let doc = spec(&app).await?;
    let schemas = &doc["components"]["schemas"];
    let bound =
        |schema: &str, field: &str, key: &str| schemas[schema]["properties"][field][key].as_u64().unwrap_or(0) as usize;
    assert_eq!(bound("RefreshRequest", "refresh_token", "minLength"), 1);
    // Found: `""` broke the documented minLength 1 yet was looked up, answering 401 auth.refresh_invalid.
    let reply = app.api().raw("POST", "/api/v1/auth/refresh", Some(json!({"refresh_token": ""}))).await?;
    assert_eq!((reply.status, reply.body["code"].as_str()), (400, Some("validation.required")), "{}", reply.text);
    let long = "x".repeat(bound("RefreshRequest", "refresh_token", "maxLength") + 1);
    let reply = app.api().raw("POST", "/api/v1/auth/refresh", Some(json!({"refresh_token": long}))).await?;
    assert_eq!((reply.status, reply.body["code"].as_str()), (400, Some("validation.too_long")), "{}", reply.text);
    // Found: a login over the documented maxLength 254 / 1024 was answered 401, as if it could match.
    for field in ["username", "password"] {
        let max = bound("LoginRequest", field, "maxLength");
        assert!(max > 0, "{field}");
        let mut body = json!({"username": "alice", "password": exchange_testkit::PASSWORD});
        body[field] = json!("张".repeat(max + 1));
        let reply = app.api().lang("en").raw("POST", "/api/v1/auth/login", Some(body.clone())).await?;
        assert_eq!((reply.status, reply.body["code"].as_str()), (400, Some("validation.too_long")), "{field}");
        assert_eq!(reply.body["details"]["max"], max.to_string(), "{field}");
        // At the bound (counted in characters, not bytes) it is only a wrong credential.
        body[field] = json!("张".repeat(max));
        let reply = app.api().raw("POST", "/api/v1/auth/login", Some(body)).await?;
        assert_eq!((reply.status, reply.body["code"].as_str()), (401, Some("auth.invalid_credentials")), "{field}");
    }
    let reply = app.api().raw("POST", "/api/v1/auth/login", Some(json!({"username": "", "password": "x"}))).await?;
    assert_eq!((reply.status, reply.body["code"].as_str()), (400, Some("validation.required")));
    Ok(())
}
