//! Size-based rotation of one log file through logroller: `app.log` rolls to `app.log.1[.gz]`, older
//! backups shift up, and those past `max_backups` are deleted. Age limits live in `prune.rs`, because
//! logroller has none.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
    time::Duration,
};

use logroller::{Compression, LogRoller, LogRollerBuilder, Rotation, RotationSize};

use super::LogInitError;
use crate::config::LogConfig;

const BYTES_PER_MB: u64 = 1024 * 1024;
const SECONDS_PER_DAY: u64 = 24 * 60 * 60;

/// How every log file is rotated, in units the code uses (bytes, a `Duration`) rather than the config's
/// MB and days, so tests and tools can rotate at a few hundred bytes without a config of their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationPolicy {
    /// Rotate before a write would take the file to this many bytes.
    pub max_bytes: u64,
    /// Rotated files kept per log; `None` keeps them all.
    pub max_backups: Option<u64>,
    /// Rotated files older than this are deleted; `None` keeps them however old.
    pub max_age: Option<Duration>,
    /// Gzip rotated files (`app.log.1.gz`).
    pub compress: bool,
}

impl RotationPolicy {
    /// Reads `max_size` (MB), `max_backups` and `max_age` (days; 0 = unlimited) and `compress`.
    /// A zero `max_size` is refused: it would rotate on every line.
    pub fn from_config(cfg: &LogConfig) -> Result<Self, LogInitError> {
        let max_bytes = match cfg.max_size.checked_mul(BYTES_PER_MB) {
            Some(0) => {
                return Err(LogInitError::InvalidValue {
                    key: "log.max_size",
                    reason: "must be at least 1 (MB)".into(),
                });
            }
            Some(bytes) => bytes,
            None => {
                return Err(LogInitError::InvalidValue {
                    key: "log.max_size",
                    reason: format!("{} MB does not fit in 64 bits of bytes", cfg.max_size),
                });
            }
        };
        Ok(Self {
            max_bytes,
            max_backups: (cfg.max_backups > 0).then_some(u64::from(cfg.max_backups)),
            max_age: (cfg.max_age > 0).then(|| Duration::from_secs(u64::from(cfg.max_age) * SECONDS_PER_DAY)),
            compress: cfg.compress,
        })
    }
}

/// Opens (creating or appending to) `dir/file_name` behind a size-rotating appender.
///
/// The file is opened once with std first so a failure carries the real `io::Error`. Archives are
/// finished (compressed, shifted, pruned) on logroller's own thread, and `graceful_shutdown` makes each
/// flush and the final drop wait for that work, so a stopped service never leaves a half-written `.gz`.
pub(crate) fn open_rotating(dir: &Path, file_name: &str, policy: &RotationPolicy) -> Result<LogRoller, LogInitError> {
    let path = dir.join(file_name);
    fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|cause| LogInitError::OpenFile { path: path.clone(), cause })?;

    let mut builder = LogRollerBuilder::new(dir, Path::new(file_name))
        .rotation(Rotation::SizeBased(RotationSize::Bytes(policy.max_bytes)))
        .graceful_shutdown(true);
    if let Some(keep) = policy.max_backups {
        builder = builder.max_keep_files(keep);
    }
    if policy.compress {
        builder = builder.compression(Compression::Gzip);
    }
    builder.build().map_err(|cause| LogInitError::Rotation { path, cause })
}

/// A rotating file that is reopened from scratch after a failed write. logroller keeps renaming a file
/// that may no longer exist, so once the log directory is deleted (a cleaner, an operator) every later
/// rotation fails; reopening recreates the directory and file and logging resumes by itself. While the
/// fault lasts each line costs one failed open on the writer thread, never on a request.
pub(crate) struct ReopeningRoller {
    dir: PathBuf,
    file_name: String,
    policy: RotationPolicy,
    current: Option<LogRoller>,
}

impl ReopeningRoller {
    /// Opens the file now, so start-up still fails on a bad path.
    pub(crate) fn open(dir: &Path, file_name: &str, policy: &RotationPolicy) -> Result<Self, LogInitError> {
        let current = open_rotating(dir, file_name, policy)?;
        Ok(Self {
            dir: dir.to_owned(),
            file_name: file_name.to_owned(),
            policy: policy.clone(),
            current: Some(current),
        })
    }

    fn roller(&mut self) -> io::Result<&mut LogRoller> {
        let roller = match self.current.take() {
            Some(roller) => roller,
            None => {
                fs::create_dir_all(&self.dir)?;
                open_rotating(&self.dir, &self.file_name, &self.policy).map_err(|e| match e {
                    LogInitError::OpenFile { cause, .. } => cause,
                    other => io::Error::other(other.to_string()),
                })?
            }
        };
        Ok(self.current.insert(roller))
    }
}

impl Write for ReopeningRoller {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.roller()?.write(buf);
        if result.is_err() {
            // Dropping also lets logroller finish any archive it had started.
            self.current = None;
        }
        result
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.current {
            Some(roller) => roller.flush(),
            None => Ok(()),
        }
    }
}
