//! The OpenAPI document as served, and what the edge learns about each route.
//!
//! Every rule a schema states comes from the type that enforces it ([`crate::api::fields`]). What is left
//! here is what poem-openapi cannot say at all, applied alike to every schema: request objects refuse
//! unknown fields (`additionalProperties: false`; every request struct denies them), an optional query
//! parameter may be sent empty ([`crate::drop_empty_params`]), and unsigned integers are never negative.
//! The edge's [`RouteIndex`] is built from the operations' metadata, not from the finished document.

use poem_openapi::OpenApi;
use poem_openapi::registry::{MetaSchemaRef, Registry};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};

/// The finished document: poem-openapi's `raw` output with the three statements above.
pub fn finish(raw: &str) -> String {
    let Ok(mut doc) = serde_json::from_str::<Value>(raw) else { return raw.to_owned() };
    close_request_objects(&mut doc);
    optional_query_may_be_empty(&mut doc);
    unsigned_integers(&mut doc);
    serde_json::to_string(&doc).unwrap_or_else(|_| raw.to_owned())
}

/// Closes every object with declared properties that a request body holds, nested ones and the shapes
/// of a `oneOf` included; maps (`additionalProperties` given) stay as they are.
fn close_request_objects(doc: &mut Value) {
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
            if let Some(schema) = schemas.get_mut(&name) {
                close(schema);
            }
        }
    }
}

fn close(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else { return };
    if map.contains_key("properties") && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    for nested in map.get_mut("properties").and_then(Value::as_object_mut).into_iter().flat_map(|p| p.values_mut()) {
        close(nested);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for shape in map.get_mut(key).and_then(Value::as_array_mut).into_iter().flatten() {
            close(shape);
        }
    }
}

/// An optional query parameter sent empty (`?to=`) counts as absent (the API drops such pairs before
/// parsing, for HTML forms; docs/api.md): `allowEmptyValue` says so, where the schema alone would call an
/// empty date-time, number or enum invalid.
fn optional_query_may_be_empty(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|ops| ops.values_mut()) {
        for param in op.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
            if param["in"] == "query" && param["required"] != true {
                param["allowEmptyValue"] = Value::Bool(true);
            }
        }
    }
}

/// Unsigned integers (`format: uint32`, `uint64`, as poem-openapi writes `u32`, `u64`) cannot be negative
/// or exceed their width, but the format is not one JSON Schema validators know: every such schema gets
/// `minimum: 0` and the type's maximum unless it states its own, wherever it appears. Whole bounds are
/// written as integers.
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
            // poem-openapi keeps bounds as floats (`100.0`); a whole one is written as the integer it is.
            for key in ["minimum", "maximum"] {
                if let Some(bound) = map.get_mut(key)
                    && let Some(f) = bound.as_f64().filter(|f| bound.is_f64() && f.fract() == 0.0 && f.abs() < 9e15)
                {
                    *bound = Value::from(f as i64);
                }
            }
            map.values_mut().for_each(unsigned_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(unsigned_integers),
        _ => {}
    }
}

/// What the edge needs to know about each route: the methods it allows (for the `Allow` header of a 405)
/// and its parameters (to name them and explain a refusal in our own codes). Keyed by the route pattern as
/// poem reports it: poem-openapi registers path parameters by position, so `/api/v1/admin/users/{id}` is
/// routed as `/api/v1/admin/users/:param0`.
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
    /// Its schema as the document states it, with a top-level `$ref` resolved.
    pub schema: Value,
}

impl RouteIndex {
    /// The index of the operations of `T`, from their metadata.
    pub fn of<T: OpenApi>() -> Self {
        let mut registry = Registry::new();
        T::register(&mut registry);
        let resolve = |schema: &MetaSchemaRef| {
            let mut value = match schema {
                MetaSchemaRef::Reference(name) => registry.schemas.get(name).and_then(|s| serde_json::to_value(s).ok()),
                MetaSchemaRef::Inline(schema) => serde_json::to_value(schema).ok(),
            }
            .unwrap_or(Value::Object(Map::new()));
            unsigned_integers(&mut value);
            value
        };
        let mut methods: HashMap<String, BTreeSet<String>> = HashMap::new();
        let mut index = Self::default();
        for path in T::meta().iter().flat_map(|api| api.paths.iter()) {
            let (pattern, path_names) = route_pattern(&path.path);
            for op in &path.operations {
                let method = op.method.as_str().to_ascii_uppercase();
                methods.entry(pattern.clone()).or_default().insert(op.method.as_str().to_ascii_lowercase());
                let declared: Vec<ParamSpec> = op
                    .params
                    .iter()
                    .map(|p| ParamSpec {
                        name: p.name.clone(),
                        location: serde_json::to_value(p.in_type)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        schema: resolve(&p.schema),
                    })
                    .collect();
                // Path parameters in the order they appear in the path, as poem numbers them.
                let mut params: Vec<ParamSpec> = path_names
                    .iter()
                    .filter_map(|n| declared.iter().find(|p| p.location == "path" && &p.name == n).cloned())
                    .collect();
                params.extend(declared.into_iter().filter(|p| p.location != "path"));
                index.params.entry(pattern.clone()).or_default().insert(method, params);
            }
        }
        for (pattern, methods) in methods {
            let listed: Vec<String> = methods.iter().map(|m| m.to_ascii_uppercase()).collect();
            index.allow.insert(pattern, listed.join(", "));
        }
        index
    }

    /// The `Allow` header value for a route pattern (`DELETE, GET`).
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

/// poem's pattern for a documented path (`/u/{id}` -> `/u/:param0`) and the path parameters' names.
fn route_pattern(path: &str) -> (String, Vec<String>) {
    let mut names = Vec::new();
    let pattern = path
        .split('/')
        .map(|seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                names.push(name.to_owned());
                format!(":param{}", names.len() - 1)
            }
            None => seg.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/");
    (pattern, names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem_openapi::param::{Path, Query};
    use poem_openapi::payload::PlainText;
    use poem_openapi::{Enum, OpenApi};
    use serde_json::json;

    #[test]
    fn request_objects_are_closed_and_maps_are_left_alone() {
        let raw = json!({
            "paths": {"/a/{id}": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}}}, "get": {}}},
            "components": {"schemas": {
                "Req": {"type": "object", "properties": {"x": {"type": "object", "properties": {"y": {"type": "string"}}},
                        "m": {"type": "object", "additionalProperties": {"type": "string"}}},
                        "oneOf": [{"type": "object", "properties": {"z": {"type": "string"}}}]},
                "Resp": {"type": "object", "properties": {"y": {"type": "string"}}}
            }}
        })
        .to_string();
        let done: Value = serde_json::from_str(&finish(&raw)).unwrap();
        let req = &done["components"]["schemas"]["Req"];
        assert_eq!(req["additionalProperties"], false);
        assert_eq!(req["properties"]["x"]["additionalProperties"], false, "nested objects too");
        assert_eq!(req["oneOf"][0]["additionalProperties"], false, "and each shape of a oneOf");
        assert_eq!(req["properties"]["m"]["additionalProperties"]["type"], "string", "maps keep their values");
        assert!(done["components"]["schemas"]["Resp"].get("additionalProperties").is_none(), "responses stay open");
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
                           "c": {"type": "integer", "format": "int64"}, "d": {"type": "integer", "maximum": 100.0}});
        unsigned_integers(&mut d);
        assert_eq!(d["d"]["maximum"], json!(100), "a whole bound reads as an integer");
        assert_eq!((d["a"]["minimum"].as_u64(), d["a"]["maximum"].as_u64()), (Some(0), Some(u64::MAX)));
        assert_eq!((d["b"][0]["minimum"].as_u64(), d["b"][0]["maximum"].as_u64()), (Some(1), Some(4_294_967_295)));
        assert!(d["c"].get("minimum").is_none());
    }

    #[derive(Enum)]
    enum Role {
        User,
        Admin,
    }

    struct Probe;

    #[OpenApi]
    impl Probe {
        #[oai(path = "/u/:id/k/:key", method = "put")]
        async fn put(&self, key: Path<String>, id: Path<uuid::Uuid>, role: Query<Option<Role>>) -> PlainText<String> {
            let _ = (key, id, role);
            PlainText(String::new())
        }

        #[oai(path = "/u/:id/k/:key", method = "delete")]
        async fn delete(&self, id: Path<uuid::Uuid>, key: Path<String>, n: Query<Option<u32>>) -> PlainText<String> {
            let _ = (id, key, n);
            PlainText(String::new())
        }
    }

    #[test]
    fn the_index_comes_from_the_operations_metadata() {
        let index = RouteIndex::of::<Probe>();
        let pattern = "/u/:param0/k/:param1";
        assert_eq!(index.allowed(pattern), Some("DELETE, PUT"));
        assert_eq!(index.param(pattern, "put", "path", "param0").map(|p| p.name.as_str()), Some("id"));
        assert_eq!(index.param(pattern, "PUT", "path", "param1").map(|p| p.name.as_str()), Some("key"));
        let role = index.param(pattern, "PUT", "query", "role").map(|p| p.schema["enum"].clone());
        assert_eq!(role, Some(json!(["User", "Admin"])), "a $ref is resolved");
        let n = index.param(pattern, "DELETE", "query", "n").map(|p| p.schema["maximum"].clone());
        assert_eq!(n, Some(json!(u32::MAX)), "unsigned bounds as the document states them");
        assert!(index.param(pattern, "GET", "query", "role").is_none());
    }
}
