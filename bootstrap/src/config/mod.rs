//! Configuration: the embedded default, the chosen environment file, then `EXCHANGE__SECTION__KEY` variables.
//!
//! Loading never half-succeeds: any unknown key, wrong type or out-of-range value stops start-up with a
//! [`ConfigError`] naming the key and saying what is expected.

mod error;
mod load;
mod model;
mod validate;

pub use error::ConfigError;
pub use load::{ConfigSource, load};
pub use model::*;

#[cfg(test)]
mod tests;
