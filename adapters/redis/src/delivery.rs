//! One subscribed handler behind a gate, so that once `cancel` returns the handler is never called again.
//!
//! The dispatcher calls the handler while holding the gate's lock; `close` flips the flag and then takes the
//! lock once, which waits out a call in progress. A handler that cancels its own subscription from inside
//! `handle` must not wait for itself, so the dispatching thread remembers whose handler it is running.
//! Twin of `adapters/memory/src/delivery.rs` (adapters share no crate but the domain): keep both in step
//! (the memory bus never loses events, so its twin has no `resumed`).

use domain::bus::BusHandler;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The delivery whose handler this thread is running right now (0: none).
    static RUNNING: Cell<u64> = const { Cell::new(0) };
}

/// A handler plus the state that makes cancellation final.
pub(crate) struct Delivery {
    id: u64,
    handler: Arc<dyn BusHandler>,
    active: AtomicBool,
    in_call: Mutex<()>,
}

impl Delivery {
    pub(crate) fn new(handler: Arc<dyn BusHandler>) -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            handler,
            active: AtomicBool::new(true),
            in_call: Mutex::new(()),
        }
    }

    /// Calls the handler unless closed; a panicking handler loses this event but keeps its subscription.
    pub(crate) fn deliver(&self, topic: &str, payload: &[u8]) {
        let _call = self.in_call.lock().unwrap_or_else(PoisonError::into_inner);
        if !self.active.load(Ordering::Acquire) {
            return;
        }
        let outer = RUNNING.replace(self.id);
        let outcome = catch_unwind(AssertUnwindSafe(|| self.handler.handle(topic, payload)));
        RUNNING.set(outer);
        if outcome.is_err() {
            tracing::error!(topic, "event bus handler panicked; the event is lost for it");
        }
    }

    /// Tells the handler that events may have been lost (unless closed).
    pub(crate) fn resumed(&self) {
        let _call = self.in_call.lock().unwrap_or_else(PoisonError::into_inner);
        if !self.active.load(Ordering::Acquire) {
            return;
        }
        let outer = RUNNING.replace(self.id);
        let outcome = catch_unwind(AssertUnwindSafe(|| self.handler.resumed()));
        RUNNING.set(outer);
        if outcome.is_err() {
            tracing::error!("event bus handler panicked on resume");
        }
    }

    /// Stops delivery; when this returns no call is in progress (unless the caller is that call). Returns
    /// whether this was the first close.
    pub(crate) fn close(&self) -> bool {
        let first = self.active.swap(false, Ordering::AcqRel);
        if RUNNING.get() != self.id {
            drop(self.in_call.lock().unwrap_or_else(PoisonError::into_inner));
        }
        first
    }

    /// Whether `close` was called.
    #[cfg(test)]
    pub(crate) fn is_closed(&self) -> bool {
        !self.active.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    struct Counter(AtomicU64);
    impl BusHandler for Counter {
        fn handle(&self, _: &str, _: &[u8]) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn closed_delivery_never_calls_the_handler() {
        let counter = Arc::new(Counter(AtomicU64::new(0)));
        let delivery = Delivery::new(counter.clone());
        delivery.deliver("t", b"1");
        assert!(delivery.close());
        assert!(!delivery.close(), "second close reports it was already closed");
        delivery.deliver("t", b"2");
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    }

    struct SelfCloser(OnceLock<Arc<Delivery>>, AtomicU64);
    impl BusHandler for SelfCloser {
        fn handle(&self, _: &str, _: &[u8]) {
            self.1.fetch_add(1, Ordering::SeqCst);
            if let Some(delivery) = self.0.get() {
                delivery.close();
            }
        }
    }

    #[test]
    fn a_handler_can_close_its_own_delivery_without_deadlock() {
        let handler = Arc::new(SelfCloser(OnceLock::new(), AtomicU64::new(0)));
        let delivery = Arc::new(Delivery::new(handler.clone()));
        assert!(handler.0.set(delivery.clone()).is_ok());
        delivery.deliver("t", b"1");
        delivery.deliver("t", b"2");
        assert_eq!(handler.1.load(Ordering::SeqCst), 1);
        assert!(delivery.is_closed());
    }

    struct Panicker;
    impl BusHandler for Panicker {
        fn handle(&self, _: &str, _: &[u8]) {
            panic!("handler bug");
        }
    }

    #[test]
    fn a_panicking_handler_does_not_poison_the_gate() {
        let delivery = Delivery::new(Arc::new(Panicker));
        delivery.deliver("t", b"1");
        delivery.deliver("t", b"2");
        assert!(delivery.close());
    }
}
