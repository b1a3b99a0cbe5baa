//! Error vocabulary shared by every area: what kind of failure it is and the stable code it carries.
//!
//! Driving adapters (HTTP, WebSocket) map an [`ErrorKind`] to a status or close code and a code to a
//! localized message; nothing here knows about either.

use std::fmt;

/// Any error from outside the domain that adapters wrap without interpreting.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How the outside world should treat an error; each kind maps to exactly one HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input is malformed or breaks a rule (400 / 422).
    Invalid,
    /// No valid credentials were presented (401).
    Unauthenticated,
    /// The caller is known but not allowed (403).
    Forbidden,
    /// The addressed thing does not exist for this caller (404).
    NotFound,
    /// The request conflicts with current state, e.g. a duplicate (409).
    Conflict,
    /// The request body is larger than allowed (413).
    PayloadTooLarge,
    /// Too many requests; the caller should retry later (429).
    RateLimited,
    /// A backend is down; the caller may retry later (503).
    Unavailable,
    /// A bug or an unexpected backend answer (500).
    Internal,
}

/// An error that can be shown to users: a stable machine code plus parameters for its localized message.
///
/// The code doubles as the message key in the locale catalogues (`errors.<code>`), so it never changes once
/// published; parameters are interpolated into the message and returned as the error body's `details`.
pub trait Coded: std::error::Error {
    /// Stable dotted code such as `user.not_found`.
    fn code(&self) -> &'static str;
    /// How the error should be treated at the edge.
    fn kind(&self) -> ErrorKind;
    /// Named values for the localized message and the `details` object; empty by default.
    fn params(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// Seconds after which retrying makes sense (`Retry-After`), for rate limits and lockouts.
    fn retry_after_secs(&self) -> Option<u64> {
        None
    }
}

/// A backend failed in a way the domain cannot interpret further.
#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    /// The backend could not be reached or refused service; retrying later may work (503).
    #[error("{backend} is unavailable")]
    Unavailable {
        /// Which backend: `database`, `redis`, `mongodb`...
        backend: &'static str,
        /// The driver's error, logged but never shown to users.
        #[source]
        source: BoxError,
    },
    /// The backend answered in a way no caller can act on (500).
    #[error("{backend} failed")]
    Unexpected {
        /// Which backend: `database`, `redis`, `mongodb`...
        backend: &'static str,
        /// The driver's error, logged but never shown to users.
        #[source]
        source: BoxError,
    },
}

impl InfraError {
    /// Wraps a connection-level failure of `backend`.
    pub fn unavailable(backend: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Unavailable { backend, source: source.into() }
    }

    /// Wraps a failure of `backend` that retrying will not fix.
    pub fn unexpected(backend: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Unexpected { backend, source: source.into() }
    }

    /// The backend this error came from.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Unavailable { backend, .. } | Self::Unexpected { backend, .. } => backend,
        }
    }
}

impl Coded for InfraError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unavailable { .. } => "backend.unavailable",
            Self::Unexpected { .. } => "internal",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Unavailable { .. } => ErrorKind::Unavailable,
            Self::Unexpected { .. } => ErrorKind::Internal,
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Unavailable { backend, .. } => vec![("backend", (*backend).to_owned())],
            Self::Unexpected { .. } => Vec::new(),
        }
    }
}

/// Why a value was refused; each variant has a stable code and its own localized message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// The value is missing or empty.
    Required,
    /// Fewer than `min` characters (or items).
    TooShort { min: usize },
    /// More than `max` characters.
    TooLong { max: usize },
    /// A list with more than `max` items.
    TooMany { max: usize },
    /// A serialized value larger than `max` bytes.
    TooLarge { max: usize },
    /// Characters outside the allowed set.
    InvalidCharacters,
    /// Not a well-formed value of the expected kind (`email`, `uuid`, `cron expression`...).
    InvalidFormat { expected: &'static str },
    /// A password that is too easy to guess.
    TooWeak,
    /// A number outside `min..=max`.
    OutOfRange { min: i64, max: i64 },
    /// Not one of the listed values.
    NotOneOf { allowed: String },
    /// Not the expected JSON type (`boolean`, `integer`, `string`).
    WrongType { expected: &'static str },
}

impl Violation {
    /// Stable code of the violation, used as `validation.<code>`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Required => "validation.required",
            Self::TooShort { .. } => "validation.too_short",
            Self::TooLong { .. } => "validation.too_long",
            Self::TooMany { .. } => "validation.too_many",
            Self::TooLarge { .. } => "validation.too_large",
            Self::InvalidCharacters => "validation.invalid_characters",
            Self::InvalidFormat { .. } => "validation.invalid_format",
            Self::TooWeak => "validation.too_weak",
            Self::OutOfRange { .. } => "validation.out_of_range",
            Self::NotOneOf { .. } => "validation.not_one_of",
            Self::WrongType { .. } => "validation.wrong_type",
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Required => write!(f, "is required"),
            Self::TooShort { min } => write!(f, "must be at least {min} long"),
            Self::TooLong { max } => write!(f, "must be at most {max} long"),
            Self::TooMany { max } => write!(f, "may list at most {max} items"),
            Self::TooLarge { max } => write!(f, "must be at most {max} bytes"),
            Self::InvalidCharacters => write!(f, "contains characters that are not allowed"),
            Self::InvalidFormat { expected } => write!(f, "is not a valid {expected}"),
            Self::TooWeak => write!(f, "is too easy to guess"),
            Self::OutOfRange { min, max } => write!(f, "must be between {min} and {max}"),
            Self::NotOneOf { allowed } => write!(f, "must be one of {allowed}"),
            Self::WrongType { expected } => write!(f, "has the wrong type: expected {expected}"),
        }
    }
}

/// A value refused at the edge of the domain, naming the field and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field} {violation}")]
pub struct ValidationError {
    /// The input field, as the client named it (`username`, `settings.site.name`).
    pub field: String,
    /// What is wrong with it.
    pub violation: Violation,
}

impl ValidationError {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, violation: Violation) -> Self {
        Self { field: field.into(), violation }
    }
}

impl Coded for ValidationError {
    fn code(&self) -> &'static str {
        self.violation.code()
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Invalid
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("field", self.field.clone())];
        match &self.violation {
            Violation::TooShort { min } => params.push(("min", min.to_string())),
            Violation::TooLong { max } | Violation::TooMany { max } | Violation::TooLarge { max } => {
                params.push(("max", max.to_string()))
            }
            Violation::InvalidFormat { expected } => params.push(("expected", (*expected).to_owned())),
            Violation::OutOfRange { min, max } => {
                params.push(("min", min.to_string()));
                params.push(("max", max.to_string()));
            }
            Violation::NotOneOf { allowed } => params.push(("allowed", allowed.clone())),
            Violation::WrongType { expected } => params.push(("expected", (*expected).to_owned())),
            Violation::Required | Violation::InvalidCharacters | Violation::TooWeak => {}
        }
        params
    }
}
