//! Logging of the whole process, driven by [`LogConfig`] (the config's `log` section): the console and four
//! rotated files under `log_dir`, all written on background threads so a request never waits for a disk.
//!
//! What goes where (see `routing.rs`): `app.log` and the console get every event at `log.level`
//! (`RUST_LOG` overrides it), **including** the access and cron lines; `access.log` gets only target
//! `access` events, `error.log` only WARN and ERROR, `cron/cron.log` only targets starting with `cron`.
//! Files rotate at `max_size` MB into `<name>.<N>[.gz]`, at most `max_backups` kept, none older than
//! `max_age` days. A disk that fails at run time costs log lines, never the service: the fault is said
//! once on stderr. This module must never panic on I/O nor block the caller on a write.

mod access;
pub(crate) mod batch_writer;
mod config;
mod error;
mod fault_reporting_writer;
mod guard;
mod json;
mod layers;
mod prune;
mod rotation;
mod routing;
mod tee;
#[cfg(test)]
mod tests;

use std::{
    fs,
    io::{self, IsTerminal as _, Write},
    path::{Path, PathBuf},
    time::Duration,
};

use tracing::Subscriber;
use tracing_subscriber::{
    Layer as _, Registry,
    filter::{FilterExt as _, filter_fn},
    layer::SubscriberExt as _,
    registry::LookupSpan,
    util::SubscriberInitExt as _,
};

pub use error::LogInitError;
pub use guard::LogGuard;
pub use rotation::RotationPolicy;
pub use routing::{ACCESS_TARGET, CRON_TARGET_PREFIX};

use access::{AccessDestination, AccessLayer, Takes};
use batch_writer::BatchingWriter;
pub use config::{LogConfig, LogFormat, LogOutput};
use fault_reporting_writer::FaultReportingWriter;
use layers::{BoxedLayer, LineStyle, fmt_layer};
use prune::{PruneTarget, Pruner, prune_all};
use tee::Tee;

/// Subdirectory of `log_dir` holding the scheduler's log (kept from the Go platform's layout).
const CRON_SUBDIR: &str = "cron";

/// Settings of the logger that are not in `LogConfig`: the rotation in code units, `RUST_LOG`, and the
/// timings of the background threads. Separate so tests can rotate at bytes and ignore the environment.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// How files rotate.
    pub rotation: RotationPolicy,
    /// `RUST_LOG` directives that replace `log.level` when present and not blank.
    pub rust_log: Option<String>,
    /// How often expired backups are looked for after the start-up pass.
    pub prune_interval: Duration,
    /// How long dropping the `LogGuard` waits for queued lines to reach their files.
    pub flush_timeout: Duration,
}

impl BuildOptions {
    /// What `build` uses: rotation from `cfg`, `RUST_LOG` from the environment, hourly pruning, and up to
    /// ten seconds to flush at shutdown.
    pub fn from_config_and_env(cfg: &LogConfig) -> Result<Self, LogInitError> {
        Ok(Self {
            rotation: RotationPolicy::from_config(cfg)?,
            rust_log: std::env::var("RUST_LOG").ok(),
            prune_interval: Duration::from_secs(60 * 60),
            flush_timeout: Duration::from_secs(10),
        })
    }
}

/// Builds the subscriber described by `cfg` without installing it, so a caller can install it globally
/// (`init`), for one thread (`tracing::subscriber::with_default`), or layer more on top. The guard must
/// outlive every use of the subscriber.
pub fn build(
    cfg: &LogConfig,
) -> Result<(impl Subscriber + for<'a> LookupSpan<'a> + Send + Sync + 'static, LogGuard), LogInitError> {
    build_with(cfg, BuildOptions::from_config_and_env(cfg)?)
}

/// `build` with the options spelled out (tests rotate at a few hundred bytes and set `rust_log`).
pub fn build_with(
    cfg: &LogConfig,
    opts: BuildOptions,
) -> Result<(impl Subscriber + for<'a> LookupSpan<'a> + Send + Sync + 'static, LogGuard), LogInitError> {
    let level = routing::parse_level(&cfg.level)?;
    let verbosity = || routing::level_filter(level, opts.rust_log.as_deref());
    verbosity()?; // refuse a bad RUST_LOG before any thread starts

    let mut guard = LogGuard::new(opts.flush_timeout);
    let mut layers: Vec<BoxedLayer> = Vec::new();
    let full = LineStyle { format: cfg.format, ansi: false, current_span: true };

    let json = cfg.format == LogFormat::Json;
    let console = match (cfg.enable_console, cfg.output) {
        (false, _) => None,
        (true, LogOutput::Stdout) => Some((
            spawn_writer(io::stdout(), "stdout".into(), "log-console", batch_writer::MAX_CHUNK, &mut guard)?,
            io::stdout().is_terminal(),
        )),
        (true, LogOutput::Stderr) => Some((
            spawn_writer(io::stderr(), "stderr".into(), "log-console", batch_writer::MAX_CHUNK, &mut guard)?,
            io::stderr().is_terminal(),
        )),
    };
    let files = if cfg.enable_file {
        let files = LogFiles::from_config(cfg)?;
        create_dir(&files.dir)?;
        create_dir(&files.cron_dir)?;
        let targets = files.prune_targets();
        if let Some(max_age) = opts.rotation.max_age {
            prune_all(&targets, max_age);
        }
        let mut open = |dir: &Path, name: &str, thread: &'static str| -> Result<BatchingWriter, LogInitError> {
            let roller = rotation::ReopeningRoller::open(dir, name, &opts.rotation)?;
            // A quarter of the rotation size per write keeps rotated files within 25% of `max_size`.
            let chunk = usize::try_from(opts.rotation.max_bytes / 4).unwrap_or(usize::MAX);
            spawn_writer(roller, dir.join(name).display().to_string(), thread, chunk, &mut guard)
        };
        let writers = FileWriters {
            app: open(&files.dir, &files.app, "log-app")?,
            access: open(&files.dir, &files.access, "log-access")?,
            error: open(&files.dir, &files.error, "log-error")?,
            cron: open(&files.cron_dir, &files.cron, "log-cron")?,
        };
        if let Some(max_age) = opts.rotation.max_age {
            let pruner = Pruner::spawn(targets, max_age, opts.prune_interval)
                .map_err(|cause| LogInitError::SpawnThread { name: "log-prune", cause })?;
            guard.set_pruner(pruner);
        }
        Some(writers)
    } else {
        None
    };

    if json {
        // The console and app.log take the same lines in the same (uncoloured) style: each line is formatted
        // once for both. Access lines are formatted once by the access layer for every destination that
        // takes them, so the `fmt` layers leave them alone.
        let general = match (console.map(|(w, _)| w), files.as_ref().map(|f| f.app.clone())) {
            (Some(console), Some(app)) => Some(Tee::both(console, app)),
            (Some(one), None) | (None, Some(one)) => Some(Tee::one(one)),
            (None, None) => None,
        };
        let mut access_destinations = Vec::new();
        if let Some(general) = general {
            let takes = Takes::AtVerbosity(Box::new(verbosity()?));
            access_destinations.push(AccessDestination { writer: general.clone(), takes, current_span: true });
            let not_access = filter_fn(|meta| meta.target() != ACCESS_TARGET);
            layers.push(fmt_layer(full, general).with_filter(verbosity()?.and(not_access)).boxed());
        }
        if let Some(files) = files {
            let access = AccessDestination { writer: Tee::one(files.access), takes: Takes::Every, current_span: false };
            access_destinations.push(access);
            push_error_and_cron(&mut layers, full, files.error, files.cron, &verbosity)?;
        }
        if !access_destinations.is_empty() {
            layers.push(AccessLayer::new(access_destinations).boxed());
        }
    } else {
        if let Some((console, ansi)) = console {
            let style = LineStyle { ansi, ..full };
            layers.push(fmt_layer(style, console).with_filter(verbosity()?).boxed());
        }
        if let Some(files) = files {
            let bare = LineStyle { current_span: false, ..full };
            layers.push(fmt_layer(full, files.app).with_filter(verbosity()?).boxed());
            layers.push(fmt_layer(bare, files.access).with_filter(routing::access_log_filter()).boxed());
            push_error_and_cron(&mut layers, full, files.error, files.cron, &verbosity)?;
        }
    }

    Ok((Registry::default().with(layers), guard))
}

/// The writers of the four files.
struct FileWriters {
    app: BatchingWriter,
    access: BatchingWriter,
    error: BatchingWriter,
    cron: BatchingWriter,
}

/// `error.log` (WARN and ERROR of every target, with the spans at the verbosity) and `cron/cron.log`.
fn push_error_and_cron(
    layers: &mut Vec<BoxedLayer>,
    style: LineStyle,
    error: BatchingWriter,
    cron: BatchingWriter,
    verbosity: &dyn Fn() -> Result<tracing_subscriber::EnvFilter, LogInitError>,
) -> Result<(), LogInitError> {
    layers.push(fmt_layer(style, error).with_filter(routing::error_log_filter(verbosity()?)).boxed());
    layers.push(fmt_layer(style, cron).with_filter(routing::cron_log_filter(verbosity()?)).boxed());
    Ok(())
}

/// Builds the logger and installs it as the process's global subscriber, bridging records of the `log`
/// crate (sqlx and others) into it. Call once, first thing in `main`, and hold the guard until exit.
pub fn init(cfg: &LogConfig) -> Result<LogGuard, LogInitError> {
    let (subscriber, guard) = build(cfg)?;
    subscriber.try_init().map_err(|e| LogInitError::AlreadyInitialized(e.to_string()))?;
    Ok(guard)
}

/// Puts `inner` behind a lossy batching writer and its own thread, reporting write faults once.
pub(crate) fn spawn_writer<W: Write + Send + 'static>(
    inner: W,
    label: String,
    thread: &'static str,
    max_chunk: usize,
    guard: &mut LogGuard,
) -> Result<BatchingWriter, LogInitError> {
    let (writer, flusher) = batch_writer::spawn(FaultReportingWriter::new(inner, label.clone()), thread, max_chunk)
        .map_err(|cause| LogInitError::SpawnThread { name: thread, cause })?;
    guard.push_destination(label, flusher);
    Ok(writer)
}

fn create_dir(path: &Path) -> Result<(), LogInitError> {
    fs::create_dir_all(path).map_err(|cause| LogInitError::CreateDir { path: path.to_owned(), cause })
}

/// The file names and directories of `LogConfig`, checked: plain names, none shared, a non-empty dir.
struct LogFiles {
    dir: PathBuf,
    cron_dir: PathBuf,
    app: String,
    access: String,
    error: String,
    cron: String,
}

impl LogFiles {
    fn from_config(cfg: &LogConfig) -> Result<Self, LogInitError> {
        if cfg.log_dir.trim().is_empty() {
            return Err(LogInitError::InvalidValue { key: "log.log_dir", reason: "must not be empty".into() });
        }
        let app = plain_file_name("log.filename", &cfg.filename)?;
        let access = plain_file_name("log.access_log_file", &cfg.access_log_file)?;
        let error = plain_file_name("log.error_log_file", &cfg.error_log_file)?;
        let cron = plain_file_name("log.cron_log_file", &cfg.cron_log_file)?;
        for (key, name, earlier) in [
            ("log.access_log_file", &access, &app),
            ("log.error_log_file", &error, &app),
            ("log.error_log_file", &error, &access),
        ] {
            if name == earlier {
                return Err(LogInitError::InvalidValue {
                    key,
                    reason: format!("`{name}` is already used by another log file"),
                });
            }
        }
        let dir = PathBuf::from(&cfg.log_dir);
        Ok(Self { cron_dir: dir.join(CRON_SUBDIR), dir, app, access, error, cron })
    }

    fn prune_targets(&self) -> Vec<PruneTarget> {
        [(&self.dir, &self.app), (&self.dir, &self.access), (&self.dir, &self.error), (&self.cron_dir, &self.cron)]
            .into_iter()
            .map(|(dir, name)| PruneTarget { dir: dir.clone(), file_name: name.clone() })
            .collect()
    }
}

/// A log file name must be a bare name: rotation and pruning match backups by it within one directory.
fn plain_file_name(key: &'static str, name: &str) -> Result<String, LogInitError> {
    let bad = name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']);
    if bad {
        return Err(LogInitError::InvalidValue {
            key,
            reason: format!("`{name}` must be a plain file name (no directory part)"),
        });
    }
    Ok(name.to_owned())
}
