//! Close codes of the protocol (docs/ws-protocol.md, "Close codes"): stable, clients act on them.

/// Server shutting down.
pub const GOING_AWAY: u16 = 1001;
/// A frame larger than `max_frame_bytes`.
pub const TOO_BIG: u16 = 1009;
/// Unexpected server failure.
pub const INTERNAL: u16 = 1011;
/// Slow consumer: the outbound queue overflowed.
pub const TRY_AGAIN_LATER: u16 = 1013;
/// No or invalid token, or no `auth` frame in time.
pub const UNAUTHENTICATED: u16 = 4001;
/// The access token expired.
pub const TOKEN_EXPIRED: u16 = 4002;
/// Session revoked, or account disabled or deleted.
pub const REVOKED: u16 = 4003;
/// Too many connections for this user.
pub const TOO_MANY_CONNECTIONS: u16 = 4004;
/// Nothing received for `idle_timeout`.
pub const IDLE: u16 = 4008;
