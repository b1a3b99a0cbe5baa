//! Start-up refuses a bad `log` section with a message naming the key, or the path and the OS reason.

use std::fs;

use super::{config, logs, options};
use crate::{BuildOptions, LogInitError, build_with, config::LogFormat, init};

fn build_err(cfg: &crate::config::LogConfig, opts: BuildOptions) -> LogInitError {
    match build_with(cfg, opts) {
        Ok(_) => panic!("build should fail for {cfg:?}"),
        Err(e) => e,
    }
}

#[test]
fn an_unknown_level_names_log_level() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), LogFormat::Json);
    cfg.level = "verbose".into();
    let err = build_err(&cfg, options());
    assert!(matches!(&err, LogInitError::InvalidLevel { value } if value == "verbose"), "{err:?}");
    assert!(err.to_string().starts_with("log.level:"), "{err}");
}

#[test]
fn levels_are_case_insensitive() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), LogFormat::Json);
    cfg.level = "WARN".into();
    assert!(build_with(&cfg, options()).is_ok());
}

#[test]
fn a_bad_rust_log_names_rust_log() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    let err = build_err(&cfg, BuildOptions { rust_log: Some("exchange=loud".into()), ..options() });
    assert!(matches!(&err, LogInitError::InvalidRustLog { value, .. } if value == "exchange=loud"), "{err:?}");
    assert!(err.to_string().starts_with("RUST_LOG:"), "{err}");
}

#[test]
fn a_log_dir_that_cannot_be_created_names_the_path_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("blocker"), b"a file, not a directory").unwrap();
    let mut cfg = config(dir.path(), LogFormat::Json);
    let wanted = dir.path().join("blocker").join("logs");
    cfg.log_dir = wanted.display().to_string();

    let err = build_err(&cfg, options());
    let LogInitError::CreateDir { path, cause } = &err else { panic!("{err:?}") };
    assert_eq!(path, &wanted);
    assert_eq!(cause.kind(), std::io::ErrorKind::NotADirectory);
    let message = err.to_string();
    assert!(message.contains(&cfg.log_dir) && message.contains("Not a directory"), "{message}");
}

#[test]
fn a_log_file_that_cannot_be_opened_names_the_path_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    fs::create_dir_all(logs(&cfg).join("error.log")).unwrap();

    let err = build_err(&cfg, options());
    let LogInitError::OpenFile { path, cause } = &err else { panic!("{err:?}") };
    assert_eq!(path, &logs(&cfg).join("error.log"));
    assert_eq!(cause.kind(), std::io::ErrorKind::IsADirectory);
    assert!(err.to_string().contains("error.log") && err.to_string().contains("Is a directory"), "{err}");
}

#[test]
fn file_names_must_be_plain_and_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), LogFormat::Json);
    cfg.cron_log_file = "../cron.log".into();
    let err = build_err(&cfg, options());
    assert!(matches!(err, LogInitError::InvalidValue { key: "log.cron_log_file", .. }), "{err:?}");

    let mut cfg = config(dir.path(), LogFormat::Json);
    cfg.access_log_file = "app.log".into();
    let err = build_err(&cfg, options());
    assert!(matches!(err, LogInitError::InvalidValue { key: "log.access_log_file", .. }), "{err:?}");
}

#[test]
fn nothing_touches_the_disk_when_files_are_off() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), LogFormat::Json);
    cfg.enable_file = false;
    let (_subscriber, guard) = build_with(&cfg, options()).unwrap();
    drop(guard);
    assert!(!logs(&cfg).exists());
}

/// The only test that installs a global subscriber (console and files off, so it writes nothing).
#[test]
fn init_installs_once_per_process() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), LogFormat::Json);
    cfg.enable_file = false;
    cfg.enable_console = false;
    let _guard = init(&cfg).expect("first init installs the subscriber");
    let err = init(&cfg).unwrap_err();
    assert!(matches!(err, LogInitError::AlreadyInitialized(_)), "{err:?}");
}
