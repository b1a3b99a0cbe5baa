//! Login sessions: one per sign-in, each a family of rotating refresh tokens.
//!
//! A refresh token is opaque and random; only its SHA-256 ([`TokenHash`]) is stored. Every refresh replaces
//! the family's current token; presenting a replaced one is taken as theft and revokes the whole family.

use crate::error::InfraError;
use crate::ids::{SessionId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::fmt;

/// A presented refresh token has 1 to 512 characters; ours are far shorter, and anything longer is not
/// worth hashing to look up.
pub const REFRESH_TOKEN_LENGTH: crate::text::CharBounds = crate::text::CharBounds::new(1, 512);

/// SHA-256 of a refresh token: what the store keeps instead of the token.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// Lower-case hex, the form stores use as a key.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses the hex form back.
    pub fn from_hex(s: &str) -> Option<Self> {
        if s.len() != 64 || !s.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok()?;
        }
        Some(Self(out))
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", &self.to_hex()[..8])
    }
}

/// Mints opaque refresh tokens and derives the hash the store keeps.
///
/// Contract: `mint` returns a token with at least 256 bits of randomness and `hash(token) == Some(its hash)`;
/// `hash` returns `None` for any string that cannot be a minted token, without hashing arbitrary input.
pub trait RefreshTokens: Send + Sync {
    /// A fresh token for the client and the hash to store.
    fn mint(&self) -> (String, TokenHash);
    /// The hash of a presented token, or `None` when it is malformed.
    fn hash(&self, token: &str) -> Option<TokenHash>;
}

/// One sign-in of one user on one device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Stable id, carried in access tokens as `sid`.
    pub id: SessionId,
    /// Whose session it is.
    pub user_id: UserId,
    /// Sign-in time.
    pub created_at: DateTime<Utc>,
    /// Last refresh (or sign-in).
    pub last_used_at: DateTime<Utc>,
    /// When the current refresh token stops working; pushed forward by every refresh.
    pub expires_at: DateTime<Utc>,
    /// Set once revoked (logout, reuse, admin action); never cleared.
    pub revoked_at: Option<DateTime<Utc>>,
    /// How many times the refresh token was rotated.
    pub generation: u32,
    /// Client's User-Agent at sign-in, for the user's session list.
    pub user_agent: Option<String>,
    /// Client IP at sign-in.
    pub ip: Option<String>,
}

impl Session {
    /// True while access and refresh tokens of this session may be used.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// What happened to a presented refresh token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// It was the family's current token; it is now replaced by the new one. Carries the updated session.
    Rotated(Session),
    /// It was an earlier token of the family: the family is now revoked. Carries the revoked session.
    Reused(Session),
    /// The family was already revoked; nothing changed.
    Revoked,
    /// The family expired; nothing changed.
    Expired,
    /// No family knows this token.
    Unknown,
}

/// Persistence for sessions and their refresh-token families.
///
/// Contract (checked by `adapter_contracts::sessions`):
/// - `rotate` MUST be atomic: of two concurrent calls presenting the same current token, exactly one gets
///   `Rotated` and the other gets `Reused` (which revokes the family). A rotated-away token MUST be
///   recognized as `Reused` for as long as the family lives. `Rotated` sets `last_used_at = now`,
///   `expires_at = new_expiry`, increments `generation`.
/// - `get` MUST return revoked and expired sessions too (callers check [`Session::is_live`]) until purged.
///   Stores with TTLs also purge a session by themselves once its `expires_at` has passed on their own clock.
/// - Decisions use the `now` passed in, never the store's clock. Times MAY be kept to the microsecond only.
/// - A token whose family was purged MAY answer `Expired` or `Unknown`, never `Rotated`.
/// - `revoke` MUST return whether it revoked a live session; revoking twice keeps the first time.
/// - `revoke_all_for_user` MUST revoke every live session of the user except `except`, and return the count.
/// - `purge_expired` MAY drop sessions expired or revoked before `now` (stores with TTLs do it themselves).
/// - Every method MUST return `InfraError::Unavailable` when the backend cannot be reached.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session whose current refresh token hashes to `token`.
    async fn create(&self, session: &Session, token: &TokenHash) -> Result<(), InfraError>;
    /// Swaps `presented` for `next` if it is the family's current token; see [`Rotation`].
    async fn rotate(
        &self,
        presented: &TokenHash,
        next: &TokenHash,
        now: DateTime<Utc>,
        new_expiry: DateTime<Utc>,
    ) -> Result<Rotation, InfraError>;
    /// A session by id, live or not.
    async fn get(&self, id: SessionId) -> Result<Option<Session>, InfraError>;
    /// Revokes one session.
    async fn revoke(&self, id: SessionId, now: DateTime<Utc>) -> Result<bool, InfraError>;
    /// Revokes every live session of a user but one.
    async fn revoke_all_for_user(
        &self,
        user: UserId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<u64, InfraError>;
    /// Live sessions of a user, newest first.
    async fn list_for_user(&self, user: UserId, now: DateTime<Utc>) -> Result<Vec<Session>, InfraError>;
    /// Drops sessions that can no longer be used; returns how many.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, InfraError>;
}
