//! Keeps the background log writers alive and, on drop, waits until each has written everything it was
//! given: graceful shutdown drops the guard last and relies on it to lose no line.

use std::{
    io::{self, Write},
    sync::mpsc::{self, RecvTimeoutError},
    time::{Duration, Instant},
};

use tracing_appender::non_blocking::WorkerGuard;

use super::prune::Pruner;

/// Owns the non-blocking writer threads and the pruning thread. Dropping it flushes every log line
/// emitted so far (waiting up to the flush timeout), then stops pruning. Hold it until the process ends.
#[must_use = "dropping the LogGuard stops file logging; hold it until shutdown"]
pub struct LogGuard {
    workers: Vec<WorkerGuard>,
    finished: Vec<(String, mpsc::Receiver<()>)>,
    flush_timeout: Duration,
    _pruner: Option<Pruner>,
}

impl LogGuard {
    pub(crate) fn new(flush_timeout: Duration) -> Self {
        Self { workers: Vec::new(), finished: Vec::new(), flush_timeout, _pruner: None }
    }

    /// Adds one writer thread: its guard, and the signal its writer sends when the thread has drained.
    pub(crate) fn push_worker(&mut self, label: String, guard: WorkerGuard, finished: mpsc::Receiver<()>) {
        self.workers.push(guard);
        self.finished.push((label, finished));
    }

    pub(crate) fn set_pruner(&mut self, pruner: Pruner) {
        self._pruner = Some(pruner);
    }
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogGuard")
            .field("writers", &self.finished.iter().map(|(label, _)| label).collect::<Vec<_>>())
            .field("flush_timeout", &self.flush_timeout)
            .finish()
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        // tracing-appender's guard asks its thread to stop but waits only about a second; the thread
        // still drains the whole queue afterwards, so wait for its writer to be dropped as well.
        self.workers.clear();
        let deadline = Instant::now() + self.flush_timeout;
        for (label, finished) in &self.finished {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Err(RecvTimeoutError::Timeout) = finished.recv_timeout(left) {
                let _ = writeln!(
                    io::stderr(),
                    "exchange: log {label} was still being written after {:?}; its last lines may be lost",
                    self.flush_timeout
                );
            }
        }
    }
}

/// Wraps a writer so the guard learns when the writer thread has finished with it. The inner writer is
/// dropped before the signal fires, so its own drop work (logroller finishing an archive) is included.
pub(crate) struct NotifyOnDrop<W> {
    inner: W,
    _finished: mpsc::Sender<()>,
}

impl<W> NotifyOnDrop<W> {
    /// Returns the wrapper and the receiver that disconnects once the wrapper is dropped.
    pub(crate) fn new(inner: W) -> (Self, mpsc::Receiver<()>) {
        let (finished, on_finished) = mpsc::channel();
        (Self { inner, _finished: finished }, on_finished)
    }
}

impl<W: Write> Write for NotifyOnDrop<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
