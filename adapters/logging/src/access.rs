//! The access line: one JSON line per HTTP request, formatted once and handed to every destination that
//! takes it (the console, `app.log`, `access.log`), instead of once per destination by each `fmt` layer.
//!
//! Measured on `GET /ping` (docs/benchmarks.md), formatting the access event through tracing-subscriber's
//! JSON formatter three times was most of the request's CPU: serde_json behind a `fmt::Write` adaptor
//! re-validating UTF-8 on every write, a `String` per `%`-formatted field, the timestamp formatted from
//! scratch. This layer writes the same JSON object (`timestamp`, `level`, the event's fields in order,
//! `target`, and `span` where the destination names the current span) straight into a reused buffer.
//! JSON format only; text lines still go through the `fmt` layers. It must never block nor panic.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::FormattedFields;
use tracing_subscriber::layer::{Context, Filter, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::json::{self, SpanFields, ValueWriter};
use crate::routing::ACCESS_TARGET;
use crate::tee::Tee;

/// Which access events a destination takes.
pub(crate) enum Takes {
    /// All of them (`access.log`, whatever `log.level` says).
    Every,
    /// Those its verbosity filter enables (the console and `app.log`, at `log.level` or `RUST_LOG`).
    AtVerbosity(Box<EnvFilter>),
}

impl Takes {
    fn takes<S>(&self, meta: &Metadata<'_>, ctx: &Context<'_, S>) -> bool
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        match self {
            Self::Every => true,
            Self::AtVerbosity(filter) => Filter::<S>::enabled(&**filter, meta, ctx),
        }
    }
}

/// One place access lines go, and whether its lines name the current span.
pub(crate) struct AccessDestination {
    /// Where the line is appended.
    pub(crate) writer: Tee,
    /// Which access events it takes.
    pub(crate) takes: Takes,
    /// `app.log` and the console name the current span like every other line there; `access.log` does not.
    pub(crate) current_span: bool,
}

/// Formats access events once and writes them to each destination that takes them.
pub(crate) struct AccessLayer {
    destinations: Vec<AccessDestination>,
}

impl AccessLayer {
    pub(crate) fn new(destinations: Vec<AccessDestination>) -> Self {
        Self { destinations }
    }
}

thread_local! {
    /// The line being formatted, its span-naming variant, and the cached second of the timestamp.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[derive(Default)]
struct Scratch {
    bare: String,
    full: String,
    clock: SecondCache,
}

impl<S> Layer<S> for AccessLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        if meta.target() != ACCESS_TARGET {
            return;
        }
        let mut takers = self.destinations.iter().filter(|d| d.takes.takes(meta, &ctx)).peekable();
        if takers.peek().is_none() {
            return;
        }
        // Re-entrancy (a destination logging while we format) cannot happen: writers never log.
        let _ = SCRATCH.try_with(|scratch| {
            let Ok(mut scratch) = scratch.try_borrow_mut() else { return };
            let Scratch { bare, full, clock } = &mut *scratch;
            bare.clear();
            bare.push_str("{\"timestamp\":\"");
            clock.write_now(bare);
            bare.push_str("\",\"level\":\"");
            bare.push_str(meta.level().as_str());
            bare.push('"');
            event.record(&mut JsonVisitor { out: bare });
            bare.push_str(",\"target\":");
            json::push_str(bare, meta.target());

            let span = event.parent().and_then(|id| ctx.span(id)).or_else(|| ctx.lookup_current());
            let full_line: &str = match &span {
                Some(span) => {
                    full.clear();
                    full.push_str(bare);
                    full.push_str(",\"span\":");
                    let ext = span.extensions();
                    match ext.get::<FormattedFields<SpanFields>>().map(|f| f.fields.trim()) {
                        Some(fields) if fields.starts_with('{') && fields.ends_with('}') && fields.len() > 2 => {
                            full.push_str(&fields[..fields.len() - 1]);
                            full.push(',');
                        }
                        _ => full.push('{'),
                    }
                    full.push_str("\"name\":");
                    json::push_str(full, span.metadata().name());
                    full.push_str("}}\n");
                    full
                }
                None => "",
            };
            bare.push_str("}\n");
            for dest in takers {
                let line = if dest.current_span && !full_line.is_empty() { full_line } else { bare.as_str() };
                dest.writer.append(line.as_bytes());
            }
        });
    }
}

/// Writes each field as `,"name":value`: integers and floats bare, strings and everything else quoted.
struct JsonVisitor<'a> {
    out: &'a mut String,
}

impl JsonVisitor<'_> {
    fn key(&mut self, field: &Field) -> ValueWriter<'_> {
        self.out.push(',');
        json::push_str(self.out, field.name());
        self.out.push(':');
        ValueWriter { out: self.out }
    }
}

impl Visit for JsonVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.key(field).f64(value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.key(field).i64(value);
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.key(field).u64(value);
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.key(field).bool(value);
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.key(field).str(value);
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.key(field).debug(value);
    }
}

/// The RFC 3339 UTC timestamp tracing-subscriber writes (`2026-12-07T23:26:08.994299Z`), with the part up
/// to the second formatted once per second.
#[derive(Default)]
struct SecondCache {
    second: u64,
    prefix: String,
}

impl SecondCache {
    fn write_now(&mut self, out: &mut String) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let second = now.as_secs();
        if self.prefix.is_empty() || second != self.second {
            self.second = second;
            self.prefix.clear();
            let (year, month, day) = civil_from_days((second / 86_400) as i64);
            let in_day = second % 86_400;
            let _ = write!(
                self.prefix,
                "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
                in_day / 3600,
                in_day % 3600 / 60,
                in_day % 60
            );
        }
        out.push_str(&self.prefix);
        let _ = write!(out, ".{:06}Z", now.subsec_micros());
    }
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_794), (2026, 12, 7));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn timestamps_look_like_tracing_subscribers() {
        let mut cache = SecondCache::default();
        let mut out = String::new();
        cache.write_now(&mut out);
        let parsed = chrono_like(&out);
        assert!(parsed, "{out}");
        let mut again = String::new();
        cache.write_now(&mut again);
        assert_eq!(out.len(), again.len(), "{out} vs {again}");
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`
    fn chrono_like(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 27
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'.'
            && b[26] == b'Z'
            && s.chars().filter(char::is_ascii_digit).count() == 20
    }
}

#[cfg(test)]
mod same_as_fmt {
    //! The access layer's lines must read exactly like tracing-subscriber's JSON lines (timestamps aside), so
    //! whatever parses the access log today keeps working.

    use super::*;
    use std::io;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::SubscriberExt as _;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn without_timestamp(line: &str) -> String {
        let start = line.find("\"timestamp\":\"").expect("a timestamp") + 13;
        let end = start + line[start..].find('"').expect("closing quote");
        format!("{}{}", &line[..start], &line[end..])
    }

    #[test]
    fn lines_match_the_fmt_json_formatter_field_for_field() {
        let ours = Captured::default();
        let (writer, mut flusher) = crate::batch_writer::spawn(ours.clone(), "test-access", 1 << 16).unwrap();
        // The stock JSON layer, and ours (the stock one with our span-field formatter), side by side.
        let theirs = Captured::default();
        let mixed = Captured::default();
        let destination =
            AccessDestination { writer: crate::tee::Tee::one(writer), takes: Takes::Every, current_span: true };
        let subscriber = tracing_subscriber::registry()
            .with(AccessLayer::new(vec![destination]))
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(theirs.clone()),
            )
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .fmt_fields(SpanFields)
                    .with_writer(mixed.clone()),
            );
        tracing::subscriber::with_default(subscriber, || {
            let ip: std::net::IpAddr = "10.0.0.7".parse().unwrap();
            tracing::info!(
                target: "access",
                request_id = "req-\"1\"",
                method = %"GET",
                status = 200u16,
                latency_ms = 1.25f64,
                bytes = 512u64,
                client_ip = %ip,
                user_id = "",
                ok = true,
                delta = -3i64,
                "request"
            );
            let _span = tracing::info_span!("request", request_id = "req-9", n = 3u64, b = %"x\"y").entered();
            tracing::info!(target: "access", status = 404u16, "request");
        });
        flusher.close().unwrap().join().unwrap();
        let ours = String::from_utf8(ours.0.lock().unwrap().clone()).unwrap();
        let lines = |c: &Captured| -> Vec<String> {
            String::from_utf8(c.0.lock().unwrap().clone()).unwrap().lines().map(without_timestamp).collect()
        };
        let ours: Vec<String> = ours.lines().map(without_timestamp).collect();
        assert_eq!(ours.len(), 2, "{ours:?}");
        assert!(ours[1].contains(r#""span":{"b":"x\"y","n":3,"request_id":"req-9","name":"request"}"#), "{}", ours[1]);
        assert_eq!(ours, lines(&theirs), "the access layer against the stock JSON layer");
        assert_eq!(lines(&mixed), lines(&theirs), "span fields by SpanFields against JsonFields");
    }
}
