//! The log directory stops taking writes: the service keeps serving and says so once per file on stderr.
//! "Full" is a 300 KiB tmpfs mounted on the log directory in a mount namespace of the server's own (a real
//! disk budget filling up; needs root, as in CI here), and every log file pointing at `/dev/full` (each
//! write fails with ENOSPC; no privileges needed); "unwritable" is the directory replaced by a plain file
//! while the server runs, so the next rotation cannot create anything there.

use crate::PASSWORD;
use e2e::{Api, ServerBuilder};
use std::path::Path;
use std::time::Duration;

/// The notices the logger printed on stderr about `file`.
fn notices(stderr: &str, file: &str) -> Vec<String> {
    stderr.lines().filter(|l| l.starts_with("exchange: ") && l.contains(file)).map(str::to_owned).collect()
}

fn stderr_of(server: &e2e::Server) -> String {
    std::fs::read_to_string(server.dir().join("stderr.log")).unwrap_or_default()
}

fn files_on(dir: &Path) -> ServerBuilder {
    ServerBuilder::new()
        .env("EXCHANGE__LOG__ENABLE_FILE", "true")
        .env("EXCHANGE__LOG__ENABLE_CONSOLE", "false")
        .env("EXCHANGE__LOG__LOG_DIR", dir.display().to_string())
}

/// Sends long requests until stderr says once that `app.log` cannot be written (because of `cause`), then
/// checks that it stays said once while requests keep being served and the instance stays ready.
async fn serve_until_said_once(server: &e2e::Server, api: &Api, long: &str, cause: &str) {
    let stderr = e2e::wait::until("the notice about app.log", Duration::from_secs(180), || async {
        for _ in 0..20 {
            assert_eq!(api.get(long, None).await.status, 404, "the service keeps serving");
        }
        let stderr = stderr_of(server);
        if notices(&stderr, "app.log").is_empty() { Err(format!("no notice yet: {stderr}")) } else { Ok(stderr) }
    })
    .await;
    let said = notices(&stderr, "app.log");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains(cause), "{said:?}");
    for _ in 0..50 {
        assert_eq!(api.get(long, None).await.status, 404);
    }
    assert_eq!(notices(&stderr_of(server), "app.log").len(), 1, "said once, not per line");
    assert_eq!(api.get("/health/ready", None).await.status, 200);
}

#[tokio::test]
async fn a_full_log_disk_is_said_once_on_stderr_and_serving_goes_on() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(logs.join("cron")).expect("log dirs");
    for file in ["app.log", "access.log", "error.log", "cron/cron.log"] {
        std::os::unix::fs::symlink("/dev/full", logs.join(file)).expect("symlink to /dev/full");
    }
    let server = files_on(&logs).spawn().await;
    let api = Api::new(&server.base);
    api.register("full_disk", "full@example.com", PASSWORD).await;
    for _ in 0..20 {
        let tokens = api.login("full_disk", PASSWORD).await;
        assert_eq!(api.get("/api/v1/users/me", Some(&tokens.access)).await.status, 200);
    }
    let stderr = e2e::wait::until("the notice about app.log", Duration::from_secs(60), || async {
        let stderr = stderr_of(&server);
        if notices(&stderr, "app.log").is_empty() { Err(stderr) } else { Ok(stderr) }
    })
    .await;
    for file in ["app.log", "access.log"] {
        let said = notices(&stderr, file);
        assert_eq!(said.len(), 1, "once for {file}, not per line: {said:?}");
        assert!(said[0].contains("No space left on device"), "{said:?}");
    }
    assert_eq!(api.get("/health/ready", None).await.status, 200, "logs are not a readiness dependency");
}

#[tokio::test]
async fn a_log_directory_made_unwritable_is_said_once_and_logging_resumes_when_it_is_back() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let logs = tmp.path().join("logs");
    let server = files_on(&logs).env("EXCHANGE__LOG__MAX_SIZE", "1").spawn().await;
    let api = Api::new(&server.base);
    assert_eq!(api.get("/ping", None).await.status, 200);

    // The directory goes away and a plain file takes its name: the open files still take lines until the
    // first rotation (1 MB), which can then neither rename nor create anything there.
    std::fs::rename(&logs, tmp.path().join("logs.moved")).expect("move the log directory away");
    std::fs::write(&logs, b"not a directory").expect("a file in its place");
    // Long paths make long access lines, so the rotation comes after a few hundred requests.
    let long = format!("/api/v1/nothing/{}", "x".repeat(3000));
    serve_until_said_once(&server, &api, &long, "Not a directory").await;

    // The operator removes the file: the next line recreates the directory and logging resumes.
    std::fs::remove_file(&logs).expect("remove the file");
    let marker = "after-the-fix";
    e2e::wait::until("logging resumes", Duration::from_secs(60), || async {
        let _ = reqwest::Client::new().get(server.url("/ping")).header("x-request-id", marker).send().await;
        let text = std::fs::read_to_string(logs.join("access.log")).unwrap_or_default();
        if text.contains(marker) { Ok(()) } else { Err("no line in the recreated access.log yet".into()) }
    })
    .await;
    let said = notices(&stderr_of(&server), "app.log");
    assert_eq!(said.len(), 2, "one failure, one recovery: {said:?}");
    assert!(said[1].contains("writable again"), "{said:?}");
}

#[tokio::test]
async fn a_log_directory_that_fills_its_budget_is_said_once_and_logging_resumes_when_space_is_freed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).expect("log dir");
    let logs_arg = logs.display().to_string();
    // A private mount namespace: the tmpfs exists for this server only and vanishes with it.
    let mount = r#"mount -t tmpfs -o size=300k tmpfs "$0" && exec "$@""#;
    let probe = std::process::Command::new("unshare").args(["--mount", "true"]).status();
    assert!(
        probe.is_ok_and(|s| s.success()),
        "this test needs `unshare --mount` (root or CAP_SYS_ADMIN, as in CI); the /dev/full test covers the rest"
    );
    let server = files_on(&logs)
        .wrapper(&["unshare", "--mount", "--propagation", "private", "sh", "-c", mount, &logs_arg])
        .env("EXCHANGE__LOG__MAX_SIZE", "1")
        .spawn()
        .await;
    let api = Api::new(&server.base);
    let long = format!("/api/v1/nothing/{}", "x".repeat(3000));
    serve_until_said_once(&server, &api, &long, "No space left on device").await;

    // The operator frees space (inside the server's namespace, where the tmpfs is): logging resumes.
    let pid = server.pid().to_string();
    let files = [logs.join("app.log"), logs.join("access.log")];
    let freed = std::process::Command::new("nsenter")
        .args(["-t", &pid, "-m", "truncate", "-s", "0"])
        .args(&files)
        .status()
        .expect("run nsenter");
    assert!(freed.success(), "truncate in the server's mount namespace");
    let said = e2e::wait::until("the recovery notice", Duration::from_secs(60), || async {
        assert_eq!(api.get("/ping", None).await.status, 200);
        let said = notices(&stderr_of(&server), "app.log");
        if said.len() >= 2 { Ok(said) } else { Err(format!("{said:?}")) }
    })
    .await;
    assert_eq!(said.len(), 2, "one failure, one recovery: {said:?}");
    assert!(said[1].contains("writable again"), "{said:?}");
}
