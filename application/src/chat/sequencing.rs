//! How a message gets its seq and reaches the bus in seq order, and how a survivor finishes what a dead
//! sender left.
//!
//! A send reserves the conversation's next seq, stores the message, **publishes it while the seq is still
//! reserved**, then commits. Since the next seq of the conversation can only be reserved after that commit,
//! publishes of one conversation leave in seq order from whichever instances send them, and the bus keeps
//! that order. The lease is renewed while the store write runs, so a slow write keeps its seq and a dead
//! sender's seq is free after one lease.
//!
//! A sender can die between storing and publishing. Whoever reserves that seq next finds it stored
//! (`SeqTaken`) and publishes the stored message before moving past it, still under its own reservation,
//! so order holds; and a background sweep ([`ChatService::complete_abandoned`]) does the same for a
//! conversation where nobody sends again. Gateways drop a seq they already delivered, so a message
//! announced twice reaches each connection once.

use super::error::ChatError;
use super::service::{ChatService, SendOutcome};
use domain::chat::{
    ClientMsgId, ConnectionId, ConversationId, HistoryQuery, Message, MessageBody, MessageId, MessageKind,
    MessageStoreError, SeqError, SeqReservation,
};
use domain::ids::UserId;
use std::future::Future;
use std::time::Duration;

/// How many reservations one send may go through after finding its seq stored by a dead holder.
const SEQ_RETRIES: usize = 3;

/// Most abandoned conversations one sweep completes.
const SWEEP_BATCH: usize = 64;

impl ChatService {
    /// Reserve -> insert -> publish -> commit, retrying when a dead holder's seq turns out to be stored.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn store(
        &self,
        conversation: ConversationId,
        sender: Option<UserId>,
        client_id: Option<ClientMsgId>,
        kind: MessageKind,
        body: MessageBody,
        recipients: &[UserId],
        origin: Option<ConnectionId>,
    ) -> Result<SendOutcome, ChatError> {
        for _ in 0..SEQ_RETRIES {
            let reservation =
                self.sequences.reserve(&conversation, self.options.seq_lease, self.options.seq_wait).await?;
            let message = Message {
                id: MessageId::new(),
                conversation,
                sender,
                client_id: client_id.clone(),
                seq: reservation.seq,
                kind,
                body: body.clone(),
                created_at: self.now(),
                edited_at: None,
                recalled_at: None,
            };
            let stored = self
                .while_reserved(&reservation, async {
                    self.messages.insert(&message).await?;
                    self.announce(&message, recipients, origin).await;
                    Ok::<(), MessageStoreError>(())
                })
                .await;
            match stored {
                Ok(()) => {
                    if let Err(err) = self.sequences.commit(&reservation).await {
                        // Stored and announced under a seq whose lease ran out: the next reserver meets
                        // SeqTaken and moves past it, so ordering still holds.
                        tracing::warn!(error = %err, seq = message.seq, "seq commit after store failed");
                    }
                    return Ok(SendOutcome { message, duplicate: false });
                }
                Err(MessageStoreError::Duplicate(existing)) => {
                    let _ = self.sequences.release(&reservation).await;
                    return Ok(SendOutcome { message: *existing, duplicate: true });
                }
                Err(MessageStoreError::SeqTaken) => self.move_past_stored(&reservation, recipients).await?,
                Err(err) => {
                    let _ = self.sequences.release(&reservation).await;
                    return Err(err.into());
                }
            }
        }
        Err(ChatError::Busy)
    }

    /// Runs `work` while renewing `reservation` every third of its lease, so a write slower than the lease
    /// keeps its seq. A lost renewal is only logged: the store's unique seq decides who stored what.
    async fn while_reserved<T>(&self, reservation: &SeqReservation, work: impl Future<Output = T>) -> T {
        let lease = self.options.seq_lease;
        let every = (lease / 3).max(Duration::from_millis(10));
        let renew = async {
            loop {
                self.timer.sleep(every).await;
                if let Err(err) = self.sequences.renew(reservation, lease).await {
                    tracing::debug!(error = %err, seq = reservation.seq, "seq lease not renewed");
                    if matches!(err, SeqError::Lost) {
                        return;
                    }
                }
            }
        };
        futures::pin_mut!(work);
        futures::pin_mut!(renew);
        match futures::future::select(work, renew).await {
            futures::future::Either::Left((done, _)) => done,
            futures::future::Either::Right(((), work)) => work.await,
        }
    }

    /// Our reserved seq is stored already: a dead holder stored it (and may not have announced it), or the
    /// allocator lags the store (its data was lost). Announces the stored message if it is the newest, still
    /// under our reservation so it leaves before anything later, then moves the allocator past the store.
    async fn move_past_stored(&self, reservation: &SeqReservation, recipients: &[UserId]) -> Result<(), ChatError> {
        let conversation = reservation.conversation;
        let stored = self.messages.max_seq(&conversation).await?;
        if stored == reservation.seq
            && let Some(message) = self.stored_at(&conversation, stored).await?
        {
            self.announce(&message, recipients, None).await;
        }
        self.sequences.advance_to(&conversation, stored.max(reservation.seq)).await?;
        Ok(())
    }

    async fn stored_at(&self, conversation: &ConversationId, seq: u64) -> Result<Option<Message>, ChatError> {
        let query = HistoryQuery::new(*conversation, Some(seq.saturating_sub(1)), Some(seq + 1), 1)?;
        Ok(self.messages.history(&query).await?.into_iter().find(|m| m.seq == seq))
    }

    /// Finishes sends whose holder died: for each conversation whose seq lease ran out unfinished, takes the
    /// seq over and, if the dead holder had stored it, announces it and commits; otherwise frees the seq.
    /// Returns how many stored-but-unannounced messages it announced. Every gateway instance runs this
    /// every half lease; two doing the same conversation at once only announce it twice.
    pub async fn complete_abandoned(&self) -> Result<usize, ChatError> {
        let mut announced = 0;
        for conversation in self.sequences.stale(SWEEP_BATCH).await? {
            let reservation = match self.sequences.reserve(&conversation, self.options.seq_lease, Duration::ZERO).await
            {
                Ok(r) => r,
                // Someone reserved it in between: a live sender moves past it itself.
                Err(SeqError::Busy | SeqError::Lost) => continue,
                Err(SeqError::Infra(e)) => return Err(e.into()),
            };
            let stored = self.messages.max_seq(&conversation).await?;
            if stored < reservation.seq {
                let _ = self.sequences.release(&reservation).await;
                continue;
            }
            if stored == reservation.seq
                && let Some(message) = self.stored_at(&conversation, stored).await?
            {
                let recipients = self.participants(&conversation).await?;
                self.announce(&message, &recipients, None).await;
                announced += 1;
                tracing::info!(conversation = %conversation, seq = stored, "announced a message its sender stored but never published");
            }
            self.sequences.advance_to(&conversation, stored).await?;
        }
        Ok(announced)
    }
}
