//! The OpenAPI document as served: poem-openapi's output plus what it cannot express.
//!
//! poem-openapi has no way to say `additionalProperties: false`, yet every request body refuses unknown
//! fields (`request.unknown_field`); without it, clients and fuzzers are told extra fields are fine. The
//! same document also tells the edge which methods each path allows, for the `Allow` header of a 405, and
//! what each operation's parameters are called and allow, to explain a refused one.

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
    crate::spec_constraints::group_names(&mut doc);
    crate::spec_constraints::conversation_ids(&mut doc);
    crate::spec_constraints::member_roles(&mut doc);
    crate::spec_constraints::push_request(&mut doc);
    crate::spec_constraints::optional_query_may_be_empty(&mut doc);
    crate::spec_constraints::daily_days(&mut doc);
    crate::spec_constraints::unsigned_integers(&mut doc);
    serde_json::to_string(&doc).unwrap_or_else(|_| raw.to_owned())
}

/// What the edge needs to know about each route from the document: the methods it allows (for the `Allow`
/// header of a 405) and its parameters (to name them and explain a refusal in our own codes). Keyed by
/// the route pattern as poem reports it: poem-openapi registers path parameters by position, so
/// `/api/v1/admin/users/{id}` is routed as `/api/v1/admin/users/:param0`.
#[derive(Debug, Default)]
pub struct RouteIndex {
    allow: HashMap<String, String>,
    /// Pattern -> upper-case method -> parameters, path parameters in path order first.
    params: HashMap<String, HashMap<String, Vec<ParamSpec>>>,
}

/// One documented parameter of an operation.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamSpec {
    /// The name the document (and the client) uses.
    pub name: String,
    /// `query`, `path` or `header`.
    pub location: String,
    /// Its schema, with a top-level `$ref` resolved.
    pub schema: Value,
}

impl RouteIndex {
    /// The `Allow` header value for a route pattern (`GET, DELETE`).
    pub fn allowed(&self, pattern: &str) -> Option<&str> {
        self.allow.get(pattern).map(String::as_str)
    }

    /// The documented parameter poem calls `name` in `location` on `method pattern`. poem names path
    /// parameters `param<N>` (their position), the document by their real name.
    pub fn param(&self, pattern: &str, method: &str, location: &str, name: &str) -> Option<&ParamSpec> {
        let params = self.params.get(pattern)?.get(&method.to_ascii_uppercase())?;
        let mut in_location = params.iter().filter(|p| p.location == location);
        let by_position =
            (location == "path").then(|| name.strip_prefix("param").and_then(|n| n.parse::<usize>().ok())).flatten();
        match by_position {
            Some(n) => in_location.nth(n),
            None => in_location.find(|p| p.name == name),
        }
    }
}

/// The route index of a finished document (see [`RouteIndex`]).
pub fn allow_index(doc: &str) -> RouteIndex {
    let Ok(doc) = serde_json::from_str::<Value>(doc) else { return RouteIndex::default() };
    let empty = Map::new();
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object).unwrap_or(&empty);
    let resolve = |schema: &Value| {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .and_then(|name| schemas.get(name))
            .cloned()
            .unwrap_or_else(|| schema.clone())
    };
    let mut index = RouteIndex::default();
    for (path, ops) in doc["paths"].as_object().unwrap_or(&empty) {
        let mut path_names = Vec::new();
        let pattern = path
            .split('/')
            .map(|seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    path_names.push(name.to_owned());
                    format!(":param{}", path_names.len() - 1)
                }
                None => seg.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/");
        let ops = ops.as_object().unwrap_or(&empty);
        let methods: Vec<String> = ops.keys().map(|m| m.to_uppercase()).collect();
        index.allow.insert(pattern.clone(), methods.join(", "));
        for (method, op) in ops {
            let declared: Vec<ParamSpec> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| ParamSpec {
                    name: p["name"].as_str().unwrap_or_default().to_owned(),
                    location: p["in"].as_str().unwrap_or_default().to_owned(),
                    schema: resolve(&p["schema"]),
                })
                .collect();
            // Path parameters in the order they appear in the path, as poem numbers them.
            let mut params: Vec<ParamSpec> = path_names
                .iter()
                .filter_map(|n| declared.iter().find(|p| p.location == "path" && &p.name == n).cloned())
                .collect();
            params.extend(declared.into_iter().filter(|p| p.location != "path"));
            index.params.entry(pattern.clone()).or_default().insert(method.to_uppercase(), params);
        }
    }
    index
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
        let index = allow_index(&raw);
        let methods = index.allowed("/a/:param0").unwrap_or_default();
        assert!(methods.contains("POST") && methods.contains("GET"), "{methods}");
    }

    #[test]
    fn path_parameters_are_found_by_position_and_query_ones_by_name() {
        let raw = json!({
            "paths": {"/u/{id}/k/{key}": {"put": {"parameters": [
                {"name": "key", "in": "path", "schema": {"type": "string"}},
                {"name": "id", "in": "path", "schema": {"type": "string", "format": "uuid"}},
                {"name": "role", "in": "query", "schema": {"$ref": "#/components/schemas/Role"}}
            ]}}},
            "components": {"schemas": {"Role": {"type": "string", "enum": ["user", "admin"]}}}
        })
        .to_string();
        let index = allow_index(&raw);
        let id = index.param("/u/:param0/k/:param1", "put", "path", "param0").map(|p| p.name.as_str());
        assert_eq!(id, Some("id"));
        let key = index.param("/u/:param0/k/:param1", "PUT", "path", "param1").map(|p| p.name.as_str());
        assert_eq!(key, Some("key"));
        let role = index.param("/u/:param0/k/:param1", "PUT", "query", "role").map(|p| p.schema["enum"].clone());
        assert_eq!(role, Some(json!(["user", "admin"])));
        assert!(index.param("/u/:param0/k/:param1", "GET", "query", "role").is_none());
    }
}
