//! A query or path parameter poem-openapi refused, explained in our validation codes: named as the
//! document names it (poem calls path parameters `param0`, `param1`...) and with the rule it broke taken
//! from the document, never poem's English reason.

use crate::problem::ApiError;
use crate::spec::ParamSpec;
use poem::http::StatusCode;
use serde_json::Value;

/// The error for parameter `name` (poem's name) refused with `reason`, given its documented spec.
pub(super) fn refused(name: &str, reason: &str, spec: Option<&ParamSpec>) -> ApiError {
    let Some(spec) = spec else {
        // Not in the document (an operation outside the spec): say which parameter, not why in English.
        return invalid(name, "value");
    };
    let (field, schema) = (spec.name.as_str(), &spec.schema);
    if reason.contains("expects an input value") {
        return ApiError::new(StatusCode::BAD_REQUEST, "validation.required").with_param("field", field);
    }
    if let Some(rule) = reason.strip_prefix("verification failed. ") {
        return broken_rule(field, rule, schema);
    }
    if let Some(allowed) = schema["enum"].as_array() {
        let allowed: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
        return ApiError::new(StatusCode::BAD_REQUEST, "validation.not_one_of")
            .with_param("field", field)
            .with_param("allowed", allowed.join(", "));
    }
    match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("string"), Some(format @ ("uuid" | "date-time" | "date"))) => invalid(field, format),
        (Some("integer"), _) if reason.contains("too large") || reason.contains("too small") => {
            out_of_range(field, schema)
        }
        (Some(kind @ ("integer" | "number" | "boolean")), _) => {
            ApiError::new(StatusCode::BAD_REQUEST, "validation.wrong_type")
                .with_param("field", field)
                .with_param("expected", kind)
        }
        _ => invalid(field, "value"),
    }
}

fn invalid(field: &str, expected: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "validation.invalid_format")
        .with_param("field", field)
        .with_param("expected", expected)
}

/// A poem validator's refusal (`maximum(100, exclusive: false)`, `maxLength(64)`...), with the bounds the
/// document states.
fn broken_rule(field: &str, rule: &str, schema: &Value) -> ApiError {
    if rule.starts_with("maximum") || rule.starts_with("minimum") {
        return out_of_range(field, schema);
    }
    if rule.starts_with("maxLength") {
        return ApiError::new(StatusCode::BAD_REQUEST, "validation.too_long")
            .with_param("field", field)
            .with_param("max", bound(schema, "maxLength"));
    }
    if rule.starts_with("minLength") {
        return ApiError::new(StatusCode::BAD_REQUEST, "validation.too_short")
            .with_param("field", field)
            .with_param("min", bound(schema, "minLength"));
    }
    invalid(field, "value")
}

/// A bound the document states, as text. poem-openapi writes validator bounds as floats (`1.0`); whole
/// ones read as integers.
fn bound(schema: &Value, key: &str) -> String {
    match &schema[key] {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn out_of_range(field: &str, schema: &Value) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "validation.out_of_range")
        .with_param("field", field)
        .with_param("min", bound(schema, "minimum"))
        .with_param("max", bound(schema, "maximum"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(name: &str, schema: Value) -> ParamSpec {
        ParamSpec { name: name.into(), location: "query".into(), schema }
    }

    fn param<'a>(err: &'a ApiError, key: &str) -> Option<&'a str> {
        err.params.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn poems_reasons_become_our_codes_with_the_documented_bounds() {
        let size = spec("size", json!({"type": "integer", "format": "uint32", "minimum": 1.0, "maximum": 100}));
        let err = refused("size", "verification failed. maximum(100, exclusive: false)", Some(&size));
        assert_eq!(
            (err.code, param(&err, "min"), param(&err, "max")),
            ("validation.out_of_range", Some("1"), Some("100"))
        );
        let err =
            refused("size", r#"failed to parse "integer_uint32": number too large to fit in target type"#, Some(&size));
        assert_eq!(err.code, "validation.out_of_range");
        let err = refused("size", r#"failed to parse "integer_uint32": invalid digit found in string"#, Some(&size));
        assert_eq!((err.code, param(&err, "expected")), ("validation.wrong_type", Some("integer")));

        let role = spec("role", json!({"type": "string", "enum": ["user", "admin", "super_admin"]}));
        let err = refused("role", r#"failed to parse "RoleDto": Expect a valid enumeration value."#, Some(&role));
        assert_eq!((err.code, param(&err, "allowed")), ("validation.not_one_of", Some("user, admin, super_admin")));

        let id = ParamSpec {
            name: "id".into(),
            location: "path".into(),
            schema: json!({"type": "string", "format": "uuid"}),
        };
        let err = refused("param0", r#"failed to parse "string_uuid": invalid character"#, Some(&id));
        assert_eq!(
            (err.code, param(&err, "field"), param(&err, "expected")),
            ("validation.invalid_format", Some("id"), Some("uuid"))
        );

        let search = spec("search", json!({"type": "string", "maxLength": 100}));
        let err = refused("search", "verification failed. maxLength(100)", Some(&search));
        assert_eq!((err.code, param(&err, "max")), ("validation.too_long", Some("100")));

        let err = refused("x", "anything at all", None);
        assert!(err.params.iter().all(|(_, v)| !v.contains("anything")), "poem's reason is never shown");
    }
}
