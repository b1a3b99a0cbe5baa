//! A writer that says once on stderr that a log file stopped taking writes (disk full, file or directory
//! made unwritable), then stays quiet until writes succeed again, so a broken disk neither floods stderr
//! nor goes unnoticed. It never panics and never retries: the failed line is dropped.

use std::io::{self, Write};

/// Where fault and recovery notices go; stderr in service, a collector in tests.
pub(crate) type Reporter = Box<dyn FnMut(&str) + Send>;

/// Wraps the writer of one log destination and reports its first failure and its recovery.
pub(crate) struct FaultReportingWriter<W> {
    inner: W,
    label: String,
    failing: bool,
    report: Reporter,
}

impl<W: Write> FaultReportingWriter<W> {
    /// Reports on stderr; `label` names the destination (the file path) in the notices.
    pub(crate) fn new(inner: W, label: impl Into<String>) -> Self {
        Self::with_reporter(
            inner,
            label,
            Box::new(|notice| {
                // `eprintln!` would panic if stderr is gone too; a lost notice is better than a dead thread.
                let _ = writeln!(io::stderr(), "{notice}");
            }),
        )
    }

    /// Sends notices to `report` instead of stderr.
    pub(crate) fn with_reporter(inner: W, label: impl Into<String>, report: Reporter) -> Self {
        Self { inner, label: label.into(), failing: false, report }
    }

    /// Only a successful write proves recovery: a flush with nothing buffered succeeds on a dead disk.
    fn observe<T>(&mut self, result: io::Result<T>, proves_recovery: bool) -> io::Result<T> {
        match &result {
            Ok(_) if self.failing && proves_recovery => {
                self.failing = false;
                (self.report)(&format!("exchange: log {} is writable again", self.label));
            }
            Err(e) if e.kind() != io::ErrorKind::Interrupted && !self.failing => {
                self.failing = true;
                (self.report)(&format!(
                    "exchange: cannot write log {}: {e}; its lines are dropped until writes succeed again",
                    self.label
                ));
            }
            _ => {}
        }
        result
    }
}

impl<W: Write> Write for FaultReportingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.observe(result, true)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.observe(result, false)
    }
}
