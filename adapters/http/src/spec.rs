//! The OpenAPI document as served: poem-openapi's output plus what it cannot express.
//!
//! poem-openapi has no way to say `additionalProperties: false`, yet every request body refuses unknown
//! fields (`request.unknown_field`); without it, clients and fuzzers are told extra fields are fine. The
//! same document also tells the edge which methods each path allows, for the `Allow` header of a 405.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// Closes every request-body schema (objects only, maps keep their value schema) and returns the
/// document as a string.
pub fn finish(raw: &str) -> String {
    let Ok(mut doc) = serde_json::from_str::<Value>(raw) else { return raw.to_owned() };
    let request_schemas: Vec<String> = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|ops| ops.values())
        .filter_map(|op| op.pointer("/requestBody/content"))
        .filter_map(Value::as_object)
        .flat_map(|content| content.values())
        .filter_map(|media| media.pointer("/schema/$ref").and_then(Value::as_str))
        .filter_map(|r| r.strip_prefix("#/components/schemas/").map(str::to_owned))
        .collect();
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for name in request_schemas {
            if let Some(Value::Object(schema)) = schemas.get_mut(&name)
                && schema.contains_key("properties")
                && !schema.contains_key("additionalProperties")
            {
                schema.insert("additionalProperties".into(), Value::Bool(false));
            }
        }
    }
    crate::spec_constraints::email_format(&mut doc);
    crate::spec_constraints::new_password_characters(&mut doc);
    crate::spec_constraints::settings(&mut doc);
    serde_json::to_string(&doc).unwrap_or_else(|_| raw.to_owned())
}

/// Route pattern as poem reports it -> `Allow` header value (`GET, DELETE`). poem-openapi registers path
/// parameters by position, so `/api/v1/admin/users/{id}` is routed as `/api/v1/admin/users/:param0`.
pub fn allow_index(doc: &str) -> HashMap<String, String> {
    let Ok(doc) = serde_json::from_str::<Value>(doc) else { return HashMap::new() };
    let empty = Map::new();
    doc["paths"]
        .as_object()
        .unwrap_or(&empty)
        .iter()
        .map(|(path, ops)| {
            let mut params = 0;
            let pattern = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') && seg.ends_with('}') {
                        params += 1;
                        format!(":param{}", params - 1)
                    } else {
                        seg.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let methods: Vec<String> = ops.as_object().unwrap_or(&empty).keys().map(|m| m.to_uppercase()).collect();
            (pattern, methods.join(", "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_objects_are_closed_and_maps_are_left_alone() {
        let raw = json!({
            "paths": {"/a/{id}": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}}}, "get": {}}},
            "components": {"schemas": {
                "Req": {"type": "object", "properties": {"x": {"type": "string"}}},
                "Map": {"type": "object", "additionalProperties": {"type": "string"}},
                "Resp": {"type": "object", "properties": {"y": {"type": "string"}}}
            }}
        })
        .to_string();
        let done: Value = serde_json::from_str(&finish(&raw)).unwrap();
        assert_eq!(done["components"]["schemas"]["Req"]["additionalProperties"], false);
        assert!(done["components"]["schemas"]["Resp"].get("additionalProperties").is_none(), "responses stay open");
        assert_eq!(done["components"]["schemas"]["Map"]["additionalProperties"]["type"], "string");
        let allow = allow_index(&raw);
        let methods = &allow["/a/:param0"];
        assert!(methods.contains("POST") && methods.contains("GET"), "{methods}");
    }
}
