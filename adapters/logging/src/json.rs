//! JSON writing shared by the access line and the span fields: string escaping, one field as `"name":value`,
//! and [`SpanFields`], the span-field formatter of the JSON layers.
//!
//! tracing-subscriber's `JsonFields` builds a `BTreeMap` of `serde_json::Value`s and serializes it through an
//! adaptor that re-checks UTF-8 on every write; every HTTP request opens a span, so that was paid on every
//! request. [`SpanFields`] writes the same object (keys sorted, the last value of a repeated key kept)
//! straight into the span's buffer. Values are rendered as tracing-subscriber renders them: integers and
//! booleans bare, floats as serde_json writes them, strings and `Debug`/`Display` values as JSON strings.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FormatFields, FormattedFields};

/// Appends `s` as a JSON string, quotes included.
pub(crate) fn push_str(out: &mut String, s: &str) {
    out.push('"');
    escape_into(out, s);
    out.push('"');
}

/// Whether any byte of `word` (eight bytes) is below 0x20, a quote or a backslash.
fn word_needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    // Bytes below 0x20: subtracting 0x20 borrows into the high bit of exactly those (ASCII or not, a byte
    // with its high bit set never reports: `!word` masks it).
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    control || has_zero(word ^ (ONES * u64::from(b'"'))) || has_zero(word ^ (ONES * u64::from(b'\\')))
}

fn byte_needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Appends `s` escaped for the inside of a JSON string (RFC 8259: quote, backslash, control characters),
/// eight bytes at a time while nothing needs escaping.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut clean = 0;
    while clean + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[clean..clean + 8]);
        if word_needs_escape(u64::from_le_bytes(word)) {
            break;
        }
        clean += 8;
    }
    if !bytes[clean..].iter().copied().any(byte_needs_escape) {
        out.push_str(s);
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(clean) {
        if !byte_needs_escape(b) {
            continue;
        }
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// A `fmt::Write` that escapes what is written into a JSON string.
pub(crate) struct Escaping<'a>(pub(crate) &'a mut String);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_into(self.0, s);
        Ok(())
    }
}

/// Appends a float as serde_json writes it (`1.0`, `0.25`, `1e300`); JSON has no NaN, so those are `null`.
pub(crate) fn push_f64(out: &mut String, value: f64) {
    if !value.is_finite() {
        out.push_str("null");
        return;
    }
    let mut buf = [0u8; 32];
    let mut cursor = &mut buf[..];
    if serde_json::to_writer(&mut cursor, &value).is_ok() {
        let left = cursor.len();
        if let Ok(text) = std::str::from_utf8(&buf[..buf.len() - left]) {
            out.push_str(text);
            return;
        }
    }
    let _ = write!(out, "{value}");
}

/// Renders one value of a field as JSON text into `out`.
pub(crate) struct ValueWriter<'a> {
    pub(crate) out: &'a mut String,
}

impl ValueWriter<'_> {
    pub(crate) fn f64(&mut self, value: f64) {
        push_f64(self.out, value);
    }

    pub(crate) fn i64(&mut self, value: i64) {
        let _ = write!(self.out, "{value}");
    }

    pub(crate) fn u64(&mut self, value: u64) {
        let _ = write!(self.out, "{value}");
    }

    pub(crate) fn bool(&mut self, value: bool) {
        self.out.push_str(if value { "true" } else { "false" });
    }

    pub(crate) fn str(&mut self, value: &str) {
        push_str(self.out, value);
    }

    pub(crate) fn debug(&mut self, value: &dyn fmt::Debug) {
        self.out.push('"');
        let _ = write!(Escaping(self.out), "{value:?}");
        self.out.push('"');
    }
}

/// The span-field formatter of the JSON layers: `{"key":value,...}`, keys sorted, as `JsonFields` writes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SpanFields;

/// Collects `(name, JSON text)` pairs in record order.
#[derive(Default)]
struct Collect {
    fields: Vec<(&'static str, String)>,
}

impl Collect {
    fn value(&mut self, field: &Field) -> ValueWriter<'_> {
        self.fields.push((field.name(), String::new()));
        let last = self.fields.len() - 1;
        ValueWriter { out: &mut self.fields[last].1 }
    }

    /// The object, keys sorted and the last value of a repeated key kept.
    fn write(mut self, out: &mut dyn fmt::Write) -> fmt::Result {
        // A stable sort keeps repeats in record order; the last of each run wins.
        self.fields.sort_by(|a, b| a.0.cmp(b.0));
        out.write_char('{')?;
        let mut first = true;
        for (i, (name, value)) in self.fields.iter().enumerate() {
            if self.fields.get(i + 1).is_some_and(|next| next.0 == *name) {
                continue;
            }
            if !first {
                out.write_char(',')?;
            }
            first = false;
            let mut key = String::with_capacity(name.len() + 2);
            push_str(&mut key, name);
            out.write_str(&key)?;
            out.write_char(':')?;
            out.write_str(value)?;
        }
        out.write_char('}')
    }
}

impl Visit for Collect {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.value(field).f64(value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.value(field).i64(value);
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.value(field).u64(value);
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.value(field).bool(value);
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.value(field).str(value);
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.value(field).debug(value);
    }
}

impl<'writer> FormatFields<'writer> for SpanFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut collect = Collect::default();
        fields.record(&mut collect);
        collect.write(&mut writer)
    }

    /// Fields recorded after the span was created (`span.record(...)`): rare, so the existing object is
    /// parsed and merged as `JsonFields` does.
    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let mut collect = Collect::default();
        fields.record(&mut collect);
        if current.fields.is_empty() {
            return collect.write(&mut current.fields);
        }
        let mut merged: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&current.fields).map_err(|_| fmt::Error)?;
        for (name, value) in collect.fields {
            let value = serde_json::from_str(&value).map_err(|_| fmt::Error)?;
            merged.insert(name.to_owned(), value);
        }
        current.fields = serde_json::to_string(&merged).map_err(|_| fmt::Error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_json_wants() {
        for raw in [
            "",
            "plain",
            "\u{8}\u{c}",
            "a\"b\\c\nd\te\u{1}f 中",
            "exactly8",
            "0123456789abcdef\"",
            "中文中文中文\u{7f}\u{1f}",
        ] {
            let mut out = String::new();
            push_str(&mut out, raw);
            let parsed: String = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{out}: {e}"));
            assert_eq!(parsed, raw);
            assert_eq!(out, serde_json::to_string(raw).unwrap().replace("\\u007f", "\u{7f}"), "{raw:?}");
        }
    }

    #[test]
    fn the_word_check_finds_every_byte_that_needs_escaping() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut word = [b'a'; 8];
                word[pos] = b;
                assert_eq!(word_needs_escape(u64::from_le_bytes(word)), byte_needs_escape(b), "byte {b:#x} at {pos}");
            }
        }
    }

    #[test]
    fn floats_are_written_as_serde_json_writes_them() {
        for v in [0.0, 1.0, 0.25, 1.513_044, 1e300, -2.5] {
            let mut out = String::new();
            push_f64(&mut out, v);
            assert_eq!(out, serde_json::to_string(&v).unwrap());
        }
        let mut out = String::new();
        push_f64(&mut out, f64::NAN);
        assert_eq!(out, "null");
    }
}
