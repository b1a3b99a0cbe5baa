//! Access tokens: short-lived, self-contained proofs of a session, checked on every request.

use crate::error::{Coded, ErrorKind};
use crate::ids::{SessionId, UserId};
use crate::user::Role;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What an access token asserts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessClaims {
    /// The user (`sub`).
    pub sub: UserId,
    /// The user's role when the token was issued.
    pub role: Role,
    /// The session it belongs to; revoked sessions invalidate their tokens at once.
    pub sid: SessionId,
    /// Unique token id.
    pub jti: Uuid,
    /// Issued at.
    pub iat: DateTime<Utc>,
    /// Not valid before.
    pub nbf: DateTime<Utc>,
    /// Expires at.
    pub exp: DateTime<Utc>,
}

/// Why a token was refused. All of them are 401s; the code tells clients whether refreshing can help.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Past `exp`: refresh and retry.
    #[error("token expired")]
    Expired,
    /// Before `nbf`.
    #[error("token not yet valid")]
    NotYetValid,
    /// Malformed, forged, tampered with, or signed with another key.
    #[error("token invalid")]
    Invalid,
    /// A well-formed token meant for something else (another purpose, version or audience).
    #[error("token has the wrong purpose")]
    WrongPurpose,
    /// The session behind the token was revoked.
    #[error("session revoked")]
    Revoked,
    /// No token presented.
    #[error("token missing")]
    Missing,
}

impl Coded for TokenError {
    fn code(&self) -> &'static str {
        match self {
            Self::Expired => "auth.token_expired",
            Self::NotYetValid => "auth.token_not_yet_valid",
            Self::Invalid => "auth.token_invalid",
            Self::WrongPurpose => "auth.token_wrong_purpose",
            Self::Revoked => "auth.session_revoked",
            Self::Missing => "auth.token_missing",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Unauthenticated
    }
}

/// Issues and verifies access tokens.
///
/// Contract (checked by `adapter_contracts::tokens`):
/// - `verify(issue(c))` MUST return `c` (to the second) while `now` is within `nbf..exp`.
/// - `verify` MUST return `Expired` after `exp`, `NotYetValid` before `nbf`, `Invalid` for any change to the
///   token or a token signed by another key, `WrongPurpose` for a valid token of another kind.
/// - Neither method may block on I/O.
pub trait TokenIssuer: Send + Sync {
    /// Signs the claims.
    fn issue(&self, claims: &AccessClaims) -> Result<String, TokenError>;
    /// Checks signature, purpose and time window at `now`, and returns the claims.
    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, TokenError>;
}
