//! Keeps the locks of a running tick alive: extends every guard each third of the lease, and cancels the run
//! if one of them turns out to be held by someone else (the lease ran out while Redis was unreachable).

use domain::schedule::{DistributedLock, LockGuard};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A background extender for a set of guards.
pub(crate) struct Keeper {
    lost: Arc<AtomicBool>,
    lost_token: CancellationToken,
    done: CancellationToken,
    handle: JoinHandle<()>,
}

impl Keeper {
    /// Starts extending `guards` every `lease / 3`.
    pub(crate) fn start(lock: Arc<dyn DistributedLock>, guards: Vec<LockGuard>, lease: Duration) -> Self {
        let lost = Arc::new(AtomicBool::new(false));
        let lost_token = CancellationToken::new();
        let done = CancellationToken::new();
        let every = (lease / 3).max(Duration::from_millis(100));
        let handle = tokio::spawn({
            let (lost, lost_token, done) = (lost.clone(), lost_token.clone(), done.clone());
            async move {
                loop {
                    tokio::select! {
                        _ = done.cancelled() => return,
                        _ = tokio::time::sleep(every) => {}
                    }
                    for guard in &guards {
                        match lock.extend(guard, lease).await {
                            Ok(true) => {}
                            Ok(false) => {
                                tracing::error!(target: "cron::runner", key = %guard.key, "lock lost while running");
                                lost.store(true, Ordering::SeqCst);
                                lost_token.cancel();
                                return;
                            }
                            Err(e) => {
                                tracing::warn!(target: "cron::runner", key = %guard.key, error = %e, "cannot extend the lock; will retry")
                            }
                        }
                    }
                }
            }
        });
        Self { lost, lost_token, done, handle }
    }

    /// True once a guard was found taken over.
    pub(crate) fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Cancelled once a guard was found taken over.
    pub(crate) fn lost_token(&self) -> CancellationToken {
        self.lost_token.clone()
    }

    /// Stops extending.
    pub(crate) async fn stop(self) {
        self.done.cancel();
        let _ = self.handle.await;
    }
}
