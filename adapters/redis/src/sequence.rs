//! Per-conversation seqs in Redis: one hash per conversation (`seq:{conversation}`) holding the committed
//! head and, while reserved, the live reservation's seq, token and lease deadline. Every operation is one Lua
//! script, and leases are timed by the server's clock (`TIME`), so instances with skewed clocks agree.
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
        };
        Self { conn, scripts: Arc::new(scripts) }
    }

    fn key(&self, conversation: &ConversationId) -> String {
        self.conn.key(&format!("seq:{conversation}"))
    }

    /// One attempt: `Ok(seq)` when reserved, `Err(time until the live lease ends)` when busy.
    async fn try_reserve(&self, key: &str, token: &str, lease: Duration) -> Result<Result<u64, Duration>, InfraError> {
        let args = vec![Value::from(token), Value::from(micros(lease))];
        let reply = self.scripts.reserve.run(&self.conn, &[key.to_owned()], args).await?;
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
    async fn finish(&self, script: &LuaScript, reservation: &SeqReservation) -> Result<(), SeqError> {
        let args = vec![Value::from(reservation.token.as_str()), Value::from(reservation.seq.to_string())];
        let reply = script.run(&self.conn, &[self.key(&reservation.conversation)], args).await?;
        match reply.as_i64() {
            Some(1) => Ok(()),
            Some(0) => Err(SeqError::Lost),
            _ => Err(malformed("seq commit/release reply is not 0 or 1").into()),
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
        let key = self.key(conversation);
        let token = uuid::Uuid::now_v7().simple().to_string();
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let lease_left = match self.try_reserve(&key, &token, lease).await? {
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
        self.finish(&self.scripts.commit, reservation).await
    }

    async fn release(&self, reservation: &SeqReservation) -> Result<(), SeqError> {
        self.finish(&self.scripts.release, reservation).await
    }

    async fn current(&self, conversation: &ConversationId) -> Result<u64, InfraError> {
        let head: Option<String> = self.conn.cmd().hget(self.key(conversation), "head").await.map_err(infra)?;
        match head {
            None => Ok(0),
            Some(h) => h.parse().map_err(|_| malformed(format!("seq head is not a number: {h:?}"))),
        }
    }

    async fn advance_to(&self, conversation: &ConversationId, seq: u64) -> Result<(), InfraError> {
        let args = vec![Value::from(seq.to_string())];
        self.scripts.advance.run(&self.conn, &[self.key(conversation)], args).await?;
        Ok(())
    }
}
