//! Turning driver errors into the domain's vocabulary: no usable server is `Unavailable`, a duplicate key is
//! recognised by its code (11000) and index name, everything else is `Unexpected`.

use domain::InfraError;
use mongodb::error::{Error, ErrorKind, WriteFailure};

/// The name readiness reports and error bodies use for this backend.
pub(crate) const BACKEND: &str = "mongodb";

/// MongoDB's duplicate key error code.
const DUPLICATE_KEY: i32 = 11000;

/// Server error codes that mean "not now" (shutting down, not primary, interrupted at shutdown...).
const TRANSIENT_CODES: &[i32] = &[6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436];

/// Classifies a driver error for callers: anything a retry later could fix is `Unavailable`.
pub(crate) fn infra(error: Error) -> InfraError {
    let transient = match error.kind.as_ref() {
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::DnsResolve { .. }
        | ErrorKind::Authentication { .. }
        | ErrorKind::Shutdown => true,
        ErrorKind::Command(c) => TRANSIENT_CODES.contains(&c.code),
        _ => error.contains_label("RetryableWriteError") || error.contains_label("TransientTransactionError"),
    };
    if transient { InfraError::unavailable(BACKEND, error) } else { InfraError::unexpected(BACKEND, error) }
}

/// For a duplicate key error, the message naming the index (`... index: uq_messages_conversation_seq ...`).
pub(crate) fn duplicate_key(error: &Error) -> Option<&str> {
    match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) if w.code == DUPLICATE_KEY => Some(&w.message),
        ErrorKind::Command(c) if c.code == DUPLICATE_KEY => Some(&c.message),
        _ => None,
    }
}

/// A stored document the domain refuses: data written behind the adapter's back.
#[derive(Debug, thiserror::Error)]
#[error("corrupt message document {id}: {reason}")]
pub(crate) struct CorruptDocument {
    pub(crate) id: String,
    pub(crate) reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_trouble_is_unavailable_and_the_rest_unexpected() {
        let io = Error::from(ErrorKind::Io(std::sync::Arc::new(std::io::ErrorKind::ConnectionRefused.into())));
        assert!(matches!(infra(io), InfraError::Unavailable { backend: "mongodb", .. }));
        let custom = Error::custom("a bug");
        assert!(matches!(infra(custom), InfraError::Unexpected { backend: "mongodb", .. }));
        assert!(duplicate_key(&Error::custom("x")).is_none());
    }
}
