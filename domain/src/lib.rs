//! The heart of exchange: entities, value objects, domain errors and the ports that adapters implement.
//!
//! This crate is pure. It never performs I/O and never names a runtime, database or web crate; a test in
//! `tests/` fails the build if `cargo tree -p domain` ever shows one. Ports are object-safe traits, held as
//! `Arc<dyn Port>` by the application, and each port's doc comment is its contract: what every adapter MUST do.

pub mod audit;
pub mod bus;
pub mod cache;
pub mod chat;
pub mod clock;
pub mod error;
pub mod health;
pub mod ids;
pub mod locale;
pub mod page;
pub mod rate_limit;
pub mod schedule;
pub mod session;
pub mod settings;
pub mod stats;
pub mod text;
pub mod token;
pub mod user;

pub use error::{Coded, ErrorKind, InfraError, ValidationError, Violation};
