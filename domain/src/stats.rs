//! Daily statistics: one row per UTC day, rolled up by a cron task, read by the admin dashboard's charts.

use crate::error::InfraError;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

/// The numbers of one UTC day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyStats {
    /// The day.
    pub day: NaiveDate,
    /// Accounts not deleted at the end of the day (or when computed, for today).
    pub users_total: u64,
    /// Accounts created that day.
    pub users_new: u64,
    /// Accounts that signed in that day.
    pub users_active: u64,
    /// Soft-deleted accounts at the time of computing.
    pub users_deleted: u64,
    /// When the row was computed (a later roll-up of the same day replaces it).
    pub computed_at: DateTime<Utc>,
}

/// Storage of daily statistics rows.
///
/// Contract (checked by `adapter_contracts::daily_stats`):
/// - `put` MUST insert or replace the row of `stats.day`; rows round-trip unchanged (times to the µs).
/// - `range` MUST return the rows with `from <= day <= to`, oldest first.
/// - Every method MUST return `InfraError::Unavailable` when the backend cannot be reached.
#[async_trait]
pub trait DailyStatsStore: Send + Sync {
    /// Stores one day's row.
    async fn put(&self, stats: &DailyStats) -> Result<(), InfraError>;
    /// The rows of a range of days.
    async fn range(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyStats>, InfraError>;
}
