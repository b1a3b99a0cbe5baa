//! MongoDB adapter on the official `mongodb` driver: the chat message store and a readiness probe.
//!
//! Reached through [`connect`] (or [`connect_lazy`]), which returns a [`MongoBackend`] handing out the
//! adapters over one client (the driver pools connections itself). `connect` creates the indexes the store
//! relies on. Works against MongoDB 6+ and against SecantusDB, the MongoDB wire-protocol server the test
//! machines run (see `.ci/services`). Nothing of the driver leaks through a port: errors become the domain's
//! `InfraError` (backend `mongodb`) or `MessageStoreError`.

mod connect;
mod error;
mod health;
mod messages;
mod options;
#[cfg(feature = "testing")]
pub mod testing;

pub use connect::{MongoBackend, MongoError, connect, connect_lazy};
pub use health::MongoHealthProbe;
pub use messages::MongoMessageStore;
pub use options::MongoOptions;
