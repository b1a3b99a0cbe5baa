//! The scheduler's run history in the `cron_runs` table.

mod entity;
mod store;

pub use store::SqlRunStore;
