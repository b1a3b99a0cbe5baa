//! Ping, health, metrics, the OpenAPI document and its docs page, request ids, log files.

use crate::get_json;
use e2e::ServerBuilder;
use serde_json::Value;

#[tokio::test]
async fn ping_answers_pong_with_a_request_id() {
    let server = ServerBuilder::new().spawn().await;
    let resp = reqwest::get(server.url("/ping")).await.unwrap();
    assert_eq!(resp.status(), 200);
    let id = resp.headers().get("x-request-id").expect("x-request-id").to_str().unwrap().to_owned();
    assert!(uuid_like(&id), "{id}");
    assert_eq!(resp.text().await.unwrap(), "pong");

    let resp = reqwest::Client::new().get(server.url("/ping")).header("x-request-id", "trace-42").send().await.unwrap();
    assert_eq!(resp.headers()["x-request-id"], "trace-42");
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn liveness_and_readiness_on_the_embedded_default() {
    let server = ServerBuilder::new().spawn().await;
    let (status, _, body) = get_json(&server.url("/health/live"), &[]).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, _, body) = get_json(&server.url("/health/ready"), &[]).await;
    assert_eq!(status, 200, "{body}");
    let checks = body["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 1, "only the SQLite database is configured: {body}");
    assert_eq!(checks[0]["name"], "database");
    assert_eq!(checks[0]["status"], "up");
    assert!(checks[0]["latency_ms"].as_f64().unwrap() >= 0.0);
}

#[tokio::test]
async fn readiness_checks_redis_and_names_it_when_down() {
    let healthy = ServerBuilder::new()
        .env("EXCHANGE__REDIS__HOST", "127.0.0.1")
        .env("EXCHANGE__REDIS__PORT", "6379")
        .env("EXCHANGE__REDIS__KEY_PREFIX", format!("e2e-{}:", e2e::free_port()))
        .spawn()
        .await;
    // Redis is connected in the background: ready once it answers, as a load balancer would see.
    let mut ready = get_json(&healthy.url("/health/ready"), &[]).await;
    for _ in 0..100 {
        if ready.0 == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        ready = get_json(&healthy.url("/health/ready"), &[]).await;
    }
    let (status, _, body) = ready;
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> = body["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["database", "redis"]);

    let dead = ServerBuilder::new()
        .env("EXCHANGE__REDIS__HOST", "127.0.0.1")
        .env("EXCHANGE__REDIS__PORT", e2e::free_port().to_string())
        .spawn()
        .await;
    let (status, headers, body) = get_json(&dead.url("/health/ready"), &[("accept-language", "en")]).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "health.not_ready");
    assert_eq!(body["details"]["backends"], "redis");
    assert!(body["message"].as_str().unwrap().contains("redis"), "{body}");
    assert_eq!(body["request_id"], headers["x-request-id"].to_str().unwrap());
    let checks = body["details"]["checks"].as_array().unwrap();
    let redis = checks.iter().find(|c| c["name"] == "redis").unwrap();
    assert_eq!(redis["status"], "down");
    let db = checks.iter().find(|c| c["name"] == "database").unwrap();
    assert_eq!(db["status"], "up");
    assert!(db.get("error").is_none(), "no `error: null` for a healthy backend: {db}");
    assert!(redis["error"].is_string(), "{redis}");
}

#[tokio::test]
async fn openapi_document_lists_the_operations_and_docs_render() {
    let server = ServerBuilder::new().spawn().await;
    let (status, _, spec) = get_json(&server.url("/openapi.json"), &[]).await;
    assert_eq!(status, 200);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."), "{}", spec["openapi"]);
    let paths = spec["paths"].as_object().unwrap();
    for path in ["/ping", "/health/live", "/health/ready", "/metrics", "/api/v1/auth/login", "/api/v1/admin/users"] {
        assert!(paths.contains_key(path), "{path} missing from {:?}", paths.keys().collect::<Vec<_>>());
    }
    assert!(spec["components"]["schemas"]["ErrorBody"].is_object());
    let ready_503 = &spec["paths"]["/health/ready"]["get"]["responses"]["503"];
    assert!(ready_503.is_object(), "error responses are documented");

    let docs = reqwest::get(server.url("/docs")).await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().to_lowercase().contains("swagger"));

    let printed = e2e::run_once(server.dir(), &["openapi"], &[]);
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let printed: Value = serde_json::from_slice(&printed.stdout).expect("openapi prints JSON");
    assert_eq!(printed["paths"].as_object().unwrap().len(), paths.len());
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let server = ServerBuilder::new().spawn().await;
    for _ in 0..3 {
        reqwest::get(server.url("/ping")).await.unwrap();
    }
    reqwest::get(server.url("/no-such-page")).await.unwrap();
    // Errors on real routes count under the route, not with the unmatched paths.
    assert_eq!(reqwest::get(server.url("/api/v1/users/me")).await.unwrap().status(), 401);
    let client = reqwest::Client::new();
    assert_eq!(client.delete(server.url("/ping")).send().await.unwrap().status(), 405);
    let text = reqwest::get(server.url("/metrics")).await.unwrap().text().await.unwrap();
    let counted = |route: &str, status: &str| {
        text.lines().any(|l| {
            l.starts_with("http_requests_total")
                && l.contains(&format!("route=\"{route}\""))
                && l.contains(&format!("status=\"{status}\""))
        })
    };
    assert!(counted("/api/v1/users/me", "401"), "{text}");
    assert!(counted("/ping", "405"), "{text}");
    assert!(counted("unmatched", "404"), "{text}");
    let ping = text
        .lines()
        .find(|l| l.starts_with("http_requests_total") && l.contains("route=\"/ping\"") && l.contains("status=\"200\""))
        .unwrap_or_else(|| panic!("no ping counter in\n{text}"));
    let count: f64 = ping.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 3.0, "{ping}");
    assert!(text.contains("status=\"404\""), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains("http_requests_in_flight"), "{text}");
}

#[tokio::test]
async fn log_files_are_written_per_kind() {
    let server = ServerBuilder::new().env("EXCHANGE__LOG__ENABLE_FILE", "true").spawn().await;
    let resp = reqwest::Client::new()
        .get(server.url("/nothing-here"))
        .header("x-request-id", "log-check-1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let logs = server.dir().join("logs");
    let access = wait_for_line(&logs.join("access.log"), "log-check-1").await;
    let line: Value = serde_json::from_str(&access).expect("access line is JSON");
    let flat = line.to_string();
    for needle in ["\"status\":404", "\"method\":\"GET\"", "/nothing-here", "latency_ms", "client_ip"] {
        assert!(flat.contains(needle), "{needle} missing in {flat}");
    }
    assert!(logs.join("app.log").exists());
    assert!(logs.join("error.log").exists());
    assert!(logs.join("cron").join("cron.log").exists());
}

async fn wait_for_line(path: &std::path::Path, needle: &str) -> String {
    for _ in 0..100 {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Some(line) = text.lines().find(|l| l.contains(needle))
        {
            return line.to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{needle} never appeared in {}", path.display());
}

#[tokio::test]
#[cfg_attr(mongodb_uri_unset, ignore = "MONGODB_URI not set")]
async fn readiness_checks_mongodb_when_messages_live_there() {
    let uri = std::env::var("MONGODB_URI").expect("MONGODB_URI");
    let database = format!("xt_ready_{}", e2e::free_port());
    let server = ServerBuilder::new()
        .env("EXCHANGE__MONGODB__URI", &uri)
        .env("EXCHANGE__MONGODB__DATABASE", &database)
        .spawn()
        .await;
    let (status, _, body) = get_json(&server.url("/health/ready"), &[]).await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> = body["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["database", "mongodb"]);
}

#[test]
fn an_unreachable_mongodb_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let uri = format!("mongodb://127.0.0.1:{}/?directConnection=true&serverSelectionTimeoutMS=500", e2e::free_port());
    let out = e2e::run_once(
        dir.path(),
        &["serve"],
        &[("EXCHANGE__MONGODB__URI", &uri), ("EXCHANGE__MONGODB__DATABASE", "exchange")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("mongodb"), "{stderr}");
    // The cause chain is printed once, not each layer repeating the one below it.
    let summary = stderr.lines().find(|l| l.starts_with("exchange:")).expect("an `exchange:` summary line");
    assert_eq!(summary.matches("cannot reach MongoDB").count(), 1, "{summary}");
}
