//! Which events reach which destination. The rules, in one place:
//!
//! - console and `app.log`: every event at `log.level` (or `RUST_LOG`), access and cron lines included,
//!   so one file tells the whole story of a request or a run;
//! - `access.log`: events with target [`ACCESS_TARGET`], whatever `log.level` says, because the access
//!   log is a record of requests, not a verbosity setting;
//! - `error.log`: WARN and ERROR from every target, whatever `log.level` says;
//! - `cron/cron.log`: events whose target starts with [`CRON_TARGET_PREFIX`], at `log.level`.
//!
//! `error.log` also sees the spans enabled at `log.level`, so a warning inside a request still names its
//! `request_id`; `cron.log` sees the scheduler's own spans only; `access.log` needs none (its event
//! carries the fields itself).

use tracing::Level;
use tracing_subscriber::{
    EnvFilter, Registry,
    filter::{Directive, FilterExt, LevelFilter, filter_fn},
    layer::Filter,
};

use super::LogInitError;

/// Target of the one-line-per-request access event (`tracing::info!(target: "access", …)`).
pub const ACCESS_TARGET: &str = "access";

/// Prefix of the scheduler's targets (`cron`, `cron::runner`, …) whose events also go to `cron.log`.
pub const CRON_TARGET_PREFIX: &str = "cron";

/// Reads `log.level`; only the five level names are accepted (any case), so a typo stops start-up.
pub(crate) fn parse_level(level: &str) -> Result<LevelFilter, LogInitError> {
    match level.trim().to_ascii_lowercase().as_str() {
        "trace" => Ok(LevelFilter::TRACE),
        "debug" => Ok(LevelFilter::DEBUG),
        "info" => Ok(LevelFilter::INFO),
        "warn" => Ok(LevelFilter::WARN),
        "error" => Ok(LevelFilter::ERROR),
        _ => Err(LogInitError::InvalidLevel { value: level.to_owned() }),
    }
}

/// The verbosity filter of the console, `app.log` and `cron.log`: `rust_log` when it is set and not blank
/// (it then replaces `level` entirely, as `RUST_LOG` does everywhere), else `level`.
pub(crate) fn level_filter(level: LevelFilter, rust_log: Option<&str>) -> Result<EnvFilter, LogInitError> {
    let builder = EnvFilter::builder().with_default_directive(Directive::from(level));
    let directives = rust_log.map(str::trim).unwrap_or_default();
    builder
        .parse(directives)
        .map_err(|e| LogInitError::InvalidRustLog { value: directives.to_owned(), reason: e.to_string() })
}

/// Lets through only the access events.
pub(crate) fn access_log_filter() -> impl Filter<Registry> + Send + Sync + 'static {
    filter_fn(|meta| meta.is_event() && meta.target() == ACCESS_TARGET)
}

/// Lets through WARN and ERROR events of every target, and the spans `verbosity` enables.
pub(crate) fn error_log_filter(verbosity: EnvFilter) -> impl Filter<Registry> + Send + Sync + 'static {
    let spans = FilterExt::<Registry>::and(verbosity, filter_fn(|meta| meta.is_span()));
    spans.or(filter_fn(|meta| meta.is_event() && *meta.level() <= Level::WARN))
}

/// Lets through the scheduler's events and spans at the `verbosity` level. Other spans (one per HTTP
/// request) are left out: formatting them for a file that never shows them cost measurable throughput.
pub(crate) fn cron_log_filter(verbosity: EnvFilter) -> impl Filter<Registry> + Send + Sync + 'static {
    verbosity.and(filter_fn(|meta| meta.target().starts_with(CRON_TARGET_PREFIX)))
}
