//! Per-conversation sequence numbers, handed out one reservation at a time.
//!
//! A plain counter (`INCR`) is not enough: two senders get 5 and 6, the store write of 6 lands first, a
//! reader syncing in between advances past 5 and never sees it. Here the next number is only handed out
//! after the previous reservation was committed (stored) or released (not stored), so seqs become visible
//! in order and without gaps. A reservation whose holder crashed expires after its lease; whoever
//! reserves next gets the same number and learns from the message store (duplicate seq) whether the
//! crashed holder had stored it, in which case it calls [`SequenceAllocator::advance_to`] and reserves again.
//!
//! Leases are short (well under a second by default) so a dead holder stalls its conversation only briefly;
//! a live holder whose store write is slow keeps its reservation with [`SequenceAllocator::renew`]. Expired
//! reservations are listed by [`SequenceAllocator::stale`], so a survivor can finish what a dead holder
//! left (publish a message it stored but never announced) even when nobody sends in that conversation again.

use crate::chat::conversation::ConversationId;
use crate::error::InfraError;
use async_trait::async_trait;
use std::time::Duration;

/// One reserved seq, to be committed after the message is stored or released if it was not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeqReservation {
    /// The conversation.
    pub conversation: ConversationId,
    /// The reserved number.
    pub seq: u64,
    /// Unique per reservation, so a late commit from an expired holder is refused.
    pub token: String,
}

/// Why a reservation call failed.
#[derive(Debug, thiserror::Error)]
pub enum SeqError {
    /// Another reservation stayed outstanding for the whole wait; retry later.
    #[error("sequence busy")]
    Busy,
    /// The reservation expired and was handed to someone else; its seq must not be used.
    #[error("reservation lost")]
    Lost,
    /// The backend failed.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

/// Hands out per-conversation seqs.
///
/// Contract (checked by `adapter_contracts::sequence`):
/// - For a fresh conversation the first reservation is seq 1. After `commit`, the next reservation is
///   seq + 1; after `release` (or lease expiry) it is the same seq again.
/// - At most one reservation per conversation is live: `reserve` waits up to `wait` for the current one to
///   be committed, released or expire, and otherwise returns `Busy`. Conversations are independent.
/// - `commit` and `release` MUST return `Lost` (and change nothing) when the token is not the live
///   reservation any more; committing twice is `Lost` the second time.
/// - Across instances sharing a backend, the above holds globally; concurrent reservers never get the same
///   seq while a reservation is live.
/// - `renew` extends the live reservation's lease to `lease` from now; `Lost` (and nothing changes) when the
///   token is not the live reservation any more (expired, committed, released, cancelled).
/// - `current` is the last committed seq (0 for none). `advance_to(n)` raises it to `n` if lower (never
///   lowers it) and cancels any live reservation at or below `n`.
/// - `stale(limit)` lists (at most `limit`) conversations whose reservation's lease ran out without a
///   commit or release: its holder died or stalled. A conversation leaves the list once it is reserved
///   again, committed, released or advanced past; a live (unexpired) reservation is never listed.
#[async_trait]
pub trait SequenceAllocator: Send + Sync {
    /// Reserves the next seq, waiting up to `wait` for the current holder; the reservation lives `lease`.
    async fn reserve(
        &self,
        conversation: &ConversationId,
        lease: Duration,
        wait: Duration,
    ) -> Result<SeqReservation, SeqError>;
    /// The message with this seq is stored: the next reservation gets seq + 1.
    async fn commit(&self, reservation: &SeqReservation) -> Result<(), SeqError>;
    /// The message was not stored: the next reservation gets this seq again.
    async fn release(&self, reservation: &SeqReservation) -> Result<(), SeqError>;
    /// Extends the live reservation's lease (a holder whose store write is slow, not dead).
    async fn renew(&self, reservation: &SeqReservation, lease: Duration) -> Result<(), SeqError>;
    /// Conversations whose reservation expired unfinished, for a survivor to complete.
    async fn stale(&self, limit: usize) -> Result<Vec<ConversationId>, InfraError>;
    /// The last committed seq of a conversation.
    async fn current(&self, conversation: &ConversationId) -> Result<u64, InfraError>;
    /// Raises the last committed seq to at least `seq` (after finding it stored, or seeding after data loss).
    async fn advance_to(&self, conversation: &ConversationId, seq: u64) -> Result<(), InfraError>;
}
