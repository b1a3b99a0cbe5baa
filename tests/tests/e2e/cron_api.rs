//! The cron page's API through `exchange serve --with-cron` on the embedded default: admins only, tasks with
//! their state, run now, pause and resume (audited), run history filters, errors in the platform's shape.

use e2e::ServerBuilder;
use e2e::api::Api;
use e2e::backends::{Composition, World};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Cron-Operator-2026!";

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> Option<Value>) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "{what} did not happen in time");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn operators_see_tasks_run_them_now_pause_and_resume() {
    let cron_port = e2e::free_port();
    let builder = ServerBuilder::new().arg("--with-cron").env("EXCHANGE__CRON__WEB_PORT", cron_port.to_string());
    let world = World::start(Composition::Embedded, builder).await;
    let api = Api::new(&world.server.base);
    let cron = Api::new(&format!("http://127.0.0.1:{cron_port}"));
    eventually("the cron page", async || (cron.get("/ping", None).await.status == 200).then_some(Value::Null)).await;

    // Anonymous and non-admin callers are refused in the platform's error shape.
    let anonymous = cron.get("/api/v1/cron/tasks", None).await;
    assert_eq!((anonymous.status, anonymous.code()), (401, "auth.token_missing"));
    assert!(anonymous.body["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    api.register("plain_user", "plain@example.com", PASSWORD).await;
    let plain = cron.login("plain_user", PASSWORD).await;
    let forbidden = cron.get("/api/v1/cron/tasks", Some(&plain.access)).await;
    assert_eq!((forbidden.status, forbidden.code()), (403, "auth.forbidden"));
    // The role is checked before the parameters: a plain user learns nothing from a bad filter.
    let probing = cron.get("/api/v1/cron/runs?size=1000&status=done", Some(&plain.access)).await;
    assert_eq!((probing.status, probing.code()), (403, "auth.forbidden"));

    let out =
        world.run(&["init-admin", "--username", "root_admin", "--email", "root@example.com", "--password", PASSWORD]);
    assert!(out.status.success(), "init-admin: {}", String::from_utf8_lossy(&out.stderr));
    let token = cron.login("root_admin", PASSWORD).await.access;
    let token = Some(token.as_str());

    let tasks = cron.get("/api/v1/cron/tasks", token).await;
    assert_eq!(tasks.status, 200, "{:?}", tasks.body);
    let names: Vec<&str> = tasks.body.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    for expected in ["example-flaky", "example-hello", "expire-sessions", "purge-deleted-users", "roll-up-daily-stats"]
    {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    let purge = tasks.body.as_array().unwrap().iter().find(|t| t["name"] == "purge-deleted-users").unwrap();
    assert_eq!(purge["schedule"], "0 0 3 * * *");
    assert_eq!(purge["misfire"], "run_once");
    let next: chrono::DateTime<chrono::Utc> = purge["next_fire"].as_str().unwrap().parse().unwrap();
    assert_eq!(next.format("%H:%M:%S").to_string(), "03:00:00", "{purge}");

    // Run now: the run appears in the history with trigger `manual` and succeeds.
    let started = cron.post("/api/v1/cron/tasks/example-hello/run", token, json!(null)).await;
    assert_eq!(started.status, 202, "{:?}", started.body);
    let run = eventually("the manual run", async || {
        let r = cron.get("/api/v1/cron/runs?task=example-hello&trigger=manual", token).await;
        r.body["items"].as_array()?.iter().find(|r| r["status"] == "succeeded").cloned()
    })
    .await;
    assert_eq!(run["attempt"], 1);
    assert!(run["fencing"].as_u64().unwrap() > 0);

    // A task that allows no overlap refuses a second run now while the first (about 3 s with its retry) goes on.
    let first = cron.post("/api/v1/cron/tasks/example-flaky/run", token, json!(null)).await;
    assert_eq!(first.status, 202, "{:?}", first.body);
    let second = cron.lang("en").post("/api/v1/cron/tasks/example-flaky/run", token, json!(null)).await;
    assert_eq!((second.status, second.code()), (409, "cron.task_running"), "{:?}", second.body);
    assert_eq!(second.body["details"]["task"], "example-flaky");
    assert!(second.body["message"].as_str().unwrap_or("").starts_with("example-flaky is still running"));

    // Runs are counted by task and status, durations and tick lag measured, on the cron port's /metrics.
    let metrics = reqwest::get(format!("http://127.0.0.1:{cron_port}/metrics")).await.unwrap().text().await.unwrap();
    for expected in ["cron_runs_total{", "task=\"example-hello\"", "cron_run_duration_seconds", "cron_tick_lag_seconds"]
    {
        assert!(metrics.contains(expected), "{expected} missing from /metrics:\n{metrics}");
    }

    // Pause and resume, shared state shown on the task and audited.
    let paused = cron.post("/api/v1/cron/tasks/example-hello/pause", token, json!(null)).await;
    assert_eq!(
        (paused.status, &paused.body["paused"], &paused.body["paused_by"]),
        (200, &json!(true), &json!("root_admin"))
    );
    let again = cron.post("/api/v1/cron/tasks/example-hello/pause", token, json!(null)).await;
    assert_eq!(again.body["paused"], true, "pausing twice is harmless");
    let resumed = cron.post("/api/v1/cron/tasks/example-hello/resume", token, json!(null)).await;
    assert_eq!((resumed.status, &resumed.body["paused"]), (200, &json!(false)));
    let audit = api.get("/api/v1/admin/audit?action=cron.pause", token).await;
    assert_eq!(audit.body["total"], 1, "{:?}", audit.body);
    assert_eq!(audit.body["items"][0]["target"], "task:example-hello");

    // Unknown tasks and bad filters are refused with a clear, localized error.
    let unknown = cron.lang("en").post("/api/v1/cron/tasks/no-such-task/run", token, json!(null)).await;
    assert_eq!((unknown.status, unknown.code()), (404, "cron.task_not_found"));
    assert_eq!(unknown.body["message"], "No task named no-such-task.");
    assert_eq!(unknown.body["details"]["task"], "no-such-task");
    let zh = cron.post("/api/v1/cron/tasks/no-such-task/pause", token, json!(null)).await;
    assert_eq!(zh.body["message"], "不存在名为 no-such-task 的任务。");
    let long = "a".repeat(300);
    let echoed = cron.get(&format!("/api/v1/cron/tasks/{long}"), token).await;
    assert_eq!(echoed.status, 404);
    assert_eq!(echoed.body["details"]["task"], format!("{}…", "a".repeat(64)), "a long name is echoed cut short");
    let bad = cron.get("/api/v1/cron/runs?status=done", token).await;
    assert_eq!((bad.status, bad.code()), (400, "validation.not_one_of"));
    assert_eq!(bad.body["details"]["field"], "status");
    // A blank optional filter (an HTML form's empty field) means no filter, as on the main API.
    let blank = cron.get("/api/v1/cron/runs?task=&status=&from=&page=&size=", token).await;
    assert_eq!(blank.status, 200, "{:?}", blank.body);
    let big = cron.get("/api/v1/cron/runs?size=1000", token).await;
    assert_eq!((big.status, big.code()), (400, "validation.out_of_range"));

    // The instance list shows this process alive; the page and its spec are served.
    let instances = cron.get("/api/v1/cron/instances", token).await;
    assert_eq!(instances.body.as_array().unwrap().len(), 1);
    assert_eq!(instances.body[0]["alive"], true);
    let page = reqwest::get(format!("http://127.0.0.1:{cron_port}/")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("/assets/app.js"));
    let spec = cron.get("/openapi.json", None).await;
    let ops: Vec<String> = spec.body["paths"].as_object().unwrap().keys().cloned().collect();
    for path in ["/api/v1/cron/tasks", "/api/v1/cron/tasks/{name}/run", "/api/v1/cron/runs", "/api/v1/auth/login"] {
        assert!(ops.iter().any(|p| p == path), "{path} missing from the cron spec: {ops:?}");
    }
    // Operators sign in on the cron port; nobody signs up there.
    assert!(!ops.iter().any(|p| p == "/api/v1/auth/register"), "{ops:?}");
    let signup = json!({"username": "walkin", "email": "walkin@example.com", "password": "Correct-Horse-9-Battery"});
    assert_eq!(cron.post("/api/v1/auth/register", None, signup).await.status, 404);
}

#[test]
fn the_cron_spec_prints_without_a_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = e2e::run_once(dir.path(), &["openapi", "--cron"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let spec: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(spec["info"]["title"], "exchange cron API");
    assert!(spec["paths"]["/api/v1/cron/tasks/{name}/pause"]["post"].is_object(), "{}", spec["paths"]);
    // Every schema of the cron operations shows an example, and the run filters list their values.
    let schemas = spec["components"]["schemas"].as_object().expect("schemas");
    for name in ["TaskDto", "RunDto", "RunPageDto", "InstanceDto", "RunRequestedDto", "StatsDto", "RetryDto"] {
        assert!(schemas[name]["example"].is_object(), "{name} has no example: {}", schemas[name]);
    }
    assert_eq!(schemas["RunDto"]["example"]["status"], "succeeded");
    let params = spec["paths"]["/api/v1/cron/runs"]["get"]["parameters"].as_array().expect("parameters");
    let status = params.iter().find(|p| p["name"] == "status").expect("status filter");
    let status_schema =
        &schemas[status["schema"]["$ref"].as_str().unwrap_or("").trim_start_matches("#/components/schemas/")];
    assert_eq!(status_schema["enum"].as_array().map(Vec::len), Some(6), "{status}");
    let main = e2e::run_once(dir.path(), &["openapi"], &[]);
    let main: Value = serde_json::from_slice(&main.stdout).expect("JSON");
    assert!(main["paths"]["/api/v1/cron/tasks"].is_null(), "the main API does not list the cron operations");
}
