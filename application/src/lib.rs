//! Use cases of exchange, written against the domain ports only.
//!
//! Services here take their ports (`Arc<dyn Port>`) in their constructor and nothing else; they never
//! name an adapter, a runtime or a web type. Authorization is checked here, not only at the HTTP edge,
//! so every driving adapter (HTTP, WebSocket, cron page, CLI) gets the same rules.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod chat;
pub mod context;
pub mod conversations;
pub mod error;
pub mod groups;
pub mod health;
pub mod maintenance;
pub mod scheduler;
pub mod settings;

pub use context::{Actor, RequestMeta};
pub use error::Forbidden;
