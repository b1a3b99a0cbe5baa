//! Runs CPU-heavy closures on threads of their own, at most `max_concurrent` at once, with at most
//! `max_queue` callers waiting for a turn.
//!
//! Past the queue bound callers are refused at once rather than piling up: a login storm then costs a few
//! 503s instead of unbounded memory and latency. Closures never run on the async workers.
//!
//! The threads run at a lower scheduling priority ([`WORKER_NICE`]): where they share a core with the async
//! workers (one core, or a busy machine), the workers win it, so a login storm slows logins instead of
//! every other request. On tokio's blocking pool (before) a storm on one core took half of it from
//! `/ping` (docs/benchmarks.md, login storm). An idle core still runs them at full speed.

use domain::InfraError;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use tokio::sync::{Semaphore, TryAcquireError, oneshot};

/// The nice value of the worker threads (0 is normal, 19 the lowest): the CFS weight of nice 10 is about a
/// tenth of nice 0's, so a saturated core gives hashing about 10% instead of half.
pub(crate) const WORKER_NICE: i32 = 10;

/// One closure and what it holds on to until it has run (its permit).
type Job = Box<dyn FnOnce() + Send>;

/// Bounded access to the blocking pool for one kind of work, named by `backend` in errors.
#[derive(Debug)]
pub(crate) struct BlockingGate {
    backend: &'static str,
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_concurrent: usize,
    max_queue: usize,
    /// Feeds the worker threads (started on first use); dropping it ends them.
    workers: Mutex<Option<mpsc::Sender<Job>>>,
}

/// Why a caller was turned away without running; the source of `InfraError::Unavailable`.
#[derive(Debug, thiserror::Error)]
#[error("{max_concurrent} running and {max_queue} waiting already")]
pub(crate) struct QueueFull {
    max_concurrent: usize,
    max_queue: usize,
}

/// Decrements the waiting count however the wait ends, cancellation included.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl BlockingGate {
    /// `max_concurrent` of 0 means one per CPU.
    pub(crate) fn new(backend: &'static str, max_concurrent: usize, max_queue: usize) -> Self {
        let max_concurrent = if max_concurrent == 0 {
            std::thread::available_parallelism().map(usize::from).unwrap_or(1)
        } else {
            max_concurrent
        };
        Self {
            backend,
            permits: Arc::new(Semaphore::new(max_concurrent)),
            waiting: AtomicUsize::new(0),
            max_concurrent,
            max_queue,
            workers: Mutex::new(None),
        }
    }

    /// Hands `job` to a worker, starting the workers on first use.
    fn submit(&self, job: Job) -> Result<(), InfraError> {
        let mut workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        let sender = match &*workers {
            Some(sender) => sender.clone(),
            None => {
                let (sender, receiver) = mpsc::channel::<Job>();
                let receiver = Arc::new(Mutex::new(receiver));
                for i in 0..self.max_concurrent {
                    let receiver = Arc::clone(&receiver);
                    std::thread::Builder::new()
                        .name(format!("{}-{i}", self.backend))
                        .spawn(move || {
                            lower_priority();
                            loop {
                                let next = receiver.lock().unwrap_or_else(PoisonError::into_inner).recv();
                                match next {
                                    Ok(job) => job(),
                                    Err(_) => return,
                                }
                            }
                        })
                        .map_err(|e| InfraError::unexpected(self.backend, e))?;
                }
                workers.insert(sender).clone()
            }
        };
        drop(workers);
        sender.send(job).map_err(|_| InfraError::unexpected(self.backend, WorkersGone))
    }

    /// How many closures may run at once (0 in the options already resolved to the CPU count).
    pub(crate) fn max_concurrent(&self) -> usize {
        self.max_concurrent
    }

    /// Runs `work` on the blocking pool once a permit is free; refuses at once when the queue is full.
    ///
    /// The permit moves into the blocking closure, so work abandoned by its caller (a dropped request) keeps
    /// counting against the bound until it really finishes.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, InfraError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(TryAcquireError::NoPermits) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_queue {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(InfraError::unavailable(
                        self.backend,
                        QueueFull { max_concurrent: self.max_concurrent, max_queue: self.max_queue },
                    ));
                }
                let _waiting = Waiting(&self.waiting);
                Arc::clone(&self.permits).acquire_owned().await.map_err(|e| InfraError::unexpected(self.backend, e))?
            }
            Err(closed @ TryAcquireError::Closed) => return Err(InfraError::unexpected(self.backend, closed)),
        };
        let (done, result) = oneshot::channel();
        self.submit(Box::new(move || {
            let _permit = permit;
            // The caller may have gone (a dropped request): then nobody wants the result.
            let _ = done.send(work());
        }))?;
        result.await.map_err(|_| InfraError::unexpected(self.backend, WorkersGone))
    }
}

/// A worker thread died (the closure panicked) before answering.
#[derive(Debug, thiserror::Error)]
#[error("the worker thread stopped before finishing")]
struct WorkersGone;

/// Lowers the calling thread's priority to [`WORKER_NICE`] (Linux: nice values are per thread).
#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: gettid and setpriority take no pointers; a failure leaves the thread at normal priority.
    let failed = unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, WORKER_NICE) != 0
    };
    if failed {
        tracing::warn!(error = %std::io::Error::last_os_error(), "hashing threads run at normal priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// A closure that blocks until the test releases it, reporting that it started.
    fn parked(started: mpsc::Sender<()>, release: mpsc::Receiver<()>) -> impl FnOnce() -> u8 + Send + 'static {
        move || {
            let _ = started.send(()); // nobody listens for the second one
            release.recv().unwrap();
            7
        }
    }

    #[tokio::test]
    async fn refuses_past_running_plus_queue_and_recovers() {
        let gate = Arc::new(BlockingGate::new("password_hasher", 1, 1));
        let (started_tx, started_rx) = mpsc::channel();
        let (release_first, first_rx) = mpsc::channel();
        let (release_second, second_rx) = mpsc::channel();

        let first = tokio::spawn({
            let gate = Arc::clone(&gate);
            let work = parked(started_tx.clone(), first_rx);
            async move { gate.run(work).await }
        });
        tokio::task::spawn_blocking(move || started_rx.recv_timeout(Duration::from_secs(5)))
            .await
            .unwrap()
            .expect("first closure started");
        // The first holds the only permit; the second waits in the single queue slot.
        let second = tokio::spawn({
            let gate = Arc::clone(&gate);
            let work = parked(started_tx, second_rx);
            async move { gate.run(work).await }
        });
        while gate.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }

        let third = gate.run(|| 0u8).await;
        match third {
            Err(InfraError::Unavailable { backend, .. }) => assert_eq!(backend, "password_hasher"),
            other => panic!("expected Unavailable, got {other:?}"),
        }

        release_first.send(()).unwrap();
        assert_eq!(first.await.unwrap().unwrap(), 7);
        release_second.send(()).unwrap();
        assert_eq!(second.await.unwrap().unwrap(), 7);
        assert_eq!(gate.waiting.load(Ordering::Acquire), 0);
        assert_eq!(gate.run(|| 1u8).await.unwrap(), 1, "capacity is back once the work is done");
    }

    #[tokio::test]
    async fn a_cancelled_waiter_frees_its_queue_slot() {
        let gate = Arc::new(BlockingGate::new("password_hasher", 1, 1));
        let (started_tx, started_rx) = mpsc::channel();
        let (release, release_rx) = mpsc::channel();
        let running = tokio::spawn({
            let gate = Arc::clone(&gate);
            let work = parked(started_tx, release_rx);
            async move { gate.run(work).await }
        });
        tokio::task::spawn_blocking(move || started_rx.recv_timeout(Duration::from_secs(5)))
            .await
            .unwrap()
            .expect("closure started");

        let waiter = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move { gate.run(|| 0u8).await }
        });
        while gate.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        waiter.abort();
        assert!(waiter.await.unwrap_err().is_cancelled());
        assert_eq!(gate.waiting.load(Ordering::Acquire), 0, "the aborted waiter left the queue");

        // The freed slot can be taken again.
        let again = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move { gate.run(|| 2u8).await }
        });
        while gate.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap().unwrap(), 7);
        assert_eq!(again.await.unwrap().unwrap(), 2);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn work_runs_at_the_lower_priority() {
        let gate = BlockingGate::new("password_hasher", 1, 1);
        // SAFETY: getpriority takes no pointers; errno is not looked at (-1 cannot be mistaken here).
        let nice = gate.run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }).await.unwrap();
        assert_eq!(nice, WORKER_NICE);
    }

    #[test]
    fn zero_means_one_per_cpu() {
        let cpus = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
        assert_eq!(BlockingGate::new("x", 0, 0).max_concurrent(), cpus);
        assert_eq!(BlockingGate::new("x", 3, 0).max_concurrent(), 3);
    }
}
