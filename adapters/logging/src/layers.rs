//! Formatting layers: one `fmt` layer per destination, in JSON (one object per line, event fields as
//! top-level keys beside `timestamp`, `level` and `target`) or text. Never colours a file.

use tracing_subscriber::{Layer, Registry, fmt, fmt::MakeWriter};

use crate::config::LogFormat;
use crate::json::SpanFields;

/// A layer of the registry, boxed so the set of destinations can be chosen at run time.
pub(crate) type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync + 'static>;

/// Options of one destination's formatting.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LineStyle {
    /// JSON or text.
    pub(crate) format: LogFormat,
    /// Colour codes (only for a console that is a terminal).
    pub(crate) ansi: bool,
    /// Name the current span in each line (useful in app.log; noise in access.log).
    pub(crate) current_span: bool,
}

/// Builds the unfiltered formatting layer writing to `writer`.
pub(crate) fn fmt_layer<W>(style: LineStyle, writer: W) -> BoxedLayer
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let base = fmt::layer().with_ansi(style.ansi).with_writer(writer);
    match style.format {
        LogFormat::Json => base
            .json()
            .flatten_event(true)
            .with_current_span(style.current_span)
            .with_span_list(false)
            .fmt_fields(SpanFields)
            .boxed(),
        LogFormat::Text => base.boxed(),
    }
}
