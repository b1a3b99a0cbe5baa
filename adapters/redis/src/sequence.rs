//! Per-conversation seqs in Redis: one hash per conversation holding the committed head and, while reserved,
//! the live reservation's seq, token and lease deadline. Every operation is one Lua script, and leases are
//! timed by the server's clock (`TIME`), so instances with skewed clocks agree.
//!
//! Conversations fall into [`BUCKETS`] buckets by a stable hash of their id. Each bucket has a lease index
//! (a sorted set: conversation -> lease deadline) so [`SequenceAllocator::stale`] finds expired reservations
//! without scanning keys. A conversation's hash and its bucket's index share the hash tag `{seq<bucket>}`
//! (`seq:{seq3}:g:<id>` and `seq:{seq3}:leases`), so each script touches one Redis Cluster slot.
//!
//! A busy `reserve` polls: it sleeps 1 ms, doubling up to [`MAX_POLL`], never past the live lease's end or
//! its own `wait`, then tries again. A push (pub/sub per conversation, or a blocking pop) would wake waiters
//! sooner but costs a subscription per waiting conversation or a pooled connection blocked per waiter, and
//! must still fall back to a timer for lease expiry; a reservation is held for one insert (a few ms), so the
//! poll rarely fires more than a few times. Waiters are not served in arrival order.

use crate::connection::Conn;
use crate::error::{infra, malformed};
use crate::script::LuaScript;
use async_trait::async_trait;
use domain::InfraError;
use domain::chat::{ConversationId, SeqError, SeqReservation, SequenceAllocator};
use fred::prelude::{HashesInterface, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const RESERVE: &str = include_str!("lua/seq_reserve.lua");
const COMMIT: &str = include_str!("lua/seq_commit.lua");
const RELEASE: &str = include_str!("lua/seq_release.lua");
const ADVANCE: &str = include_str!("lua/seq_advance.lua");
const RENEW: &str = include_str!("lua/seq_renew.lua");
const STALE: &str = include_str!("lua/seq_stale.lua");

/// Lease-index buckets: enough to spread seqs over a cluster's primaries, few enough that `stale` (one call
/// per bucket) stays cheap.
pub(crate) const BUCKETS: u32 = 16;

/// Longest sleep between two attempts of a waiting `reserve`.
const MAX_POLL: Duration = Duration::from_millis(16);

/// [`SequenceAllocator`] on Redis, shared by every instance using the server and prefix; cheap to clone.
#[derive(Clone)]
pub struct RedisSequenceAllocator {
    conn: Arc<Conn>,
    scripts: Arc<Scripts>,
}

struct Scripts {
    reserve: LuaScript,
    commit: LuaScript,
    release: LuaScript,
    advance: LuaScript,
    renew: LuaScript,
    stale: LuaScript,
}

/// The bucket of a conversation: FNV-1a of its id, so every instance and version agrees.
fn bucket(conversation: &str) -> u32 {
    let hash = conversation.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    hash % BUCKETS
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX).max(1)
}

impl RedisSequenceAllocator {
    pub(crate) fn new(conn: Arc<Conn>) -> Self {
        let scripts = Scripts {
            reserve: LuaScript::new(RESERVE),
            commit: LuaScript::new(COMMIT),
            release: LuaScript::new(RELEASE),
            advance: LuaScript::new(ADVANCE),
            renew: LuaScript::new(RENEW),
            stale: LuaScript::new(STALE),
        };
        Self { conn, scripts: Arc::new(scripts) }
    }

    /// The conversation's hash and its bucket's lease index (same slot).
    fn keys(&self, conversation: &ConversationId) -> [String; 2] {
        let id = conversation.to_string();
        let tag = bucket(&id);
        [self.conn.key(&format!("seq:{{seq{tag}}}:{id}")), self.index(tag)]
    }

    fn index(&self, bucket: u32) -> String {
        self.conn.key(&format!("seq:{{seq{bucket}}}:leases"))
    }

    /// One attempt: `Ok(seq)` when reserved, `Err(time until the live lease ends)` when busy.
    async fn try_reserve(
        &self,
        keys: &[String; 2],
        member: &str,
        token: &str,
        lease: Duration,
    ) -> Result<Result<u64, Duration>, InfraError> {
        let args = vec![Value::from(token), Value::from(micros(lease)), Value::from(member)];
        let reply = self.scripts.reserve.run(&self.conn, keys, args).await?;
        let (won, amount) = match reply {
            Value::Array(items) if items.len() == 2 => match (items[0].as_i64(), items[1].as_i64()) {
                (Some(won), Some(amount)) => (won, amount),
                _ => return Err(malformed("non-integer seq reservation reply")),
            },
            _ => return Err(malformed("seq reservation reply is not a pair")),
        };
        let amount = u64::try_from(amount).map_err(|_| malformed("negative seq reservation reply"))?;
        Ok(if won == 1 { Ok(amount) } else { Err(Duration::from_micros(amount)) })
    }

    /// Runs the commit or release script; `Lost` unless it ended the live reservation.
    async fn finish(
        &self,
        script: &LuaScript,
        reservation: &SeqReservation,
        lease: Option<Duration>,
    ) -> Result<(), SeqError> {
        let mut args = vec![Value::from(reservation.token.as_str()), Value::from(reservation.seq.to_string())];
        args.extend(lease.map(|l| Value::from(micros(l))));
        args.push(Value::from(reservation.conversation.to_string()));
        let reply = script.run(&self.conn, &self.keys(&reservation.conversation), args).await?;
        match reply.as_i64() {
            Some(1) => Ok(()),
            Some(0) => Err(SeqError::Lost),
            _ => Err(malformed("seq commit/release/renew reply is not 0 or 1").into()),
        }
    }
}

#[async_trait]
impl SequenceAllocator for RedisSequenceAllocator {
    async fn reserve(
        &self,
        conversation: &ConversationId,
        lease: Duration,
        wait: Duration,
    ) -> Result<SeqReservation, SeqError> {
        let keys = self.keys(conversation);
        let member = conversation.to_string();
        let token = uuid::Uuid::now_v7().simple().to_string();
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let lease_left = match self.try_reserve(&keys, &member, &token, lease).await? {
                Ok(seq) => return Ok(SeqReservation { conversation: *conversation, seq, token }),
                Err(left) => left,
            };
            let waited = started.elapsed();
            if waited >= wait {
                return Err(SeqError::Busy);
            }
            tokio::time::sleep(pause.min(lease_left).min(wait - waited)).await;
            pause = (pause * 2).min(MAX_POLL);
        }
    }

    async fn commit(&self, reservation: &SeqReservation) -> Result<(), SeqError> {
        self.finish(&self.scripts.commit, reservation, None).await
    }

    async fn release(&self, reservation: &SeqReservation) -> Result<(), SeqError> {
        self.finish(&self.scripts.release, reservation, None).await
    }

    async fn renew(&self, reservation: &SeqReservation, lease: Duration) -> Result<(), SeqError> {
        self.finish(&self.scripts.renew, reservation, Some(lease)).await
    }

    async fn stale(&self, limit: usize) -> Result<Vec<ConversationId>, InfraError> {
        let limit = limit.max(1);
        let calls = (0..BUCKETS).map(|b| {
            let keys = [self.index(b)];
            async move { self.scripts.stale.run(&self.conn, &keys, vec![Value::from(limit as i64)]).await }
        });
        let mut out = Vec::new();
        for reply in futures::future::try_join_all(calls).await? {
            let Value::Array(items) = reply else { return Err(malformed("stale reply is not an array")) };
            for item in items {
                let id = item.as_string().ok_or_else(|| malformed("stale member is not a string"))?;
                // A member that no longer parses (written by a future version) is skipped, not fatal.
                if let Ok(conversation) = id.parse::<ConversationId>() {
                    out.push(conversation);
                }
            }
        }
        out.truncate(limit);
        Ok(out)
    }

    async fn current(&self, conversation: &ConversationId) -> Result<u64, InfraError> {
        let [key, _] = self.keys(conversation);
        let head: Option<String> = self.conn.cmd().hget(key, "head").await.map_err(infra)?;
        match head {
            None => Ok(0),
            Some(h) => h.parse().map_err(|_| malformed(format!("seq head is not a number: {h:?}"))),
        }
    }

    async fn advance_to(&self, conversation: &ConversationId, seq: u64) -> Result<(), InfraError> {
        let args = vec![Value::from(seq.to_string()), Value::from(conversation.to_string())];
        self.scripts.advance.run(&self.conn, &self.keys(conversation), args).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_stable_and_spread() {
        assert_eq!(bucket("g:0193a1c4-0000-7000-8000-000000000001"), bucket("g:0193a1c4-0000-7000-8000-000000000001"));
        let used: std::collections::HashSet<u32> =
            (0..200).map(|i| bucket(&format!("g:0193a1c4-0000-7000-8000-{i:012}"))).collect();
        assert!(used.len() > BUCKETS as usize / 2, "200 ids fell into only {} buckets", used.len());
        assert!(used.iter().all(|b| *b < BUCKETS));
    }
}
