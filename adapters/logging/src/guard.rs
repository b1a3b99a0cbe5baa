//! Keeps the background log writers alive and, on drop, waits until each has written everything it was
//! given: graceful shutdown drops the guard last and relies on it to lose no line.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use super::batch_writer::Flusher;
use super::prune::Pruner;

/// One background writer as the guard sees it.
struct Destination {
    /// Names it in notices (`stdout`, a file path).
    label: String,
    /// Its flusher thread.
    flusher: Flusher,
}

/// Owns the log writer threads and the pruning thread. Dropping it flushes every log line emitted so far
/// (waiting up to the flush timeout), says on stderr if any destination had to drop lines, then stops
/// pruning. Hold it until the process ends.
#[must_use = "dropping the LogGuard stops file logging; hold it until shutdown"]
pub struct LogGuard {
    destinations: Vec<Destination>,
    flush_timeout: Duration,
    _pruner: Option<Pruner>,
}

impl LogGuard {
    pub(crate) fn new(flush_timeout: Duration) -> Self {
        Self { destinations: Vec::new(), flush_timeout, _pruner: None }
    }

    /// Adds one writer thread.
    pub(crate) fn push_destination(&mut self, label: String, flusher: Flusher) {
        self.destinations.push(Destination { label, flusher });
    }

    pub(crate) fn set_pruner(&mut self, pruner: Pruner) {
        self._pruner = Some(pruner);
    }

    /// Lines discarded so far because a destination fell too far behind (the disk could not keep up), over
    /// all destinations: the price of never blocking a request on logging.
    pub fn dropped_lines(&self) -> usize {
        self.destinations.iter().map(|d| d.flusher.dropped()).fold(0, usize::saturating_add)
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
        let deadline = Instant::now() + self.flush_timeout;
        let handles: Vec<_> = self.destinations.iter_mut().map(|d| (d.label.clone(), d.flusher.close())).collect();
        let mut stderr = io::stderr();
        for (label, handle) in handles {
            let Some(handle) = handle else { continue };
            while !handle.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if handle.is_finished() {
                let _ = handle.join();
            } else {
                let _ = writeln!(
                    stderr,
                    "exchange: log {label} was still being written after {:?}; its last lines may be lost",
                    self.flush_timeout
                );
            }
        }
        for destination in &self.destinations {
            let dropped = destination.flusher.dropped();
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
