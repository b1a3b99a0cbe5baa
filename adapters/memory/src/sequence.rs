//! Per-conversation seqs with one live reservation each, in a map. Waiters park on a per-conversation
//! `Notify` that commit, release and `advance_to` wake, and on a timer for lease expiry; the map's lock is
//! never held across an `.await`.

use async_trait::async_trait;
use domain::InfraError;
use domain::chat::{ConversationId, SeqError, SeqReservation, SequenceAllocator};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Seqs kept in process memory (one instance; nothing survives a restart, so after one the message store's
/// `max_seq` must seed it through `advance_to`).
#[derive(Debug, Default)]
pub struct MemorySequenceAllocator {
    state: Mutex<State>,
}

/// Every conversation's slot, and which of them hold a reservation (live or expired), so `stale` looks at
/// those only.
#[derive(Debug, Default)]
struct State {
    slots: HashMap<ConversationId, Slot>,
    reserved: HashSet<ConversationId>,
}

#[derive(Debug, Default)]
struct Slot {
    /// Last committed seq.
    head: u64,
    live: Option<Live>,
    /// Woken whenever the live reservation ends early (commit, release, cancellation).
    wake: Arc<Notify>,
}

#[derive(Debug)]
struct Live {
    seq: u64,
    token: String,
    expires: Instant,
}

impl Slot {
    fn live_at(&self, now: Instant) -> Option<&Live> {
        self.live.as_ref().filter(|l| l.expires > now)
    }

    fn end_live(&mut self) {
        self.live = None;
        self.wake.notify_waiters();
    }
}

/// Why a reservation attempt did not succeed: whom to wait for, and until when at most.
struct Held {
    wake: Arc<Notify>,
    expires: Instant,
}

impl MemorySequenceAllocator {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn try_reserve(&self, conversation: &ConversationId, lease: Duration) -> Result<SeqReservation, Held> {
        let mut state = self.state();
        let State { slots, reserved } = &mut *state;
        let slot = slots.entry(*conversation).or_default();
        let now = Instant::now();
        if let Some(live) = slot.live_at(now) {
            return Err(Held { wake: slot.wake.clone(), expires: live.expires });
        }
        let seq = slot.head + 1;
        let token = uuid::Uuid::now_v7().simple().to_string();
        let expires = now.checked_add(lease).unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600));
        slot.live = Some(Live { seq, token: token.clone(), expires });
        reserved.insert(*conversation);
        Ok(SeqReservation { conversation: *conversation, seq, token })
    }

    /// Ends `reservation` if it is the live one, first applying `on_end` to the slot.
    fn finish(&self, reservation: &SeqReservation, on_end: impl FnOnce(&mut Slot)) -> Result<(), SeqError> {
        let mut state = self.state();
        let slot = state.slots.get_mut(&reservation.conversation).ok_or(SeqError::Lost)?;
        let ours =
            slot.live_at(Instant::now()).is_some_and(|l| l.token == reservation.token && l.seq == reservation.seq);
        if !ours {
            return Err(SeqError::Lost);
        }
        on_end(slot);
        slot.end_live();
        state.reserved.remove(&reservation.conversation);
        Ok(())
    }
}

#[async_trait]
impl SequenceAllocator for MemorySequenceAllocator {
    async fn reserve(
        &self,
        conversation: &ConversationId,
        lease: Duration,
        wait: Duration,
    ) -> Result<SeqReservation, SeqError> {
        let give_up = Instant::now().checked_add(wait).unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        loop {
            let held = match self.try_reserve(conversation, lease) {
                Ok(reservation) => return Ok(reservation),
                Err(held) => held,
            };
            if Instant::now() >= give_up {
                return Err(SeqError::Busy);
            }
            // Register for the wake-up first, then look again: an end in between is seen either way.
            let notified = held.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let held = match self.try_reserve(conversation, lease) {
                Ok(reservation) => return Ok(reservation),
                Err(held) => held,
            };
            let _ = tokio::time::timeout_at(held.expires.min(give_up), notified).await;
        }
    }

    async fn commit(&self, reservation: &SeqReservation) -> Result<(), SeqError> {
        self.finish(reservation, |slot| slot.head = slot.head.max(reservation.seq))
    }

    async fn release(&self, reservation: &SeqReservation) -> Result<(), SeqError> {
        self.finish(reservation, |_| {})
    }

    async fn renew(&self, reservation: &SeqReservation, lease: Duration) -> Result<(), SeqError> {
        let mut state = self.state();
        let slot = state.slots.get_mut(&reservation.conversation).ok_or(SeqError::Lost)?;
        let now = Instant::now();
        match slot.live.as_mut().filter(|l| l.expires > now) {
            Some(live) if live.token == reservation.token && live.seq == reservation.seq => {
                live.expires = now.checked_add(lease).unwrap_or(live.expires);
                Ok(())
            }
            _ => Err(SeqError::Lost),
        }
    }

    async fn stale(&self, limit: usize) -> Result<Vec<ConversationId>, InfraError> {
        let now = Instant::now();
        let state = self.state();
        let expired = state
            .reserved
            .iter()
            .filter(|c| state.slots.get(c).and_then(|slot| slot.live.as_ref()).is_some_and(|l| l.expires <= now));
        Ok(expired.copied().take(limit).collect())
    }

    async fn current(&self, conversation: &ConversationId) -> Result<u64, InfraError> {
        Ok(self.state().slots.get(conversation).map_or(0, |s| s.head))
    }

    async fn advance_to(&self, conversation: &ConversationId, seq: u64) -> Result<(), InfraError> {
        let mut state = self.state();
        let slot = state.slots.entry(*conversation).or_default();
        slot.head = slot.head.max(seq);
        if slot.live.as_ref().is_some_and(|l| l.seq <= seq) {
            slot.end_live();
            state.reserved.remove(conversation);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    adapter_contracts::sequence_suite!(async {
        let one = Arc::new(MemorySequenceAllocator::default());
        (one.clone(), one)
    });
}
