//! Settings rows in the `settings` table.

mod entity;
mod store;

pub use store::SqlSettingsStore;
