//! Everything that can go wrong signing in or managing one's own account.

use crate::error::Forbidden;
use domain::token::TokenError;
use domain::user::UserStoreError;
use domain::{Coded, ErrorKind, InfraError, ValidationError};
use std::time::Duration;

/// Why an auth use case failed. Login failures never say whether the account exists.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Input refused; nothing written.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// Self-registration is closed by the `auth.registration_open` setting.
    #[error("registration is closed")]
    RegistrationClosed,
    /// Wrong login or password (or no such account).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Right password, but the account is disabled.
    #[error("account disabled")]
    AccountDisabled,
    /// Too many failed logins for this account from this IP.
    #[error("login locked for {retry_after:?}")]
    LoginLocked {
        /// When the next attempt is allowed.
        retry_after: Duration,
    },
    /// The refresh token is malformed, unknown, expired or its session revoked.
    #[error("refresh token invalid")]
    RefreshInvalid,
    /// A refresh token was used twice: the session is revoked, sign in again.
    #[error("refresh token reused; session revoked")]
    RefreshReused,
    /// The current password given to change it is wrong.
    #[error("current password is wrong")]
    WrongPassword,
    /// The access token was refused.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// Not allowed.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The user store refused or failed.
    #[error(transparent)]
    Users(#[from] UserStoreError),
    /// A backend failed.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl AuthError {
    /// Seconds until retrying makes sense, for `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::LoginLocked { retry_after } => Some(*retry_after),
            _ => None,
        }
    }
}

fn secs(d: &Duration) -> String {
    d.as_secs_f64().ceil().max(1.0).to_string()
}

impl Coded for AuthError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid(e) => e.code(),
            Self::RegistrationClosed => "auth.registration_closed",
            Self::InvalidCredentials => "auth.invalid_credentials",
            Self::AccountDisabled => "auth.account_disabled",
            Self::LoginLocked { .. } => "auth.login_locked",
            Self::RefreshInvalid => "auth.refresh_invalid",
            Self::RefreshReused => "auth.refresh_reused",
            Self::WrongPassword => "auth.wrong_password",
            Self::Token(e) => e.code(),
            Self::Forbidden(e) => e.code(),
            Self::Users(e) => e.code(),
            Self::Infra(e) => e.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(e) => e.kind(),
            Self::RegistrationClosed | Self::AccountDisabled => ErrorKind::Forbidden,
            Self::InvalidCredentials | Self::RefreshInvalid | Self::RefreshReused => ErrorKind::Unauthenticated,
            Self::WrongPassword => ErrorKind::Invalid,
            Self::LoginLocked { .. } => ErrorKind::RateLimited,
            Self::Token(e) => e.kind(),
            Self::Forbidden(e) => e.kind(),
            Self::Users(e) => e.kind(),
            Self::Infra(e) => e.kind(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Invalid(e) => e.params(),
            Self::LoginLocked { retry_after } => vec![("retry_after", secs(retry_after))],
            Self::Users(e) => e.params(),
            Self::Infra(e) => e.params(),
            _ => Vec::new(),
        }
    }

    fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after().map(|d| d.as_secs_f64().ceil().max(1.0) as u64)
    }
}
