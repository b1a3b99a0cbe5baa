//! Configuration: the embedded default, the chosen environment file, then `EXCHANGE__SECTION__KEY` variables.

mod model;

pub use model::*;
