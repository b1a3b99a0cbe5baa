//! Keeps the background log writers alive and, on drop, waits until each has written everything it was
//! given: graceful shutdown drops the guard last and relies on it to lose no line.

use std::{
    io::{self, Write},
    sync::mpsc::{self, RecvTimeoutError},
    time::{Duration, Instant},
};

use tracing_appender::non_blocking::{ErrorCounter, WorkerGuard};

use super::prune::Pruner;

/// One background writer as the guard sees it.
struct Destination {
    /// Names it in notices (`stdout`, a file path).
    label: String,
    /// Lines its full queue refused.
    dropped: ErrorCounter,
    /// Disconnects once its writer thread has drained and dropped the writer.
    finished: mpsc::Receiver<()>,
}

/// Owns the non-blocking writer threads and the pruning thread. Dropping it flushes every log line
/// emitted so far (waiting up to the flush timeout), says on stderr if any queue had to drop lines, then
/// stops pruning. Hold it until the process ends.
#[must_use = "dropping the LogGuard stops file logging; hold it until shutdown"]
pub struct LogGuard {
    workers: Vec<WorkerGuard>,
    destinations: Vec<Destination>,
    flush_timeout: Duration,
    _pruner: Option<Pruner>,
}

impl LogGuard {
    pub(crate) fn new(flush_timeout: Duration) -> Self {
        Self { workers: Vec::new(), destinations: Vec::new(), flush_timeout, _pruner: None }
    }

    /// Adds one writer thread: its guard, its drop counter, and the signal its writer sends when dropped.
    pub(crate) fn push_worker(
        &mut self,
        label: String,
        guard: WorkerGuard,
        dropped: ErrorCounter,
        finished: mpsc::Receiver<()>,
    ) {
        self.workers.push(guard);
        self.destinations.push(Destination { label, dropped, finished });
    }

    pub(crate) fn set_pruner(&mut self, pruner: Pruner) {
        self._pruner = Some(pruner);
    }

    /// Lines discarded so far because a queue was full (the disk could not keep up), over all
    /// destinations: the price of never blocking a request on logging, exposed for metrics and health.
    pub fn dropped_lines(&self) -> usize {
        self.destinations.iter().map(|d| d.dropped.dropped_lines()).fold(0, usize::saturating_add)
    }
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogGuard")
            .field("destinations", &self.destinations.iter().map(|d| &d.label).collect::<Vec<_>>())
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
        let mut stderr = io::stderr();
        for destination in &self.destinations {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Err(RecvTimeoutError::Timeout) = destination.finished.recv_timeout(left) {
                let _ = writeln!(
                    stderr,
                    "exchange: log {} was still being written after {:?}; its last lines may be lost",
                    destination.label, self.flush_timeout
                );
            }
            let dropped = destination.dropped.dropped_lines();
            if dropped > 0 {
                let _ = writeln!(
                    stderr,
                    "exchange: log {} dropped {dropped} lines because its writer could not keep up",
                    destination.label
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
