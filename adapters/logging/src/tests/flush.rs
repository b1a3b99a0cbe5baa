//! Dropping the `LogGuard` must leave every line emitted so far in its file: shutdown relies on it.

use std::{
    io::{self, Write},
    sync::{Arc, Condvar, Mutex},
    thread,
    time::{Duration, Instant},
};

use tracing::{info, warn};

use super::{config, log_with, logs, options, read_lines};
use crate::{
    BuildOptions, LogGuard, RotationPolicy, batch_writer::BatchingWriter, batch_writer::MAX_PENDING, config::LogFormat,
    spawn_writer,
};

#[test]
fn dropping_the_guard_writes_every_queued_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    log_with(&cfg, options(), || {
        for seq in 0..20_000u32 {
            info!(seq, "burst");
            if seq % 10 == 0 {
                warn!(seq, "burst warning");
            }
        }
    });

    let logs = logs(&cfg);
    assert_eq!(read_lines(&logs.join("app.log")).len(), 22_000);
    assert_eq!(read_lines(&logs.join("error.log")).len(), 2_000);
}

#[test]
fn dropping_the_guard_finishes_pending_compression() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), LogFormat::Json);
    let rotation = RotationPolicy { max_bytes: 64 * 1024, max_backups: None, max_age: None, compress: true };
    log_with(&cfg, BuildOptions { rotation, ..options() }, || {
        for seq in 0..5_000u32 {
            info!(seq, "compress me");
        }
    });

    let names: Vec<String> = std::fs::read_dir(logs(&cfg))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("app.log."))
        .collect();
    assert!(names.iter().any(|n| n.ends_with(".gz")), "{names:?}");
    assert!(names.iter().all(|n| n.ends_with(".gz")), "no pending or half-written archive left: {names:?}");
}

/// What a `SlowWriter` has written, one entry per write.
type Written = Arc<Mutex<Vec<Vec<u8>>>>;

/// A destination whose writes take a while, like a slow disk.
struct SlowWriter {
    /// Time each write takes.
    delay: Duration,
    written: Written,
}

impl Write for SlowWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        thread::sleep(self.delay);
        self.written.lock().unwrap().push(buf.to_vec());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A queue in front of a `SlowWriter`, as `build_with` sets up for every destination.
fn slow_destination(delay_ms: u64, flush_timeout: Duration) -> (BatchingWriter, LogGuard, Written) {
    let written = Arc::new(Mutex::new(Vec::new()));
    let writer = SlowWriter { delay: Duration::from_millis(delay_ms), written: Arc::clone(&written) };
    let mut guard = LogGuard::new(flush_timeout);
    let queue = spawn_writer(writer, "slow".into(), "log-test", 1024, &mut guard).unwrap();
    (queue, guard, written)
}

#[test]
fn dropping_the_guard_waits_for_a_slow_destination() {
    let (mut queue, guard, written) = slow_destination(300, Duration::from_secs(10));
    for n in 0..6 {
        queue.write_all(format!("line {n}\n").as_bytes()).unwrap();
        // Spread over several flushes, so the writer needs several slow writes.
        thread::sleep(Duration::from_millis(120));
    }
    drop(guard);
    let written = written.lock().unwrap();
    assert!(written.len() >= 2, "the slow writer was called {} times", written.len());
    let lines: usize = written.iter().map(|w| w.iter().filter(|b| **b == b'\n').count()).sum();
    assert_eq!(lines, 6, "every line must be written when the guard is gone");
}

#[test]
fn dropping_the_guard_gives_up_after_the_flush_timeout() {
    let (mut queue, guard, _written) = slow_destination(3_000, Duration::from_millis(200));
    queue.write_all(b"stuck\n").unwrap();
    let started = Instant::now();
    drop(guard);
    // A hung disk must not hang shutdown: the guard gives up after its flush timeout.
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

/// A destination that takes no line until opened, like a disk stalled under load.
struct Stalled {
    open: Arc<(Mutex<bool>, Condvar)>,
}

impl Write for Stalled {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (open, opened) = &*self.open;
        let _open = opened.wait_while(open.lock().unwrap(), |open| !*open).unwrap();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_stalled_destination_drops_and_counts_lines_instead_of_blocking() {
    let open = Arc::new((Mutex::new(false), Condvar::new()));
    let mut guard = LogGuard::new(Duration::from_secs(10));
    let mut queue =
        spawn_writer(Stalled { open: Arc::clone(&open) }, "stalled".into(), "log-test", 1024, &mut guard).unwrap();

    // The first batch is stuck in the writer, the buffer holds its limit, the rest must be dropped, not
    // waited on: every write returns at once.
    let line = vec![b'x'; 1023];
    let started = Instant::now();
    for _ in 0..(MAX_PENDING / 1024) * 2 {
        queue.write_all(&line).unwrap();
        queue.write_all(b"\n").unwrap();
    }
    assert!(started.elapsed() < Duration::from_secs(5), "writes blocked: {:?}", started.elapsed());
    assert!(guard.dropped_lines() > 1000, "dropped {}", guard.dropped_lines());

    *open.0.lock().unwrap() = true;
    open.1.notify_all();
    drop(guard);
}
