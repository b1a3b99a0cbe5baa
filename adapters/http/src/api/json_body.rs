//! A JSON request body whose errors name the field: schema from poem-openapi, parsing by serde.
//!
//! poem-openapi's own `Json<T>` reports a missing or mistyped field without naming it. `JsonBody<T>`
//! documents exactly the same schema (`T: Type`) but parses with serde and `serde_path_to_error`, so a
//! client learns `details.field = "username"` and a localized reason.

use crate::problem::ApiError;
use poem::http::StatusCode;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::de::DeserializeOwned;

/// A request body of type `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(m) if m.type_() == "application"
            && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + DeserializeOwned + Send> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        // serde also builds structs from JSON arrays (by position); the API only takes objects.
        match data.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => {}
            Some(_) => {
                return Err(ApiError::new(StatusCode::BAD_REQUEST, "validation.wrong_type")
                    .with_param("field", "body")
                    .with_param("expected", "object")
                    .into());
            }
            None => {
                return Err(ApiError::new(StatusCode::BAD_REQUEST, "validation.required")
                    .with_param("field", "body")
                    .into());
            }
        }
        let mut de = serde_json::Deserializer::from_slice(&data);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
            // serde_json reports a value an enum cannot start with (`{"role": 1}`) as a syntax error; only a
            // document that does not parse at all is bad JSON.
            let parses = serde_json::from_slice::<serde::de::IgnoredAny>(&data).is_ok();
            classify(&err, parses)
        })?;
        de.end().map_err(|err| invalid_json(&err))?;
        Ok(Self(value))
    }
}

poem_openapi::impl_apirequest_for_payload!(JsonBody<T>, T: Type + DeserializeOwned + Send);

/// For optional request fields: absent means "not given", but an explicit `null` is refused as the wrong
/// type, as the schema (optional, not nullable) says. Use with `#[serde(default, deserialize_with = ...)]`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

fn invalid_json(err: &serde_json::Error) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "request.invalid_json")
        .with_param("line", err.line().to_string())
        .with_param("column", err.column().to_string())
}

/// The full path of `field` under `path`. For unknown fields serde_path_to_error's path already ends
/// with the field, for missing ones it stops at the parent.
fn join(path: &str, field: &str) -> String {
    if path.is_empty() || path == "." {
        field.to_owned()
    } else if path == field || path.ends_with(&format!(".{field}")) {
        path.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// serde's type names in the words our catalogues know.
fn expected_kind(expected: &str) -> &'static str {
    let e = expected.to_ascii_lowercase();
    if e.contains("string") || e.contains("char") {
        "string"
    } else if e.contains("bool") {
        "boolean"
    } else if e.contains("integer") || e.starts_with('i') || e.starts_with('u') {
        "integer"
    } else if e.contains("sequence") || e.contains("array") {
        "array"
    } else if e.contains("map") || e.contains("struct") || e.contains("object") {
        "object"
    } else if e.contains("f64") || e.contains("f32") || e.contains("number") {
        "number"
    } else {
        "value"
    }
}

fn quoted(msg: &str) -> Option<&str> {
    msg.split('`').nth(1)
}

/// The error for a body that did not deserialize; `parses` says whether it is well-formed JSON at all.
fn classify(err: &serde_path_to_error::Error<serde_json::Error>, parses: bool) -> ApiError {
    let inner = err.inner();
    let path = err.path().to_string();
    if !inner.is_data() {
        if parses && !path.is_empty() && path != "." {
            // Well-formed JSON that an enum field's deserializer refused as a syntax error: a number,
            // `null`, a boolean or an array where one of its names belongs.
            return ApiError::new(StatusCode::BAD_REQUEST, "validation.wrong_type")
                .with_param("field", path)
                .with_param("expected", "string");
        }
        return invalid_json(inner);
    }
    let msg = inner.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg);
    if let (true, Some(field)) = (msg.starts_with("missing field"), quoted(msg)) {
        return ApiError::new(StatusCode::BAD_REQUEST, "validation.required").with_param("field", join(&path, field));
    }
    if let (true, Some(field)) = (msg.starts_with("unknown field"), quoted(msg)) {
        return ApiError::new(StatusCode::BAD_REQUEST, "request.unknown_field").with_param("field", join(&path, field));
    }
    if let Some((_, expected)) = msg.strip_prefix("invalid type: ").and_then(|rest| rest.rsplit_once(", expected ")) {
        return ApiError::new(StatusCode::BAD_REQUEST, "validation.wrong_type")
            .with_param("field", path)
            .with_param("expected", expected_kind(expected));
    }
    if msg.starts_with("unknown variant") {
        // "unknown variant `god`, expected one of `user`, `admin`, `super_admin`" (or "expected `a` or `b`"):
        // only the names, never serde's English around them.
        let expected = msg.split_once("expected ").map_or("", |(_, a)| a);
        let allowed: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let allowed = allowed.join(", ");
        return ApiError::new(StatusCode::BAD_REQUEST, "validation.not_one_of")
            .with_param("field", path)
            .with_param("allowed", allowed);
    }
    ApiError::new(StatusCode::BAD_REQUEST, "request.invalid_field").with_param("field", path).with_param("reason", msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Login {
        username: String,
        remember: Option<bool>,
        #[serde(default, deserialize_with = "present")]
        profile: Option<Profile>,
        #[serde(default, deserialize_with = "present")]
        role: Option<Role>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Role {
        User,
        Admin,
        SuperAdmin,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Profile {
        locale: String,
    }

    fn parse(body: &str) -> ApiError {
        let mut de = serde_json::Deserializer::from_str(body);
        match serde_path_to_error::deserialize::<_, Login>(&mut de) {
            Ok(_) => match de.end() {
                Ok(()) => panic!("{body} parsed"),
                Err(e) => invalid_json(&e),
            },
            Err(e) => classify(&e, serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok()),
        }
    }

    fn field(err: &ApiError) -> Option<&str> {
        err.params.iter().find(|(k, _)| *k == "field").map(|(_, v)| v.as_str())
    }

    #[test]
    fn errors_name_the_field_and_the_reason() {
        let missing = parse("{}");
        assert_eq!((missing.code, field(&missing)), ("validation.required", Some("username")));
        let wrong = parse(r#"{"username": 5}"#);
        assert_eq!((wrong.code, field(&wrong)), ("validation.wrong_type", Some("username")));
        assert!(wrong.params.contains(&("expected", "string".into())));
        let unknown = parse(r#"{"username": "a", "admin": true}"#);
        assert_eq!((unknown.code, field(&unknown)), ("request.unknown_field", Some("admin")));
        let nested_missing = parse(r#"{"username": "a", "profile": {}}"#);
        assert_eq!(field(&nested_missing), Some("profile.locale"));
        let nested_unknown = parse(r#"{"username": "a", "profile": {"locale": "en", "x": 1}}"#);
        assert_eq!(field(&nested_unknown), Some("profile.x"));
        assert_eq!(parse(r#"{"username": "#).code, "request.invalid_json");
        assert_eq!(parse(r#"{"username": "a"} trailing"#).code, "request.invalid_json");
        assert_eq!(parse("").code, "request.invalid_json");
        let null = parse(r#"{"username": "a", "profile": null}"#);
        assert_eq!((null.code, field(&null)), ("validation.wrong_type", Some("profile")));
    }

    /// Regression: serde_json refuses a non-string enum value as a syntax error, which read "not valid JSON".
    #[test]
    fn a_wrong_type_on_an_enum_field_names_the_field() {
        for value in ["1", "null", "true", r#"["admin"]"#] {
            let err = parse(&format!(r#"{{"username": "a", "role": {value}}}"#));
            assert_eq!((err.code, field(&err)), ("validation.wrong_type", Some("role")), "{value}");
            assert!(err.params.contains(&("expected", "string".into())), "{value}");
        }
        let unknown = parse(r#"{"username": "a", "role": "god"}"#);
        assert_eq!((unknown.code, field(&unknown)), ("validation.not_one_of", Some("role")));
        assert!(unknown.params.contains(&("allowed", "user, admin, super_admin".into())), "{:?}", unknown.params);
        let cut = parse(r#"{"username": "a", "role": "#);
        assert_eq!(cut.code, "request.invalid_json", "a document cut short is still bad JSON");
        let bad = parse(r#"{"username": "a", "role": tru}"#);
        assert_eq!(bad.code, "request.invalid_json");
    }
}
