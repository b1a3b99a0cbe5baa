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
mod options;
mod protocol;
mod rate;
mod seen;

pub use endpoint::{SUBPROTOCOL, endpoint};
pub use gateway::Gateway;
pub use options::WsOptions;

/// The close codes, public so tests and clients can name them.
pub mod close_codes {
    pub use crate::close::*;
}
