//! Every error has the same localized body; 404, 405, 413 and bad JSON included.

use crate::get_json;
use e2e::ServerBuilder;
use serde_json::Value;

#[tokio::test]
async fn not_found_is_localized_by_header_and_query() {
    let server = ServerBuilder::new().spawn().await;
    let (status, headers, zh) = get_json(&server.url("/api/v1/nope"), &[]).await;
    assert_eq!(status, 404);
    assert_eq!(zh["code"], "http.not_found");
    assert_eq!(zh["message"], "请求的资源不存在。");
    assert_eq!(zh["request_id"], headers["x-request-id"].to_str().unwrap());

    let (_, _, en) = get_json(&server.url("/api/v1/nope"), &[("accept-language", "fr;q=0.9, en;q=0.8")]).await;
    assert_eq!(en["message"], "No resource at this address.");
    let (_, _, en) = get_json(&server.url("/api/v1/nope?lang=en"), &[("accept-language", "zh-CN")]).await;
    assert_eq!(en["message"], "No resource at this address.");
}

#[tokio::test]
async fn wrong_method_is_405_with_the_error_body() {
    let server = ServerBuilder::new().spawn().await;
    let resp = reqwest::Client::new().delete(server.url("/ping")).header("accept-language", "en").send().await.unwrap();
    assert_eq!(resp.status(), 405);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "http.method_not_allowed");
    assert_eq!(body["message"], "This address does not accept this HTTP method.");
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_declared_or_chunked() {
    let server = ServerBuilder::new().env("EXCHANGE__SERVER__BODY_LIMIT", "2048").spawn().await;
    let big = format!(r#"{{"username":"{}","password":"x"}}"#, "a".repeat(4096));
    let resp = reqwest::Client::new()
        .post(server.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "http.payload_too_large");
    assert_eq!(body["details"]["max"], "2048");
    assert!(body["message"].as_str().unwrap().contains("2048"));

    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big.as_bytes().chunks(512).map(|c| Ok(c.to_vec())).collect();
    let resp = reqwest::Client::new()
        .post(server.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413, "a chunked body cannot get around the limit");
}

#[tokio::test]
async fn malformed_json_is_a_localized_400() {
    let server = ServerBuilder::new().spawn().await;
    let resp = reqwest::Client::new()
        .post(server.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .body(r#"{"username": "bob", "password": "#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "request.invalid_json");
    assert!(body["details"]["line"].is_string());
}
