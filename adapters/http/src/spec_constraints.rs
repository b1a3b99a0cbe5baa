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

/// A name or text that is trimmed (Rust's `str::trim`: Unicode white space) before it is checked: white space
/// at either end, then a core that starts and ends with a visible character and holds no control character.
const VISIBLE_TEXT: &str = concat!(
    r"^[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*",
    r"[^\u0000-\u001f\u007f-\u009f \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
    r"(?:[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u001f\u007f-\u009f \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?",
    r"[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
);

/// A message text (`domain::chat::MessageBody`): no control characters but newline and tab, and at least
/// one character that is not blank.
const MESSAGE_TEXT: &str = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$";

/// A UUID in its hyphenated form.
const UUID: &str = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

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
        SettingType::Text { min, max } => {
            json!({"type": "string", "minLength": min, "maxLength": max, "pattern": VISIBLE_TEXT})
        }
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

/// An optional query parameter sent empty (`?to=`) counts as absent (the API drops such pairs before
/// parsing, for HTML forms; docs/api.md): `allowEmptyValue` says so, where the schema alone would call an
/// empty date-time, number or enum invalid.
pub fn optional_query_may_be_empty(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|ops| ops.values_mut()) {
        for param in op.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
            if param["in"] == "query" && param["required"] != true {
                param["allowEmptyValue"] = Value::Bool(true);
            }
        }
    }
}

/// `GET /api/v1/admin/stats/daily?days=` takes 1 to `MAX_DAYS` (the handler answers
/// `validation.out_of_range` otherwise, so the bounds are stated here rather than by a poem validator, whose
/// refusal would carry another code).
pub fn daily_days(doc: &mut Value) {
    let params = doc.pointer_mut("/paths/~1api~1v1~1admin~1stats~1daily/get/parameters").and_then(Value::as_array_mut);
    for param in params.into_iter().flatten() {
        if param["name"] == "days"
            && let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut)
        {
            schema.insert("minimum".into(), Value::from(1));
            schema.insert("maximum".into(), Value::from(application::admin::MAX_DAYS));
        }
    }
}

/// Unsigned integers (`format: uint32`, `uint64`, as poem-openapi writes `u32`, `u64`) cannot be negative
/// or exceed their width, but the format is not one JSON Schema validators know: every such schema gets
/// `minimum: 0` and the type's maximum unless it states its own, wherever it appears.
pub fn unsigned_integers(doc: &mut Value) {
    match doc {
        Value::Object(map) => {
            let width = (map.get("type").and_then(Value::as_str) == Some("integer"))
                .then(|| map.get("format").and_then(Value::as_str))
                .flatten()
                .and_then(|f| match f {
                    "uint8" => Some(u64::from(u8::MAX)),
                    "uint16" => Some(u64::from(u16::MAX)),
                    "uint32" => Some(u64::from(u32::MAX)),
                    "uint64" => Some(u64::MAX),
                    _ => None,
                });
            if let Some(max) = width {
                map.entry("minimum").or_insert_with(|| Value::from(0));
                map.entry("maximum").or_insert_with(|| Value::from(max));
            }
            map.values_mut().for_each(unsigned_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(unsigned_integers),
        _ => {}
    }
}

/// Group names (create, rename) are trimmed and refuse control characters, as `domain::chat::GroupName`.
pub fn group_names(doc: &mut Value) {
    for schema in ["CreateGroupRequest", "RenameGroupRequest"] {
        if let Some(name) =
            doc.pointer_mut(&format!("/components/schemas/{schema}/properties/name")).and_then(Value::as_object_mut)
        {
            name.insert("pattern".into(), Value::String(VISIBLE_TEXT.into()));
        }
    }
}

/// Conversation ids in paths are `d:<user id>:<user id>` or `g:<group id>`; the rule that the two user ids
/// of a direct conversation come in ascending order is stated in the description (no pattern can).
pub fn conversation_ids(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    let pattern = format!("^(d:{UUID}:{UUID}|g:{UUID})$");
    for (_, ops) in paths.iter_mut().filter(|(p, _)| p.starts_with("/api/v1/conversations/{id}")) {
        for op in ops.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
            for param in op.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
                if param["name"] == "id" && param["in"] == "path" {
                    if let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut) {
                        schema.insert("pattern".into(), Value::String(pattern.clone()));
                    }
                    param["description"] = Value::String(
                        "Conversation id: `d:<user id>:<user id>` with the smaller id first, or `g:<group id>`.".into(),
                    );
                }
            }
        }
    }
}

/// Adding a member takes `member` or `admin`; `owner` only comes with a role change (ownership transfer),
/// so the add request gets its own enum instead of the shared member-role one.
pub fn member_roles(doc: &mut Value) {
    if let Some(role) = doc.pointer_mut("/components/schemas/AddMemberRequest/properties/role") {
        let description = role.get("description").cloned().unwrap_or(Value::Null);
        *role = json!({"type": "string", "enum": ["member", "admin"], "description": description});
    }
}

/// A push names a target for the `user` and `group` scopes and none for `online`: two shapes, so the
/// request is a `oneOf` of them (and its example no longer shows a `null` target, which no shape allows).
pub fn push_request(doc: &mut Value) {
    let Some(push) = doc.pointer_mut("/components/schemas/PushRequest") else { return };
    let (Some(mut text), Some(target)) =
        (push.pointer("/properties/text").cloned(), push.pointer("/properties/target_id").cloned())
    else {
        return;
    };
    // The text is a message body: not blank, no control characters but newline and tab.
    if let Some(t) = text.as_object_mut() {
        t.insert("pattern".into(), Value::String(MESSAGE_TEXT.into()));
    }
    let description = push.get("description").cloned().unwrap_or(Value::Null);
    let targeted = json!({
        "type": "object",
        "title": "targeted push",
        "properties": {
            "scope": {"type": "string", "enum": ["user", "group"], "description": "One user or one group."},
            "target_id": target,
            "text": text,
        },
        "required": ["scope", "target_id", "text"],
        "additionalProperties": false,
    });
    let online = json!({
        "type": "object",
        "title": "push to everyone online",
        "properties": {
            "scope": {"type": "string", "enum": ["online"], "description": "Everyone connected now."},
            "text": text,
        },
        "required": ["scope", "text"],
        "additionalProperties": false,
    });
    let example = json!({"scope": "online", "text": "系统将于 22:00 UTC 维护 10 分钟。"});
    *push =
        json!({"title": "PushRequest", "description": description, "oneOf": [targeted, online], "example": example});
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
    fn chat_requests_state_what_the_handlers_refuse() {
        let mut d = json!({
            "paths": {"/api/v1/conversations/{id}/read": {"put": {"parameters": [
                {"name": "id", "in": "path", "schema": {"type": "string"}}
            ]}}},
            "components": {"schemas": {
                "CreateGroupRequest": {"properties": {"name": {"type": "string"}}},
                "AddMemberRequest": {"properties": {"role": {"allOf": [{"$ref": "#/x"}], "description": "d"}}},
                "PushRequest": {"description": "p", "properties": {
                    "scope": {"$ref": "#/s"}, "target_id": {"type": "string", "format": "uuid"}, "text": {"type": "string"}
                }}
            }}
        });
        group_names(&mut d);
        conversation_ids(&mut d);
        member_roles(&mut d);
        push_request(&mut d);
        let s = &d["components"]["schemas"];
        assert_eq!(s["CreateGroupRequest"]["properties"]["name"]["pattern"], VISIBLE_TEXT);
        assert_eq!(s["AddMemberRequest"]["properties"]["role"]["enum"], json!(["member", "admin"]));
        let shapes = s["PushRequest"]["oneOf"].as_array().cloned().unwrap_or_default();
        assert_eq!(shapes.len(), 2);
        assert_eq!(shapes[0]["required"], json!(["scope", "target_id", "text"]));
        assert!(shapes[1]["properties"].get("target_id").is_none());
        assert_eq!(shapes[1]["properties"]["text"]["pattern"], MESSAGE_TEXT);
        let id = &d["paths"]["/api/v1/conversations/{id}/read"]["put"]["parameters"][0]["schema"]["pattern"];
        assert!(id.as_str().is_some_and(|p| p.starts_with("^(d:")), "{id}");
    }

    #[test]
    fn optional_query_parameters_may_be_sent_empty_and_required_ones_may_not() {
        let mut d = json!({"paths": {"/a": {"get": {"parameters": [
            {"name": "to", "in": "query", "required": false, "schema": {"type": "string", "format": "date-time"}},
            {"name": "q", "in": "query", "required": true, "schema": {"type": "string"}},
            {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
        ]}}}});
        optional_query_may_be_empty(&mut d);
        let params = &d["paths"]["/a"]["get"]["parameters"];
        assert_eq!(params[0]["allowEmptyValue"], true);
        assert!(params[1].get("allowEmptyValue").is_none() && params[2].get("allowEmptyValue").is_none());
    }

    #[test]
    fn unsigned_integers_get_a_minimum_of_zero_and_keep_their_own() {
        let mut d = json!({"a": {"type": "integer", "format": "uint64"}, "b": [{"type": "integer", "format": "uint32", "minimum": 1}],
                           "c": {"type": "integer", "format": "int64"}});
        unsigned_integers(&mut d);
        assert_eq!((d["a"]["minimum"].as_u64(), d["a"]["maximum"].as_u64()), (Some(0), Some(u64::MAX)));
        assert_eq!((d["b"][0]["minimum"].as_u64(), d["b"][0]["maximum"].as_u64()), (Some(1), Some(4_294_967_295)));
        assert!(d["c"].get("minimum").is_none());
    }

    #[test]
    fn a_document_without_those_parts_is_left_alone() {
        let mut d = json!({"paths": {}});
        email_format(&mut d);
        new_password_characters(&mut d);
        settings(&mut d);
        group_names(&mut d);
        conversation_ids(&mut d);
        member_roles(&mut d);
        push_request(&mut d);
        optional_query_may_be_empty(&mut d);
        daily_days(&mut d);
        unsigned_integers(&mut d);
        assert_eq!(d, json!({"paths": {}}));
    }
}
