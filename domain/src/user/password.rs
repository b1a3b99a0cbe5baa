//! Passwords: the plaintext value type that only exists if strong enough, the stored hash, and the hasher port.

use crate::error::{InfraError, ValidationError, Violation};
use crate::text::CharBounds;
use async_trait::async_trait;
use std::fmt;

/// zxcvbn's cost grows with length; past this many characters a password is strong by length alone.
const SCORED_PREFIX: usize = 64;

/// A new password that passed the strength policy. Never printed: `Debug` shows `Password(***)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// A new password has 8 to 128 characters.
    pub const LENGTH: CharBounds = CharBounds::new(8, 128);

    /// A candidate (a login's or a password change's current password) has 1 to 1024 characters: it is
    /// only compared, but the bound keeps the hasher's work per request bounded.
    pub const CANDIDATE_LENGTH: CharBounds = CharBounds::new(1, 1024);

    /// Checks length (8..=128 characters) and guessability: zxcvbn must score it 3 or more, counting the
    /// user's own name and e-mail (`context`) as guessable words.
    pub fn parse(raw: &str, context: &[&str]) -> Result<Self, ValidationError> {
        let err = |v| ValidationError::new("password", v);
        Self::check_form(raw).map_err(err)?;
        let scored: String = raw.chars().take(SCORED_PREFIX).collect();
        if zxcvbn::zxcvbn(&scored, context).score() < zxcvbn::Score::Three {
            return Err(err(Violation::TooWeak));
        }
        Ok(Self(raw.to_owned()))
    }

    /// What a new password must be whoever chooses it: [`Password::LENGTH`] characters, none of them a
    /// control character (`char::is_control`). The strength check of [`Password::parse`] needs the
    /// user's name and e-mail, so an edge can check this much before it knows them.
    pub fn check_form(raw: &str) -> Result<(), Violation> {
        Self::LENGTH.check(raw)?;
        if raw.chars().any(char::is_control) {
            return Err(Violation::InvalidCharacters);
        }
        Ok(())
    }

    /// Wraps a candidate that just verified against the user's stored hash, so it can be rehashed with
    /// today's algorithm even if it predates today's strength policy. Use nowhere else.
    pub fn from_verified(candidate: &str) -> Self {
        Self(candidate.to_owned())
    }

    /// The plaintext, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A stored password hash: a PHC string (argon2id) or a legacy bcrypt hash imported from the Go platform.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a hash read from storage or produced by a hasher.
    pub fn new(hash: impl Into<String>) -> Self {
        Self(hash.into())
    }

    /// The stored string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for `$2a$`, `$2b$` and `$2y$` hashes, which get rehashed to argon2id at the next login.
    pub fn is_bcrypt(&self) -> bool {
        ["$2a$", "$2b$", "$2y$"].iter().any(|p| self.0.starts_with(p))
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

/// Outcome of checking a candidate password against a stored hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordVerification {
    /// Wrong password (or an unparseable hash, which must never match).
    Invalid,
    /// Right password. `needs_rehash` is true when the hash uses bcrypt or weaker parameters than
    /// configured, so the caller stores a fresh hash.
    Valid {
        /// Whether the caller should store a fresh hash.
        needs_rehash: bool,
    },
}

/// Slow password hashing.
///
/// Contract (checked by `adapter_contracts::password`):
/// - `hash` MUST produce a salted PHC string that `verify` accepts for the same password and refuses for any
///   other; two hashes of one password MUST differ.
/// - `verify` MUST accept legacy bcrypt hashes (`$2a$/$2b$/$2y$`) with `needs_rehash: true`, MUST return
///   `Invalid` (not an error) for malformed hashes, and MUST take comparable time whether or not it matches.
/// - Both MUST run off the async executor with bounded concurrency, so a login storm queues instead of
///   stalling other requests; `InfraError::Unavailable` means the queue is full.
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a new password.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, InfraError>;
    /// Checks a candidate (which need not meet today's policy) against a stored hash.
    async fn verify(&self, candidate: &str, hash: &PasswordHash) -> Result<PasswordVerification, InfraError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_and_contextual_passwords_are_refused() {
        assert_eq!(Password::parse("", &[]).unwrap_err().violation, Violation::Required);
        assert_eq!(Password::parse("Ab1!", &[]).unwrap_err().violation, Violation::TooShort { min: 8 });
        assert_eq!(Password::parse("password1", &[]).unwrap_err().violation, Violation::TooWeak);
        assert_eq!(Password::parse("12345678", &[]).unwrap_err().violation, Violation::TooWeak);
        assert_eq!(Password::parse("zhangsanfeng2024", &["zhangsanfeng"]).unwrap_err().violation, Violation::TooWeak);
        assert_eq!(Password::parse(&"x".repeat(129), &[]).unwrap_err().violation, Violation::TooLong { max: 128 });
    }

    #[test]
    fn strong_passwords_pass_and_never_print() {
        let p = Password::parse("correct-horse-battery-staple", &[]).unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert!(Password::parse("紫禁城的夕阳很美丽2024", &[]).is_ok());
    }

    #[test]
    fn bcrypt_hashes_are_recognized() {
        assert!(PasswordHash::new("$2y$10$abcdefghijklmnopqrstuv").is_bcrypt());
        assert!(!PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$x$y").is_bcrypt());
    }
}
