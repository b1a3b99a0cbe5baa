//! The gateway's limits and timers (from the `ws` config section); every one is enforced somewhere in
//! this crate and documented in docs/ws-protocol.md.

use std::time::Duration;

/// Limits and timers of the gateway.
#[derive(Clone, Debug)]
pub struct WsOptions {
    /// Largest frame read; larger closes with 1009.
    pub max_frame_bytes: usize,
    /// Largest serialized `send` body (checked by the chat service; reported in `welcome`).
    pub max_body_bytes: usize,
    /// Frames per second per connection (token bucket, burst of the same size).
    pub messages_per_sec: u32,
    /// Live connections per user on this instance.
    pub max_connections_per_user: u32,
    /// Frames that cannot be re-read from storage (replies, read marks, presence, pushes) waiting for one
    /// client before it is closed as a slow consumer (1013). Four times as many live messages are held
    /// in memory; beyond that they are re-read from storage when the client catches up.
    pub outbound_queue: usize,
    /// Nothing received for this long closes with 4008.
    pub idle_timeout: Duration,
    /// Time allowed for the `auth` frame when the header had no token.
    pub auth_timeout: Duration,
    /// How often presence is refreshed and the sweep runs.
    pub heartbeat: Duration,
    /// How often the session behind the token is re-checked.
    pub session_check: Duration,
    /// How long a connection waits for a seq missing from its live stream (it may be on its way) before
    /// reading it from storage.
    pub gap_grace: Duration,
}

impl Default for WsOptions {
    fn default() -> Self {
        Self {
            max_frame_bytes: 64 * 1024,
            max_body_bytes: 16 * 1024,
            messages_per_sec: 20,
            max_connections_per_user: 5,
            outbound_queue: 256,
            idle_timeout: Duration::from_secs(60),
            auth_timeout: Duration::from_secs(10),
            heartbeat: Duration::from_secs(20),
            session_check: Duration::from_secs(30),
            gap_grace: Duration::from_millis(100),
        }
    }
}
