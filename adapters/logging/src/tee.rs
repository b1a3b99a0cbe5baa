//! One or two batching writers taking the same lines: the console and `app.log` get every event alike, so
//! in JSON (never coloured) each line is formatted once and appended to both.

use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;

use crate::batch_writer::BatchingWriter;

/// Appends every line to each of its writers. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Tee {
    first: BatchingWriter,
    second: Option<BatchingWriter>,
}

impl Tee {
    /// Lines go to `first` only.
    pub(crate) fn one(first: BatchingWriter) -> Self {
        Self { first, second: None }
    }

    /// Lines go to both.
    pub(crate) fn both(first: BatchingWriter, second: BatchingWriter) -> Self {
        Self { first, second: Some(second) }
    }

    /// Queues whole lines on every writer.
    pub(crate) fn append(&self, line: &[u8]) {
        self.first.append(line);
        if let Some(second) = &self.second {
            second.append(line);
        }
    }
}

impl Write for &Tee {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.append(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Tee {
    type Writer = &'a Tee;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}
