//! A lossy, batching log writer: request threads append each formatted line to an in-memory buffer, and
//! one thread per destination writes the buffer out in large chunks.
//!
//! tracing-appender's non-blocking writer sends every line through a channel and wakes its thread for each
//! one; measured on the /ping benchmark that cost (wake-ups, spinning, one `write` syscall per line per
//! file) more than half the server's throughput. Here a line costs an uncontended lock and a copy; the
//! flusher wakes every [`FLUSH_EVERY`] or when [`FLUSH_AT`] bytes are pending. When the disk cannot keep up
//! and [`MAX_PENDING`] bytes are waiting, new lines are dropped and counted rather than blocking requests.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;
use tracing_subscriber::fmt::MakeWriter;

/// Longest a line waits in memory before the flusher writes it.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Pending bytes that wake the flusher early.
pub(crate) const FLUSH_AT: usize = 256 * 1024;
/// Pending bytes past which new lines are dropped.
pub(crate) const MAX_PENDING: usize = 16 * 1024 * 1024;
/// Largest single write; smaller when rotation needs it (see [`spawn`]).
pub(crate) const MAX_CHUNK: usize = 64 * 1024;

#[derive(Default)]
struct Shared {
    pending: Mutex<Vec<u8>>,
    wake: Condvar,
    closed: AtomicBool,
    dropped: AtomicUsize,
}

/// The `MakeWriter` handed to a formatting layer. Cheap to clone.
#[derive(Clone)]
pub(crate) struct BatchingWriter {
    shared: Arc<Shared>,
}

/// Owns the flusher thread of one destination.
pub(crate) struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the flusher thread writing to `inner`; `thread` names it. Each write to `inner` is a run of whole
/// lines of at most `max_chunk` bytes (a longer line goes alone), so a size-rotating writer overshoots its
/// limit by at most one chunk.
pub(crate) fn spawn<W: Write + Send + 'static>(
    inner: W,
    thread: &'static str,
    max_chunk: usize,
) -> io::Result<(BatchingWriter, Flusher)> {
    let shared = Arc::new(Shared::default());
    let worker = shared.clone();
    let max_chunk = max_chunk.clamp(1, MAX_CHUNK);
    let handle =
        std::thread::Builder::new().name(thread.to_owned()).spawn(move || flush_loop(&worker, inner, max_chunk))?;
    Ok((BatchingWriter { shared: shared.clone() }, Flusher { shared, thread: Some(handle) }))
}

/// Splits `batch` into runs of whole lines of at most `max_chunk` bytes.
fn chunks(batch: &[u8], max_chunk: usize) -> impl Iterator<Item = &[u8]> {
    let mut rest = batch;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let window = &rest[..rest.len().min(max_chunk)];
        let end = match window.iter().rposition(|b| *b == b'\n') {
            Some(last_newline) if window.len() < rest.len() => last_newline + 1,
            _ if window.len() == rest.len() => rest.len(),
            // No newline within the window: the first line is longer than a chunk; write it alone.
            _ => rest.iter().position(|b| *b == b'\n').map_or(rest.len(), |i| i + 1),
        };
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        Some(chunk)
    })
}

fn flush_loop<W: Write>(shared: &Shared, mut inner: W, max_chunk: usize) {
    let mut batch = Vec::with_capacity(FLUSH_AT);
    loop {
        {
            let mut pending = shared.pending.lock().unwrap_or_else(PoisonError::into_inner);
            if pending.len() < FLUSH_AT && !shared.closed.load(Ordering::Acquire) {
                pending = shared.wake.wait_timeout(pending, FLUSH_EVERY).unwrap_or_else(PoisonError::into_inner).0;
            }
            std::mem::swap(&mut *pending, &mut batch);
        }
        if !batch.is_empty() {
            // Errors are reported by the inner writer (FaultReportingWriter); a failed chunk is lost.
            for chunk in chunks(&batch, max_chunk) {
                let _ = inner.write_all(chunk);
            }
            let _ = inner.flush();
            batch.clear();
            if batch.capacity() > 4 * FLUSH_AT {
                batch.shrink_to(FLUSH_AT);
            }
        }
        if shared.closed.load(Ordering::Acquire)
            && shared.pending.lock().unwrap_or_else(PoisonError::into_inner).is_empty()
        {
            return;
        }
    }
}

impl Flusher {
    /// Lines dropped so far because too much was pending.
    pub(crate) fn dropped(&self) -> usize {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Asks the thread to write everything pending and stop; returns its handle to join.
    pub(crate) fn close(&mut self) -> Option<JoinHandle<()>> {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.wake.notify_one();
        self.thread.take()
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        if let Some(thread) = self.close() {
            let _ = thread.join();
        }
    }
}

impl BatchingWriter {
    /// Queues one or more whole lines for the flusher; drops them (counted) when too much is pending.
    pub(crate) fn append(&self, line: &[u8]) {
        let mut pending = self.shared.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if pending.len() + line.len() > MAX_PENDING || self.shared.closed.load(Ordering::Relaxed) {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let was_below = pending.len() < FLUSH_AT;
        pending.extend_from_slice(line);
        let crossed = was_below && pending.len() >= FLUSH_AT;
        drop(pending);
        if crossed {
            self.shared.wake.notify_one();
        }
    }
}

impl Write for BatchingWriter {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.append(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchingWriter {
    type Writer = BatchingWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex as StdMutex;

    #[derive(Clone, Default)]
    struct Sink(Arc<StdMutex<(Vec<u8>, usize)>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut s = self.0.lock().unwrap();
            s.0.extend_from_slice(buf);
            s.1 += 1;
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_are_written_in_batches_and_all_arrive_on_close() {
        let sink = Sink::default();
        let (writer, mut flusher) = spawn(sink.clone(), "test-batch", MAX_CHUNK).unwrap();
        for i in 0..10_000 {
            writer.clone().write_all(format!("line {i}\n").as_bytes()).unwrap();
        }
        flusher.close().unwrap().join().unwrap();
        let (bytes, writes) = sink.0.lock().unwrap().clone();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text.lines().count(), 10_000);
        assert!(text.ends_with("line 9999\n"));
        assert!(writes < 100, "{writes} writes for 10 000 lines: not batched");
        assert_eq!(flusher.dropped(), 0);
    }

    #[test]
    fn chunks_are_whole_lines_within_the_limit() {
        let batch = b"aa\nbbbb\ncc\nxxxxxxxxxxxx\nd\n";
        let parts: Vec<&[u8]> = chunks(batch, 6).collect();
        assert_eq!(parts, [&b"aa\n"[..], b"bbbb\n", b"cc\n", b"xxxxxxxxxxxx\n", b"d\n"]);
        assert_eq!(parts.concat(), batch);
        let whole: Vec<&[u8]> = chunks(batch, 1000).collect();
        assert_eq!(whole, [&batch[..]]);
        let unterminated: Vec<&[u8]> = chunks(b"abc\ndefgh", 5).collect();
        assert_eq!(unterminated, [&b"abc\n"[..], b"defgh"]);
    }

    #[test]
    fn a_line_waits_at_most_about_one_flush_interval() {
        let sink = Sink::default();
        let (writer, _flusher) = spawn(sink.clone(), "test-batch", MAX_CHUNK).unwrap();
        writer.clone().write_all(b"hello\n").unwrap();
        std::thread::sleep(FLUSH_EVERY * 4);
        assert_eq!(sink.0.lock().unwrap().0, b"hello\n");
    }

    #[test]
    fn lines_past_the_pending_limit_are_dropped_and_counted() {
        struct Stuck;
        impl Write for Stuck {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                std::thread::sleep(Duration::from_secs(3600));
                Ok(0)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let (writer, flusher) = spawn(Stuck, "test-stuck", MAX_CHUNK).unwrap();
        let line = vec![b'x'; 1024 * 1024];
        // The first batch gets stuck in the sink; then the buffer fills to MAX_PENDING and the rest drop.
        for _ in 0..64 {
            writer.clone().write_all(&line).unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(flusher.dropped() > 0, "nothing was dropped");
        std::mem::forget(flusher); // its thread is stuck on purpose
    }
}
