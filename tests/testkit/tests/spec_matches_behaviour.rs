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
