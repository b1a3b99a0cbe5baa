//! WebSocket driving adapter: the real-time half of chat at `server.ws_path`, speaking the JSON protocol
//! of docs/ws-protocol.md.
//!
//! It authenticates sockets with the same PASETO access tokens as the API (never logging them), keeps a
//! local hub of connections fed by the event bus, enforces the `ws` limits, and turns frames into
//! `ChatService` calls. It never talks to storage itself.

mod close;
mod connection;
mod endpoint;
mod gateway;
mod hub;
#[cfg(test)]
mod model_tests;
mod options;
mod outbox;
mod protocol;
mod rate;
mod writer;

pub use endpoint::{SUBPROTOCOL, endpoint};
pub use gateway::Gateway;
pub use options::WsOptions;

/// The close codes, as a type and as numbers, public so tests and clients can name them.
pub use close::Close;

/// The close codes as numbers.
pub mod close_codes {
    pub use crate::close::{
        GOING_AWAY, IDLE, INTERNAL, REVOKED, TOKEN_EXPIRED, TOO_BIG, TOO_MANY_CONNECTIONS, TRY_AGAIN_LATER,
        UNAUTHENTICATED,
    };
}
