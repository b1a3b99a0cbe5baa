//! Tests of the logging module. Each builds a logger over its own temp dir, installs it for the test's
//! thread only (`with_default`; the global subscriber can be set once per process), emits events, drops
//! the guard (which must flush) and reads the files back.

mod faults;
mod flush;
mod init_errors;
mod prune;
mod rotation;
mod routing;

use std::{
    fs,
    path::{Path, PathBuf},
    time::Duration,
};

use super::{BuildOptions, RotationPolicy, build_with};
use crate::config::{LogConfig, LogFormat, LogOutput};

/// Files on, console off, level `info`, everything under `dir/logs`.
fn config(dir: &Path, format: LogFormat) -> LogConfig {
    LogConfig {
        level: "info".into(),
        format,
        output: LogOutput::Stderr,
        filename: "app.log".into(),
        log_dir: dir.join("logs").display().to_string(),
        access_log_file: "access.log".into(),
        error_log_file: "error.log".into(),
        cron_log_file: "cron.log".into(),
        enable_console: false,
        enable_file: true,
        max_size: 100,
        max_age: 0,
        max_backups: 0,
        compress: false,
    }
}

/// No rotation in practice, no `RUST_LOG` (whatever the test runner's environment holds).
fn options() -> BuildOptions {
    BuildOptions {
        rotation: RotationPolicy { max_bytes: 10 * 1024 * 1024, max_backups: None, max_age: None, compress: false },
        rust_log: None,
        prune_interval: Duration::from_secs(3600),
        flush_timeout: Duration::from_secs(10),
    }
}

/// Runs `emit` with the logger of `cfg` as this thread's default, then drops the guard.
fn log_with(cfg: &LogConfig, opts: BuildOptions, emit: impl FnOnce()) {
    let (subscriber, guard) = build_with(cfg, opts).expect("logger builds");
    tracing::subscriber::with_default(subscriber, emit);
    drop(guard);
}

fn logs(cfg: &LogConfig) -> PathBuf {
    PathBuf::from(&cfg.log_dir)
}

fn read_lines(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines().map(str::to_owned).collect()
}

/// Every line of `path`, each of which must be a JSON object.
fn read_json(path: &Path) -> Vec<serde_json::Map<String, serde_json::Value>> {
    read_lines(path)
        .iter()
        .map(|line| match serde_json::from_str(line) {
            Ok(serde_json::Value::Object(map)) => map,
            other => panic!("{}: not a JSON object line: {line} ({other:?})", path.display()),
        })
        .collect()
}

/// The `message` of every JSON line of `path`, in order.
fn messages(path: &Path) -> Vec<String> {
    read_json(path)
        .iter()
        .map(|line| line.get("message").and_then(|m| m.as_str()).unwrap_or_default().to_owned())
        .collect()
}
