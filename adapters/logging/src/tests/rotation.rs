//! Size rotation through logroller: backups appear, compressed when asked, and only `max_backups` stay.

use std::{fs, io::Read as _, path::Path};

use flate2::read::GzDecoder;
use tracing::info;

use super::{config, log_with, logs, options, read_json};
use crate::{BuildOptions, LogInitError, RotationPolicy, config::LogFormat};

const PAD: &str = "padding-padding-padding-padding-padding-padding-padding-padding-padding-padding";

fn emit_numbered(count: u64) {
    for seq in 0..count {
        info!(seq, pad = PAD, "line");
    }
}

/// Names of the files beside `app.log` that are not the live file.
fn backups(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("app.log."))
        .collect();
    names.sort();
    names
}

/// The `seq` of every line in a gzip backup, which must decompress to JSON lines.
fn seqs_in_gz(path: &Path) -> Vec<u64> {
    let mut text = String::new();
    GzDecoder::new(fs::File::open(path).unwrap()).read_to_string(&mut text).unwrap();
    assert!(!text.is_empty(), "{} is empty", path.display());
    text.lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value["seq"].as_u64().unwrap()
        })
        .collect()
}

#[test]
fn writing_past_max_bytes_rotates_into_gzip_backups_and_keeps_max_backups() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    let rotation = RotationPolicy { max_bytes: 1000, max_backups: Some(2), max_age: None, compress: true };
    log_with(&cfg, BuildOptions { rotation, ..options() }, || emit_numbered(40));

    let logs = logs(&cfg);
    assert_eq!(backups(&logs), ["app.log.1.gz", "app.log.2.gz"], "two compressed backups, nothing else");
    let newest = seqs_in_gz(&logs.join("app.log.1.gz"));
    let older = seqs_in_gz(&logs.join("app.log.2.gz"));
    assert!(older.iter().max() < newest.iter().min(), "backup 1 is the newer: {older:?} vs {newest:?}");
    let live = read_json(&logs.join("app.log"));
    assert_eq!(live.last().unwrap()["seq"], 39, "the live file ends with the last line");
    assert!(fs::metadata(logs.join("app.log")).unwrap().len() <= 1000);
}

#[test]
fn uncompressed_backups_lose_no_line_when_all_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    let rotation = RotationPolicy { max_bytes: 1000, max_backups: None, max_age: None, compress: false };
    log_with(&cfg, BuildOptions { rotation, ..options() }, || emit_numbered(40));

    let logs = logs(&cfg);
    let names = backups(&logs);
    assert!(names.len() >= 5, "40 lines of ~250 bytes over 1000-byte files: {names:?}");
    assert!(names.iter().all(|n| !n.ends_with(".gz") && !n.contains("pending")), "{names:?}");
    let mut seqs: Vec<u64> = names
        .iter()
        .map(|n| logs.join(n))
        .chain([logs.join("app.log")])
        .flat_map(|p| read_json(&p))
        .map(|line| line["seq"].as_u64().unwrap())
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..40).collect::<Vec<_>>());
}

#[test]
fn policy_converts_config_units() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), LogFormat::Json);
    cfg.max_size = 2;
    cfg.max_backups = 0;
    cfg.max_age = 0;
    cfg.compress = true;
    let policy = RotationPolicy::from_config(&cfg).unwrap();
    assert_eq!(policy, RotationPolicy { max_bytes: 2 * 1024 * 1024, max_backups: None, max_age: None, compress: true });

    cfg.max_backups = 7;
    cfg.max_age = 3;
    let policy = RotationPolicy::from_config(&cfg).unwrap();
    assert_eq!(policy.max_backups, Some(7));
    assert_eq!(policy.max_age, Some(std::time::Duration::from_secs(3 * 24 * 3600)));
}

#[test]
fn zero_max_size_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), LogFormat::Json);
    cfg.max_size = 0;
    let err = RotationPolicy::from_config(&cfg).unwrap_err();
    assert!(matches!(err, LogInitError::InvalidValue { key: "log.max_size", .. }), "{err:?}");
}
