//! Daily statistics rows in the `daily_stats` table.

mod entity;
mod store;

pub use store::SqlDailyStats;
