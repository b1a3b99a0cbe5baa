//! Which event reaches which file, and what a line looks like in each format.

use tracing::{debug, error, info, info_span, warn};

use super::{config, log_with, logs, messages, options, read_json, read_lines};
use crate::config::LogFormat;

fn emit_one_of_each() {
    info!(target: "exchange::users", "user created");
    info!(
        target: "access",
        request_id = "req-1",
        method = "GET",
        path = "/api/v1/users",
        status = 200u16,
        latency_ms = 12u64,
        bytes = 512u64,
        client_ip = "10.0.0.7",
        user_id = 42u64,
        "request"
    );
    warn!("disk slow");
    error!("db down");
    info!(target: "cron::runner", task = "cleanup", "task ran");
    debug!("hidden at info");
}

#[test]
fn each_event_lands_in_its_files_and_no_others() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    log_with(&cfg, options(), emit_one_of_each);

    let logs = logs(&cfg);
    assert_eq!(
        messages(&logs.join("app.log")),
        ["user created", "request", "disk slow", "db down", "task ran"],
        "app.log has everything at the level, access and cron included"
    );
    assert_eq!(messages(&logs.join("access.log")), ["request"]);
    assert_eq!(messages(&logs.join("error.log")), ["disk slow", "db down"]);
    assert_eq!(messages(&logs.join("cron").join("cron.log")), ["task ran"]);
}

#[test]
fn access_line_has_the_request_fields_and_time_at_top_level() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    log_with(&cfg, options(), || {
        let _span = info_span!("http", request_id = "req-1").entered();
        emit_one_of_each();
    });

    let lines = read_json(&logs(&cfg).join("access.log"));
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert_eq!(line["request_id"], "req-1");
    assert_eq!(line["method"], "GET");
    assert_eq!(line["path"], "/api/v1/users");
    assert_eq!(line["status"], 200);
    assert_eq!(line["latency_ms"], 12);
    assert_eq!(line["bytes"], 512);
    assert_eq!(line["client_ip"], "10.0.0.7");
    assert_eq!(line["user_id"], 42);
    let time = line["timestamp"].as_str().expect("timestamp is a string");
    assert!(time.contains('T') && time.ends_with('Z'), "RFC 3339 UTC time, got {time}");
    assert!(!line.contains_key("fields"), "fields are flattened: {line:?}");
    assert!(!line.contains_key("span"), "access lines carry no span: {line:?}");
}

#[test]
fn app_and_error_lines_name_the_current_request_span() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    log_with(&cfg, options(), || {
        let _span = info_span!("http", request_id = "req-9").entered();
        emit_one_of_each();
    });

    let logs = logs(&cfg);
    for file in [logs.join("app.log"), logs.join("error.log")] {
        let lines = read_json(&file);
        assert!(!lines.is_empty(), "{}", file.display());
        for line in lines {
            assert_eq!(line["span"]["request_id"], "req-9", "{}: {line:?}", file.display());
        }
    }
}

#[test]
fn cron_lines_name_the_schedulers_own_span() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    log_with(&cfg, options(), || {
        let _span = info_span!(target: "cron::runner", "run", task = "purge_users").entered();
        info!(target: "cron::runner", "run started");
    });

    let lines = read_json(&logs(&cfg).join("cron").join("cron.log"));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["span"]["task"], "purge_users");
}

#[test]
fn access_and_error_logs_do_not_follow_a_higher_level() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), LogFormat::Json);
    cfg.level = "error".into();
    log_with(&cfg, options(), emit_one_of_each);

    let logs = logs(&cfg);
    assert_eq!(messages(&logs.join("app.log")), ["db down"]);
    assert_eq!(messages(&logs.join("access.log")), ["request"]);
    assert_eq!(messages(&logs.join("error.log")), ["disk slow", "db down"]);
    assert!(read_lines(&logs.join("cron").join("cron.log")).is_empty(), "cron.log follows the level");
}

#[test]
fn rust_log_replaces_the_configured_level() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), LogFormat::Json);
    cfg.level = "warn".into();
    let opts = super::BuildOptions { rust_log: Some("debug".into()), ..options() };
    log_with(&cfg, opts, emit_one_of_each);

    let app = messages(&logs(&cfg).join("app.log"));
    assert!(app.iter().any(|m| m == "hidden at info"), "debug enabled by RUST_LOG: {app:?}");
}

#[test]
fn blank_rust_log_leaves_the_configured_level() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), LogFormat::Json);
    cfg.level = "warn".into();
    let opts = super::BuildOptions { rust_log: Some("  ".into()), ..options() };
    log_with(&cfg, opts, emit_one_of_each);

    assert_eq!(messages(&logs(&cfg).join("app.log")), ["disk slow", "db down"]);
}

#[test]
fn text_format_writes_plain_uncoloured_lines() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Text);
    log_with(&cfg, options(), || {
        info!(user_id = 7u64, "signed in");
        emit_one_of_each();
    });

    let logs = logs(&cfg);
    let app = read_lines(&logs.join("app.log"));
    assert_eq!(app.len(), 6, "{app:#?}");
    let first = &app[0];
    assert!(first.contains("INFO") && first.contains("signed in") && first.contains("user_id=7"), "{first}");
    for line in app.iter().chain(read_lines(&logs.join("access.log")).iter()) {
        assert!(!line.starts_with('{'), "not JSON: {line}");
        assert!(!line.contains('\u{1b}'), "no colour codes in files: {line:?}");
    }
    let access = read_lines(&logs.join("access.log"));
    assert_eq!(access.len(), 1);
    assert!(access[0].contains("status=200") && access[0].contains("request_id=\"req-1\""), "{}", access[0]);
}
