//! Why logging could not start. Each variant names the config key or the path at fault, because start-up
//! prints this message and stops; nothing here is raised after start-up (run-time faults only go to stderr).

use std::{io, path::PathBuf};

/// Logging could not be set up; the message names the key (`log.level`, `RUST_LOG`, …) or the path and the
/// OS reason, so the operator can fix the config or the disk without reading code.
#[derive(Debug, thiserror::Error)]
pub enum LogInitError {
    /// `log.level` is not one of the five levels.
    #[error("log.level: `{value}` is not a level (expected trace, debug, info, warn or error)")]
    InvalidLevel {
        /// The value found in the config.
        value: String,
    },
    /// `RUST_LOG` is set but does not parse as an `EnvFilter` directive list.
    #[error("RUST_LOG: `{value}` is not a valid filter: {reason}")]
    InvalidRustLog {
        /// The value of the variable.
        value: String,
        /// What the parser objected to.
        reason: String,
    },
    /// A `log` key holds a value the logger cannot use (a zero size, a file name with a path in it).
    #[error("{key}: {reason}")]
    InvalidValue {
        /// The config key, e.g. `log.max_size`.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `log_dir` (or its `cron/` subdirectory) could not be created.
    #[error("cannot create log directory {}: {cause}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        cause: io::Error,
    },
    /// A log file could not be opened for appending.
    #[error("cannot open log file {}: {cause}", path.display())]
    OpenFile {
        /// The file.
        path: PathBuf,
        /// The OS error.
        cause: io::Error,
    },
    /// The rotating appender refused the file after it opened fine (unexpected; the reason is logroller's).
    #[error("cannot set up rotation of {}: {cause}", path.display())]
    Rotation {
        /// The file.
        path: PathBuf,
        /// logroller's error.
        cause: logroller::LogRollerError,
    },
    /// A background thread of the logger could not be started.
    #[error("cannot start the {name} thread: {cause}")]
    SpawnThread {
        /// The thread's name.
        name: &'static str,
        /// The OS error.
        cause: io::Error,
    },
    /// `init` was called when a global subscriber (or `log` logger) was already installed.
    #[error("logging is already initialised in this process: {0}")]
    AlreadyInitialized(String),
}
