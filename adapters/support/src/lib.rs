//! Small pieces several adapter crates share, so each is written once.
//!
//! [`Delivery`]: one event-bus subscription behind a gate that makes cancelling it final, for the Redis and
//! the in-memory event bus.
//!
//! [`Cleanup`] and [`Scoped`]: the guard the Redis and MongoDB test support hand out, which removes a test's
//! own corner of a shared server (its key prefix, its database) once the last value using it is dropped,
//! panics included. It never decides what to remove; each adapter's test support says that.

mod delivery;

pub use delivery::Delivery;

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send>;

/// Runs an async clean-up when dropped, on a thread and runtime of its own: `Drop` cannot await, and the
/// test's runtime may be single-threaded. A failure is printed, never a panic in a drop.
pub struct Cleanup {
    what: String,
    job: Mutex<Option<Job>>,
}

impl Cleanup {
    /// A guard that runs `job` when the last holder drops it; `what` names it in the warning if it fails.
    pub fn new<F, Fut>(what: impl Into<String>, job: F) -> Arc<Self>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let job: Job = Box::new(move || Box::pin(job()));
        Arc::new(Self { what: what.into(), job: Mutex::new(Some(job)) })
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let Some(job) = self.job.lock().unwrap_or_else(PoisonError::into_inner).take() else { return };
        let outcome = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(job())
        })
        .join();
        if !matches!(outcome, Ok(Ok(()))) {
            eprintln!("warning: could not clean up {}: {outcome:?}", self.what);
        }
    }
}

/// A value that keeps its [`Cleanup`] from running while it lives; derefs to the value.
pub struct Scoped<T> {
    value: T,
    _cleanup: Arc<Cleanup>,
}

impl<T> Scoped<T> {
    /// Wraps `value`, holding `cleanup` until it is dropped.
    pub fn new(value: T, cleanup: Arc<Cleanup>) -> Self {
        Self { value, _cleanup: cleanup }
    }
}

impl<T> Deref for Scoped<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn the_job_runs_once_after_the_last_holder_and_not_before() {
        let runs = Arc::new(AtomicU32::new(0));
        let counter = runs.clone();
        let cleanup = Cleanup::new("a test corner", move || async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        let a = Scoped::new(1, cleanup.clone());
        let b = Scoped::new("two", cleanup);
        assert_eq!((*a, *b), (1, "two"));
        drop(a);
        assert_eq!(runs.load(Ordering::SeqCst), 0, "one holder is left");
        drop(b);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failing_job_is_reported_not_panicked_even_inside_a_runtime() {
        let cleanup = Cleanup::new("a broken corner", || async { Err("refused".to_owned()) });
        drop(Scoped::new((), cleanup));
    }
}
