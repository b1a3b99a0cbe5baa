//! Start, run, stop: the shutdown signal, background components and close hooks, in one place.
//!
//! On SIGINT/SIGTERM the root token is cancelled. The HTTP server stops accepting and lets in-flight
//! requests finish; every background component (WebSocket hub, scheduler...) sees the same token and
//! finishes its current unit of work. Once they are done, or the timeout passes, the close hooks release
//! pools and connections in reverse order of registration. Logs are flushed last, by the caller.

use futures::future::BoxFuture;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long the close hooks (pools, connections) get in all once the components have stopped.
pub const CLOSE_BUDGET: Duration = Duration::from_secs(5);

/// Owns the shutdown token, the background components and the close hooks.
#[derive(Default)]
pub struct Lifecycle {
    token: CancellationToken,
    tasks: Mutex<Vec<(&'static str, JoinHandle<()>)>>,
    closers: Mutex<Vec<(&'static str, BoxFuture<'static, ()>)>>,
}

impl Lifecycle {
    /// A lifecycle that has not been asked to stop.
    pub fn new() -> Self {
        Self::default()
    }

    /// The token components watch; cancelled when shutdown begins.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// Runs a background component. It must return soon after the token is cancelled.
    pub fn spawn(&self, name: &'static str, component: impl Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(component);
        self.tasks.lock().expect("lifecycle tasks poisoned").push((name, handle));
    }

    /// Registers a hook run after every component stopped (closing pools, flushing buffers).
    pub fn on_close(&self, name: &'static str, hook: impl Future<Output = ()> + Send + 'static) {
        self.closers.lock().expect("lifecycle closers poisoned").push((name, Box::pin(hook)));
    }

    /// Begins shutdown (idempotent).
    pub fn begin_shutdown(&self) {
        self.token.cancel();
    }

    /// Cancels the token, waits for components until `timeout` has passed in all (aborting stragglers),
    /// then runs the close hooks newest first within [`CLOSE_BUDGET`] in all, so a stop never takes longer
    /// than the configured timeout plus that budget, however many components are registered.
    pub async fn shutdown(&self, timeout: Duration) {
        self.token.cancel();
        let deadline = tokio::time::Instant::now() + timeout;
        let tasks = std::mem::take(&mut *self.tasks.lock().expect("lifecycle tasks poisoned"));
        for (name, mut handle) in tasks {
            match tokio::time::timeout_at(deadline, &mut handle).await {
                Ok(Ok(())) => tracing::info!(component = name, "stopped"),
                Ok(Err(err)) => tracing::error!(component = name, error = %err, "component failed while stopping"),
                Err(_) => {
                    handle.abort();
                    tracing::warn!(component = name, timeout_secs = timeout.as_secs(), "did not stop in time; aborted");
                }
            }
        }
        let closers = std::mem::take(&mut *self.closers.lock().expect("lifecycle closers poisoned"));
        let deadline = tokio::time::Instant::now() + CLOSE_BUDGET;
        for (name, hook) in closers.into_iter().rev() {
            if tokio::time::timeout_at(deadline, hook).await.is_err() {
                tracing::warn!(hook = name, "close hook timed out");
            }
        }
    }
}

/// Resolves on the first SIGINT or SIGTERM (Ctrl-C elsewhere).
pub async fn termination_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => tracing::info!(signal = "SIGINT", "shutdown requested"),
                    _ = term.recv() => tracing::info!(signal = "SIGTERM", "shutdown requested"),
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn components_stop_before_close_hooks_run_newest_first() {
        let lifecycle = Lifecycle::new();
        let order = Arc::new(Mutex::new(Vec::new()));
        let token = lifecycle.token();
        let o = order.clone();
        lifecycle.spawn("worker", async move {
            token.cancelled().await;
            o.lock().unwrap().push("worker");
        });
        for name in ["db", "redis"] {
            let o = order.clone();
            lifecycle.on_close(name, async move { o.lock().unwrap().push(name) });
        }
        lifecycle.shutdown(Duration::from_secs(1)).await;
        assert_eq!(*order.lock().unwrap(), vec!["worker", "redis", "db"]);
    }

    #[tokio::test]
    async fn stragglers_are_aborted_after_the_timeout() {
        let lifecycle = Lifecycle::new();
        let finished = Arc::new(AtomicUsize::new(0));
        let f = finished.clone();
        lifecycle.spawn("stuck", async move {
            tokio::time::sleep(Duration::from_secs(60)).await;
            f.fetch_add(1, Ordering::SeqCst);
        });
        let started = std::time::Instant::now();
        lifecycle.shutdown(Duration::from_millis(100)).await;
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(finished.load(Ordering::SeqCst), 0);
    }

    /// Regression: each straggler used to get the whole timeout in turn, so three stuck components made a
    /// 1 s shutdown take 3 s.
    #[tokio::test]
    async fn the_timeout_bounds_all_components_together() {
        let lifecycle = Lifecycle::new();
        for name in ["a", "b", "c"] {
            lifecycle.spawn(name, tokio::time::sleep(Duration::from_secs(60)));
        }
        let started = std::time::Instant::now();
        lifecycle.shutdown(Duration::from_secs(1)).await;
        let took = started.elapsed();
        assert!(took < Duration::from_millis(2500), "three stragglers took {took:?} under a 1 s timeout");
    }
}
