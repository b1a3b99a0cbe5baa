//! Builds the application from the configuration: chooses and connects the adapters ([`Backends`],
//! [`Ports`]), then the use-case services on top ([`Services`]). The only place that names every adapter.

mod backends;
mod bounded_probe;
mod error;
mod ports;
mod services;

pub use backends::{Backends, redis_options, sql_options};
pub use error::WiringError;
pub use ports::Ports;
pub use services::Services;
