//! Close codes of the protocol (docs/ws-protocol.md, "Close codes"): stable, clients act on them. One type,
//! so every close the server initiates is counted and sent through the same path.

/// Why the server closes a socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Close {
    /// Server shutting down.
    GoingAway,
    /// A frame larger than `max_frame_bytes`.
    TooBig,
    /// Unexpected server failure.
    Internal,
    /// Slow consumer: the client did not read what the server had to send.
    TryAgainLater,
    /// No or invalid token, or no `auth` frame in time.
    Unauthenticated,
    /// The access token expired.
    TokenExpired,
    /// Session revoked, or account disabled or deleted.
    Revoked,
    /// Too many connections for this user.
    TooManyConnections,
    /// Nothing received for `idle_timeout`.
    Idle,
}

impl Close {
    /// Every close code the server sends.
    pub const ALL: [Close; 9] = [
        Close::GoingAway,
        Close::TooBig,
        Close::Internal,
        Close::TryAgainLater,
        Close::Unauthenticated,
        Close::TokenExpired,
        Close::Revoked,
        Close::TooManyConnections,
        Close::Idle,
    ];

    /// The numeric code on the wire.
    pub const fn code(self) -> u16 {
        match self {
            Close::GoingAway => 1001,
            Close::TooBig => 1009,
            Close::Internal => 1011,
            Close::TryAgainLater => 1013,
            Close::Unauthenticated => 4001,
            Close::TokenExpired => 4002,
            Close::Revoked => 4003,
            Close::TooManyConnections => 4004,
            Close::Idle => 4008,
        }
    }

    /// The code as a metrics label (`ws_closed_total{code="1013"}`), without allocating.
    pub const fn label(self) -> &'static str {
        match self {
            Close::GoingAway => "1001",
            Close::TooBig => "1009",
            Close::Internal => "1011",
            Close::TryAgainLater => "1013",
            Close::Unauthenticated => "4001",
            Close::TokenExpired => "4002",
            Close::Revoked => "4003",
            Close::TooManyConnections => "4004",
            Close::Idle => "4008",
        }
    }

    /// The close for a numeric code, if it is one of ours.
    pub fn from_code(code: u16) -> Option<Close> {
        Close::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// Server shutting down.
pub const GOING_AWAY: u16 = Close::GoingAway.code();
/// A frame larger than `max_frame_bytes`.
pub const TOO_BIG: u16 = Close::TooBig.code();
/// Unexpected server failure.
pub const INTERNAL: u16 = Close::Internal.code();
/// Slow consumer.
pub const TRY_AGAIN_LATER: u16 = Close::TryAgainLater.code();
/// No or invalid token, or no `auth` frame in time.
pub const UNAUTHENTICATED: u16 = Close::Unauthenticated.code();
/// The access token expired.
pub const TOKEN_EXPIRED: u16 = Close::TokenExpired.code();
/// Session revoked, or account disabled or deleted.
pub const REVOKED: u16 = Close::Revoked.code();
/// Too many connections for this user.
pub const TOO_MANY_CONNECTIONS: u16 = Close::TooManyConnections.code();
/// Nothing received for `idle_timeout`.
pub const IDLE: u16 = Close::Idle.code();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_labels_and_lookups_agree() {
        for close in Close::ALL {
            assert_eq!(close.label(), close.code().to_string());
            assert_eq!(Close::from_code(close.code()), Some(close));
        }
        assert_eq!(Close::from_code(1000), None);
    }
}
