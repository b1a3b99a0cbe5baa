//! Turning fred errors into the domain's `InfraError`: connection trouble is `Unavailable`, the rest `Unexpected`.

use domain::InfraError;
use fred::error::{Error, ErrorKind};

/// The name readiness reports and error bodies use for this backend.
pub(crate) const BACKEND: &str = "redis";

/// Server replies that mean "not now" rather than "never": the server is loading, busy or failing over.
const TRANSIENT_REPLIES: [&str; 6] = ["LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "READONLY", "CLUSTERDOWN"];

/// What fred says, as `ErrorKind::Unknown` with no server reply, when a command could not reach a connection:
/// the client is between connections ("Failed to route command." while Redis is down, seen as a 500 before
/// this list existed), not initialized yet, or a write failed and `max_command_attempts` is used up.
const TRANSIENT_CLIENT_STATES: [&str; 6] = [
    "not initialized",
    "Failed to send command",
    "Failed to route command",
    "Too many failed write attempts",
    "Missing expected connection",
    "Max attempts exceeded",
];

/// Classifies a fred error for callers: anything a retry later could fix is `Unavailable`.
pub(crate) fn infra(error: Error) -> InfraError {
    let transient = match error.kind() {
        ErrorKind::IO
        | ErrorKind::Canceled
        | ErrorKind::Timeout
        | ErrorKind::Backpressure
        | ErrorKind::Routing
        | ErrorKind::Auth
        | ErrorKind::Cluster => true,
        // fred reports "client not connected / not initialized" as Unknown with no server reply.
        ErrorKind::Unknown => {
            let details = error.details();
            TRANSIENT_REPLIES.iter().any(|reply| details.starts_with(reply))
                || TRANSIENT_CLIENT_STATES.iter().any(|state| details.contains(state))
        }
        _ => false,
    };
    if transient { InfraError::unavailable(BACKEND, error) } else { InfraError::unexpected(BACKEND, error) }
}

/// A reply the adapter cannot make sense of: corrupt data or a script bug, never the caller's fault.
pub(crate) fn malformed(what: impl Into<String>) -> InfraError {
    InfraError::unexpected(BACKEND, MalformedReply(what.into()))
}

/// Redis answered, but not in the shape this adapter wrote.
#[derive(Debug, thiserror::Error)]
#[error("malformed Redis data: {0}")]
pub(crate) struct MalformedReply(String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_are_unavailable() {
        for kind in [ErrorKind::IO, ErrorKind::Canceled, ErrorKind::Timeout, ErrorKind::Auth] {
            assert!(matches!(infra(Error::new(kind, "x")), InfraError::Unavailable { backend: "redis", .. }));
        }
        let loading = Error::new(ErrorKind::Unknown, "LOADING Redis is loading the dataset in memory");
        assert!(matches!(infra(loading), InfraError::Unavailable { .. }));
    }

    /// Regression: while Redis was down, logins answered 500 because fred reports a command it cannot hand
    /// to any connection as `Unknown` "Failed to route command." (fred 10.1 `router/commands.rs`).
    #[test]
    fn commands_without_a_connection_are_unavailable() {
        for details in [
            "Failed to route command.",
            "Client is not initialized.",
            "Failed to send command to router.",
            "Too many failed write attempts.",
            "Missing expected connection.",
            "Max attempts exceeded",
        ] {
            let error = Error::new(ErrorKind::Unknown, details);
            assert!(matches!(infra(error), InfraError::Unavailable { backend: "redis", .. }), "{details}");
        }
        assert!(matches!(infra(Error::new(ErrorKind::Routing, "x")), InfraError::Unavailable { .. }));
    }

    #[test]
    fn other_failures_are_unexpected() {
        let wrongtype = Error::new(ErrorKind::InvalidArgument, "WRONGTYPE Operation against a key");
        assert!(matches!(infra(wrongtype), InfraError::Unexpected { backend: "redis", .. }));
        let script_error = Error::new(ErrorKind::Unknown, "ERR user_script:1: attempt to call a nil value");
        assert!(matches!(infra(script_error), InfraError::Unexpected { .. }));
    }
}
