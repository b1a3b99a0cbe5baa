//! HTTP driving adapter: the REST API on poem-openapi, its OpenAPI spec and docs, health and metrics.
//!
//! Everything a request goes through at the edge (request id, locale, client IP, body limit, timeout,
//! localized error bodies, access log, metrics) lives in [`edge`]; handlers in [`api`] only translate
//! between HTTP shapes and use cases. This crate never talks to a database or Redis directly.

pub mod api;
mod console;
pub mod cron;
pub mod edge;
mod empty_query;
pub mod problem;
mod routes;
pub mod spec;
mod split;
mod state;

pub use empty_query::drop_empty_params;
pub use routes::{app, openapi_spec};
pub use split::{Paths, Split};
pub use state::{ConsoleOptions, HttpOptions, HttpServices, HttpState};
