//! Deletes rotated log files older than `max_age`, which logroller cannot do. Runs once at start-up and
//! then on a background thread; it only ever touches `<name>.<N>` and `<name>.<N>.gz` beside a live log,
//! never the live file itself nor logroller's in-flight `<name>.pending.<N>` files.

use std::{
    fs, io,
    io::Write as _,
    path::{Path, PathBuf},
    sync::mpsc::{self, RecvTimeoutError},
    thread::{self, JoinHandle},
    time::{Duration, SystemTime},
};

/// A live log file whose backups are subject to the age limit.
#[derive(Clone, Debug)]
pub(crate) struct PruneTarget {
    /// Directory holding the file and its backups.
    pub(crate) dir: PathBuf,
    /// The live file's name, e.g. `app.log`.
    pub(crate) file_name: String,
}

/// Whether `candidate` is a rotated backup of `file_name`: `app.log.3` or `app.log.3.gz`.
pub(crate) fn is_backup_of(file_name: &str, candidate: &str) -> bool {
    let Some(rest) = candidate.strip_prefix(file_name).and_then(|r| r.strip_prefix('.')) else {
        return false;
    };
    let index = rest.strip_suffix(".gz").unwrap_or(rest);
    !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit())
}

/// Deletes the backups of `dir/file_name` last modified before `now - max_age` and returns their paths.
/// A backup's mtime is when it was rotated out (compression writes a new file; renames keep the time).
pub(crate) fn prune_expired(
    dir: &Path,
    file_name: &str,
    max_age: Duration,
    now: SystemTime,
) -> io::Result<Vec<PathBuf>> {
    let Some(cutoff) = now.checked_sub(max_age) else {
        return Ok(Vec::new());
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        // Deleted at run time; the writer recreates it on its next line, with no backups to prune.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !is_backup_of(file_name, name) {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if meta.is_file() && meta.modified()? < cutoff {
            match fs::remove_file(entry.path()) {
                Ok(()) => removed.push(entry.path()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}

/// Prunes every target once, reporting failures on stderr: an expired backup left behind is not worth
/// stopping the service for.
pub(crate) fn prune_all(targets: &[PruneTarget], max_age: Duration) {
    for target in targets {
        if let Err(e) = prune_expired(&target.dir, &target.file_name, max_age, SystemTime::now()) {
            let _ = writeln!(
                io::stderr(),
                "exchange: cannot prune old backups of {}: {e}",
                target.dir.join(&target.file_name).display()
            );
        }
    }
}

/// The background pruning thread; dropping it stops the thread and waits for it.
pub(crate) struct Pruner {
    stop: Option<mpsc::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

impl Pruner {
    /// Starts a thread that prunes `targets` every `interval` until dropped.
    pub(crate) fn spawn(targets: Vec<PruneTarget>, max_age: Duration, interval: Duration) -> io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let handle = thread::Builder::new().name("log-prune".into()).spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                prune_all(&targets, max_age);
            }
        })?;
        Ok(Self { stop: Some(stop), handle: Some(handle) })
    }
}

impl Drop for Pruner {
    fn drop(&mut self) {
        // Closing the channel wakes the thread at once.
        self.stop.take();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}
