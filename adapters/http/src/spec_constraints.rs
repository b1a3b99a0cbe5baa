//! Constraints the handlers enforce that poem-openapi's derives cannot state, written into the served
//! document so clients and fuzzers generate what the server accepts (found by schemathesis).
//!
//! Each function edits the parsed document in place and does nothing when the part it edits is absent;
//! none of them loosens a schema.

use domain::locale::Locale;
use domain::settings::{SettingKey, SettingType};
use serde_json::{Map, Value, json};

/// Every request field named `email` is an address (`domain::user::Email` refuses anything else).
pub fn email_format(doc: &mut Value) {
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    for (name, schema) in schemas.iter_mut() {
        if !name.ends_with("Request") {
            continue;
        }
        if let Some(email) = schema.pointer_mut("/properties/email").and_then(Value::as_object_mut)
            && email.get("type").and_then(Value::as_str) == Some("string")
        {
            email.insert("format".into(), Value::String("email".into()));
        }
    }
}

/// No control characters, as `domain::user::Password::parse` and `SettingKey::parse` (text) require.
const NO_CONTROL: &str = r"^[^\u0000-\u001f\u007f-\u009f]*$";

/// New passwords (registration, admin-created accounts, resets, changes) refuse control characters; the
/// login and current-password fields take anything, since they only compare.
pub fn new_password_characters(doc: &mut Value) {
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    for (name, schema) in schemas.iter_mut() {
        if !name.ends_with("Request") || name == "LoginRequest" {
            continue;
        }
        for field in ["password", "new_password"] {
            if let Some(p) = schema.pointer_mut(&format!("/properties/{field}")).and_then(Value::as_object_mut)
                && p.get("type").and_then(Value::as_str) == Some("string")
                && !p.contains_key("pattern")
            {
                p.insert("pattern".into(), Value::String(NO_CONTROL.into()));
            }
        }
    }
}

/// The JSON schema of one setting's value, from its type and bounds (`SettingKey::parse` made readable).
fn setting_value_schema(key: SettingKey) -> Value {
    match key.setting_type() {
        SettingType::Bool => json!({"type": "boolean"}),
        SettingType::Integer { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        // Trimmed before counting, and no control characters: at least one visible character.
        SettingType::Text { min, max } => json!({
            "type": "string",
            "minLength": min,
            "maxLength": max,
            "pattern": r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        }),
        SettingType::Locale => {
            json!({"type": "string", "enum": Locale::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>()})
        }
    }
}

/// `PATCH /api/v1/admin/settings` takes only known keys, each with its own type; `DELETE
/// /api/v1/admin/settings/{key}` only a known key. The handlers take a map and a string, so poem-openapi
/// documents "any key, any value".
pub fn settings(doc: &mut Value) {
    let keys: Vec<&str> = SettingKey::ALL.iter().map(SettingKey::as_str).collect();
    let properties: Map<String, Value> =
        SettingKey::ALL.iter().map(|k| (k.as_str().to_owned(), setting_value_schema(*k))).collect();
    if let Some(values) =
        doc.pointer_mut("/components/schemas/UpdateSettingsRequest/properties/values").and_then(Value::as_object_mut)
    {
        values.insert("properties".into(), Value::Object(properties));
        values.insert("additionalProperties".into(), Value::Bool(false));
        values.insert("maxProperties".into(), Value::from(keys.len()));
    }
    let params =
        doc.pointer_mut("/paths/~1api~1v1~1admin~1settings~1{key}/delete/parameters").and_then(Value::as_array_mut);
    for param in params.into_iter().flatten() {
        if param["name"] == "key"
            && let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut)
        {
            schema.insert("enum".into(), json!(keys));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "paths": {"/api/v1/admin/settings/{key}": {"delete": {"parameters": [
                {"name": "key", "in": "path", "schema": {"type": "string", "maxLength": 64}}
            ]}}},
            "components": {"schemas": {
                "RegisterRequest": {"properties": {"email": {"type": "string"}}},
                "UserDto": {"properties": {"email": {"type": "string"}}},
                "UpdateSettingsRequest": {"properties": {"values": {"type": "object", "additionalProperties": {}}}}
            }}
        })
    }

    #[test]
    fn new_passwords_refuse_control_characters_and_login_passwords_do_not() {
        let mut d = json!({"components": {"schemas": {
            "RegisterRequest": {"properties": {"password": {"type": "string"}}},
            "ChangePasswordRequest": {"properties": {"current_password": {"type": "string"}, "new_password": {"type": "string"}}},
            "LoginRequest": {"properties": {"password": {"type": "string"}}}
        }}});
        new_password_characters(&mut d);
        let s = &d["components"]["schemas"];
        assert_eq!(s["RegisterRequest"]["properties"]["password"]["pattern"], NO_CONTROL);
        assert_eq!(s["ChangePasswordRequest"]["properties"]["new_password"]["pattern"], NO_CONTROL);
        assert!(s["ChangePasswordRequest"]["properties"]["current_password"].get("pattern").is_none());
        assert!(s["LoginRequest"]["properties"]["password"].get("pattern").is_none());
    }

    #[test]
    fn request_emails_get_the_email_format_and_responses_stay_as_they_are() {
        let mut d = doc();
        email_format(&mut d);
        assert_eq!(d["components"]["schemas"]["RegisterRequest"]["properties"]["email"]["format"], "email");
        assert!(d["components"]["schemas"]["UserDto"]["properties"]["email"].get("format").is_none());
    }

    #[test]
    fn settings_name_every_key_with_its_type_and_nothing_else() {
        let mut d = doc();
        settings(&mut d);
        let values = &d["components"]["schemas"]["UpdateSettingsRequest"]["properties"]["values"];
        assert_eq!(values["additionalProperties"], false);
        assert_eq!(values["properties"].as_object().map(Map::len), Some(SettingKey::ALL.len()));
        assert_eq!(values["properties"]["auth.registration_open"]["type"], "boolean");
        assert_eq!(values["properties"]["rate_limit.login_failures"]["maximum"], 1000);
        assert_eq!(values["properties"]["i18n.default_locale"]["enum"], json!(["zh-CN", "en"]));
        let key = &d["paths"]["/api/v1/admin/settings/{key}"]["delete"]["parameters"][0]["schema"];
        assert_eq!(key["enum"].as_array().map(Vec::len), Some(SettingKey::ALL.len()));
    }

    #[test]
    fn a_document_without_those_parts_is_left_alone() {
        let mut d = json!({"paths": {}});
        email_format(&mut d);
        new_password_characters(&mut d);
        settings(&mut d);
        assert_eq!(d, json!({"paths": {}}));
    }
}
