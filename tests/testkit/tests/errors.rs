//! Every error has the same localized body; 404, 405, 413 and bad JSON included. Moved here from the
//! end-to-end suite: none of it needs a separate server process.

use exchange_testkit::TestApp;
use serde_json::Value;

async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> anyhow::Result<(u16, reqwest::header::HeaderMap, Value)> {
    let mut req = reqwest::Client::new().get(format!("{}{path}", app.base_url()));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await?;
    let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
    Ok((status, headers, resp.json().await.unwrap_or(Value::Null)))
}

#[tokio::test]
async fn not_found_is_localized_by_header_and_query() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let (status, headers, zh) = get(&app, "/api/v1/nope", &[]).await?;
    assert_eq!(status, 404);
    assert_eq!(zh["code"], "http.not_found");
    assert_eq!(zh["message"], "请求的资源不存在。");
    assert_eq!(zh["request_id"], headers["x-request-id"].to_str()?);

    let (_, _, en) = get(&app, "/api/v1/nope", &[("accept-language", "fr;q=0.9, en;q=0.8")]).await?;
    assert_eq!(en["message"], "No resource at this address.");
    let (_, _, en) = get(&app, "/api/v1/nope?lang=en", &[("accept-language", "zh-CN")]).await?;
    assert_eq!(en["message"], "No resource at this address.");
    Ok(())
}

#[tokio::test]
async fn wrong_method_is_405_with_the_error_body() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let reply = app.api().lang("en").raw("DELETE", "/ping", None).await?;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.body["code"], "http.method_not_allowed");
    assert_eq!(reply.body["message"], "This address does not accept this HTTP method.");
    Ok(())
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_declared_or_chunked() -> anyhow::Result<()> {
    let app = TestApp::start_with(|c| c.server.body_limit = 2048).await?;
    let url = format!("{}/api/v1/auth/login", app.base_url());
    let big = format!(r#"{{"username":"{}","password":"x"}}"#, "a".repeat(4096));
    let resp =
        reqwest::Client::new().post(&url).header("content-type", "application/json").body(big.clone()).send().await?;
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await?;
    assert_eq!(body["code"], "http.payload_too_large");
    assert_eq!(body["details"]["max"], "2048");
    assert!(body["message"].as_str().unwrap_or_default().contains("2048"));

    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big.as_bytes().chunks(512).map(|c| Ok(c.to_vec())).collect();
    let resp = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await?;
    assert_eq!(resp.status(), 413, "a chunked body cannot get around the limit");
    Ok(())
}

#[tokio::test]
async fn malformed_json_is_a_localized_400() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", app.base_url()))
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .body(r#"{"username": "bob", "password": "#)
        .send()
        .await?;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await?;
    assert_eq!(body["code"], "request.invalid_json");
    assert!(body["details"]["line"].is_string());
    Ok(())
}
