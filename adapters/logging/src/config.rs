//! The `log` section of the configuration, as the logger reads it (keys kept from the Go platform). The
//! composition root deserializes it as part of its config tree and hands it here.

use serde::Deserialize;

/// Output format of log lines.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Text,
}

/// Where console logs go.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub enum LogOutput {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Log section (keys kept from the Go platform).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `trace`, `debug`, `info`, `warn` or `error`; `RUST_LOG` overrides it.
    pub level: String,
    /// `json` or `text`.
    pub format: LogFormat,
    /// Console stream.
    pub output: LogOutput,
    /// Main log file (everything at `level`), under `log_dir`.
    pub filename: String,
    /// Directory of all log files.
    pub log_dir: String,
    /// One line per HTTP request, under `log_dir`.
    pub access_log_file: String,
    /// Warnings and errors only, under `log_dir`.
    pub error_log_file: String,
    /// Scheduler events, under `log_dir/cron/`.
    pub cron_log_file: String,
    /// Write to the console.
    pub enable_console: bool,
    /// Write the files.
    pub enable_file: bool,
    /// Rotate a file when it reaches this many MB.
    pub max_size: u64,
    /// Delete rotated files older than this many days (0 = keep).
    pub max_age: u32,
    /// Rotated files kept per log (0 = keep all).
    pub max_backups: u32,
    /// Gzip rotated files.
    pub compress: bool,
}

/// A config value spelled as one of a few names; anything else is refused with the names that would do, so
/// a typo gets "expected json or text, found \"xml\"" instead of serde's enum jargon.
fn named<T: Copy>(names: &[(&str, T)], raw: &str) -> Result<T, String> {
    names.iter().find(|(name, _)| *name == raw).map(|(_, v)| *v).ok_or_else(|| {
        let names: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        format!("expected {}, found {raw:?}", names.join(" or "))
    })
}

impl TryFrom<String> for LogFormat {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        named(&[("json", Self::Json), ("text", Self::Text)], &raw)
    }
}

impl TryFrom<String> for LogOutput {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        named(&[("stdout", Self::Stdout), ("stderr", Self::Stderr)], &raw)
    }
}
