//! A JSON request body whose errors name the field: schema from poem-openapi, parsing by serde.
//!
//! poem-openapi's own `Json<T>` reports a missing or mistyped field without naming it. `JsonBody<T>`
//! documents exactly the same schema (`T: Type`) but parses with serde and `serde_path_to_error`, so a
//! client learns `details.field = "username"` and a localized reason. Fields with a domain rule
//! ([`super::fields`]) parse through the domain during that same pass and are refused with the domain's
//! violation, named by their path.

use crate::problem::ApiError;
use domain::{ValidationError, Violation};
use poem::http::StatusCode;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::de::DeserializeOwned;
use std::cell::Cell;

thread_local! {
    /// serde_json keeps only the message of an error that a field's `Deserialize` raises. A field that
    /// parses through the domain leaves the typed violation here; [`JsonBody`] takes it right after the
    /// synchronous `deserialize` call on the same thread.
    static REFUSED: Cell<Option<Violation>> = const { Cell::new(None) };
}

/// The error a field's `Deserialize` returns when the domain refused its value.
pub(crate) fn refuse<E: serde::de::Error>(violation: Violation) -> E {
    let message = violation.to_string();
    REFUSED.set(Some(violation));
    E::custom(message)
}

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
        Ok(Self(read(&data)?))
    }
}

/// Reads a JSON object body into `T`, or the error naming what is wrong with it.
fn read<T: DeserializeOwned>(data: &[u8]) -> Result<T, ApiError> {
    // serde also builds structs from JSON arrays (by position); the API only takes objects.
    match data.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        Some(_) => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "validation.wrong_type")
                .with_param("field", "body")
                .with_param("expected", "object"));
        }
        None => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "validation.required").with_param("field", "body"));
        }
    }
    let mut de = serde_json::Deserializer::from_slice(data);
    REFUSED.take();
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        if let Some(violation) = REFUSED.take() {
            // A value refused before the reader reached a syntax error further on: bad JSON wins, as it did
            // when fields were only checked after the whole body was read.
            return match serde_json::from_slice::<serde::de::IgnoredAny>(data) {
                Ok(_) => ApiError::from(ValidationError::new(err.path().to_string(), violation)),
                Err(syntax) => invalid_json(&syntax),
            };
        }
        // serde_json reports a value an enum cannot start with (`{"role": 1}`) as a syntax error; only a
        // document that does not parse at all is bad JSON.
        let parses = serde_json::from_slice::<serde::de::IgnoredAny>(data).is_ok();
        classify(&err, parses)
    })?;
    de.end().map_err(|err| invalid_json(&err))?;
    Ok(value)
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
    struct Named {
        username: crate::api::fields::UsernameText,
        email: Option<crate::api::fields::EmailText>,
    }

    /// Fields with a domain rule are refused with the domain's violation, named by their path; bad JSON
    /// further on still reads as bad JSON.
    #[test]
    fn domain_refusals_name_the_field_and_bad_json_wins() {
        let refused = read::<Named>(br#"{"username": "ab"}"#).expect_err("too short");
        assert_eq!((refused.code, field(&refused)), ("validation.too_short", Some("username")));
        assert!(refused.params.contains(&("min", "3".into())));
        let email = read::<Named>(br#"{"username": "bob", "email": "000"}"#).expect_err("not an address");
        assert_eq!((email.code, field(&email)), ("validation.invalid_format", Some("email")));
        assert_eq!(read::<Named>(br#"{"username": "ab", "#).map(drop).unwrap_err().code, "request.invalid_json");
        let missing = read::<Named>(br#"{"email": "bob@example.com"}"#).expect_err("missing");
        assert_eq!((missing.code, field(&missing)), ("validation.required", Some("username")), "no stale refusal");
        assert!(read::<Named>(r#"{"username": "山田_taro"}"#.as_bytes()).is_ok());
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Profile {
        locale: String,
    }

    fn parse(body: &str) -> ApiError {
        match read::<Login>(body.as_bytes()) {
            Ok(_) => panic!("{body} parsed"),
            Err(e) => e,
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
        assert_eq!(parse("").code, "validation.required", "an empty body is a missing one");
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
