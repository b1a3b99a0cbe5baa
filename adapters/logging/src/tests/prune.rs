//! The age limit logroller lacks: old backups go, fresh ones and live files stay.

use std::{
    fs,
    path::Path,
    thread,
    time::{Duration, Instant, SystemTime},
};

use super::{config, logs, options};
use crate::{
    BuildOptions, RotationPolicy, build_with,
    config::LogFormat,
    prune::{is_backup_of, prune_expired},
};

const DAY: Duration = Duration::from_secs(24 * 3600);
const THIRTY_DAYS: Duration = Duration::from_secs(30 * 24 * 3600);

/// Creates `path` with a modification time `age` ago.
fn file_aged(path: &Path, age: Duration) {
    fs::write(path, b"x\n").unwrap();
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

#[test]
fn only_numbered_backups_count_as_backups() {
    for name in ["app.log.1", "app.log.12", "app.log.3.gz"] {
        assert!(is_backup_of("app.log", name), "{name}");
    }
    for name in
        ["app.log", "app.log.", "app.log.gz", "app.log.pending.1", "app.log.1.tmp", "app.logx.1", "access.log.1"]
    {
        assert!(!is_backup_of("app.log", name), "{name}");
    }
}

#[test]
fn expired_backups_are_deleted_and_fresh_ones_and_other_files_kept() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    file_aged(&d.join("app.log.1.gz"), DAY);
    file_aged(&d.join("app.log.2.gz"), 40 * DAY);
    file_aged(&d.join("app.log.3"), 40 * DAY);
    file_aged(&d.join("app.log"), 40 * DAY);
    file_aged(&d.join("app.log.pending.4"), 40 * DAY);
    file_aged(&d.join("access.log.1.gz"), 40 * DAY);

    let mut removed = prune_expired(d, "app.log", THIRTY_DAYS, SystemTime::now()).unwrap();
    removed.sort();
    assert_eq!(removed, [d.join("app.log.2.gz"), d.join("app.log.3")]);
    for kept in ["app.log.1.gz", "app.log", "app.log.pending.4", "access.log.1.gz"] {
        assert!(d.join(kept).exists(), "{kept} must be kept");
    }
    assert!(!d.join("app.log.2.gz").exists() && !d.join("app.log.3").exists());
}

#[test]
fn a_missing_directory_has_nothing_to_prune() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("deleted");
    assert_eq!(
        prune_expired(&gone, "app.log", THIRTY_DAYS, SystemTime::now()).unwrap(),
        Vec::<std::path::PathBuf>::new()
    );
}

fn aged_options(prune_interval: Duration) -> BuildOptions {
    let rotation =
        RotationPolicy { max_bytes: 10 * 1024 * 1024, max_backups: None, max_age: Some(THIRTY_DAYS), compress: true };
    BuildOptions { rotation, prune_interval, ..options() }
}

#[test]
fn start_up_deletes_expired_backups_of_every_log() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    let logs = logs(&cfg);
    fs::create_dir_all(logs.join("cron")).unwrap();
    file_aged(&logs.join("app.log.1.gz"), DAY);
    file_aged(&logs.join("app.log.2.gz"), 31 * DAY);
    file_aged(&logs.join("error.log.1.gz"), 31 * DAY);
    file_aged(&logs.join("cron").join("cron.log.1.gz"), 31 * DAY);

    let (_subscriber, guard) = build_with(&cfg, aged_options(Duration::from_secs(3600))).unwrap();

    assert!(logs.join("app.log.1.gz").exists(), "fresh backup kept");
    assert!(!logs.join("app.log.2.gz").exists());
    assert!(!logs.join("error.log.1.gz").exists());
    assert!(!logs.join("cron").join("cron.log.1.gz").exists());
    drop(guard);
}

#[test]
fn the_background_thread_deletes_backups_that_expire_later() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    let (_subscriber, guard) = build_with(&cfg, aged_options(Duration::from_millis(20))).unwrap();
    let logs = logs(&cfg);
    file_aged(&logs.join("access.log.1.gz"), DAY);
    file_aged(&logs.join("access.log.2.gz"), 31 * DAY);

    let deadline = Instant::now() + Duration::from_secs(5);
    while logs.join("access.log.2.gz").exists() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    assert!(!logs.join("access.log.2.gz").exists(), "expired backup still there after 5 s");
    assert!(logs.join("access.log.1.gz").exists(), "fresh backup kept");
    drop(guard);
}
