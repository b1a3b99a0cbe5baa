//! A log destination that stops taking writes is reported once, and its recovery once.

use std::{
    fs,
    io::{self, Write},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use tracing::info;

use super::{config, logs, messages, options};
use crate::{
    BuildOptions, RotationPolicy, build_with,
    config::LogFormat,
    fault_reporting_writer::{FaultReportingWriter, Reporter},
};

/// A writer that fails while `failing` is set, like a full disk that an operator later clears.
struct Switchable {
    failing: Arc<AtomicBool>,
}

impl Write for Switchable {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failing.load(Ordering::SeqCst) {
            Err(io::Error::from_raw_os_error(28)) // ENOSPC
        } else {
            Ok(buf.len())
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A reporter that keeps the notices for the test to read.
fn collector() -> (Arc<Mutex<Vec<String>>>, Reporter) {
    let notices = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&notices);
    (notices, Box::new(move |notice: &str| sink.lock().unwrap().push(notice.to_owned())))
}

#[test]
fn first_failure_is_reported_once_then_recovery_once() {
    let failing = Arc::new(AtomicBool::new(true));
    let (notices, report) = collector();
    let mut writer =
        FaultReportingWriter::with_reporter(Switchable { failing: Arc::clone(&failing) }, "logs/app.log", report);

    for _ in 0..5 {
        assert!(writer.write_all(b"line\n").is_err(), "the failure is passed on, not hidden");
    }
    writer.flush().unwrap();
    {
        let notices = notices.lock().unwrap();
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].contains("logs/app.log"), "{}", notices[0]);
        assert!(notices[0].contains("No space left on device"), "{}", notices[0]);
    }

    failing.store(false, Ordering::SeqCst);
    writer.write_all(b"line\n").unwrap();
    writer.write_all(b"line\n").unwrap();
    assert_eq!(notices.lock().unwrap().len(), 2);
    assert!(notices.lock().unwrap()[1].contains("writable again"));

    failing.store(true, Ordering::SeqCst);
    let _ = writer.write_all(b"line\n");
    let _ = writer.write_all(b"line\n");
    assert_eq!(notices.lock().unwrap().len(), 3, "a new outage is reported again, once");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_reported_once() {
    let dev_full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let (notices, report) = collector();
    let mut writer = FaultReportingWriter::with_reporter(dev_full, "/dev/full", report);
    for _ in 0..10 {
        let _ = writer.write_all(b"a log line that does not fit\n");
        let _ = writer.flush();
    }
    let notices = notices.lock().unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("/dev/full"), "{}", notices[0]);
}

#[test]
fn logging_resumes_after_the_log_dir_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    // About one line per file, so the next write after the deletion must rotate, and rotating fails.
    let rotation = RotationPolicy { max_bytes: 300, max_backups: None, max_age: None, compress: false };
    let (subscriber, guard) = build_with(&cfg, BuildOptions { rotation, ..options() }).unwrap();
    let logs = logs(&cfg);

    tracing::subscriber::with_default(subscriber, || {
        info!(pad = "x".repeat(150), "before");
        let deadline = Instant::now() + Duration::from_secs(5);
        while fs::metadata(logs.join("app.log")).map(|m| m.len()).unwrap_or(0) == 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        fs::remove_dir_all(&logs).unwrap();
        for n in 0..3 {
            info!(pad = "x".repeat(150), "after {n}");
        }
    });
    drop(guard);

    let live = messages(&logs.join("app.log"));
    assert_eq!(live, ["after 2"], "the file is recreated and written again");
}
