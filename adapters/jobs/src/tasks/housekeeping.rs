//! The built-in housekeeping tasks; the work itself is in `application::maintenance`.

use crate::task::{Schedule, Task, TaskContext, TaskError, TaskServices};
use async_trait::async_trait;
use domain::schedule::{MisfirePolicy, RetryPolicy};
use std::time::Duration;

/// Deletes for good the users soft-deleted more than `users.purge_after_days` days ago (a setting).
pub struct PurgeDeletedUsers;

#[async_trait]
impl Task for PurgeDeletedUsers {
    fn name(&self) -> &str {
        "purge-deleted-users"
    }

    fn description(&self) -> &str {
        "Deletes for good the users soft-deleted more than users.purge_after_days days ago."
    }

    fn schedule(&self) -> Schedule {
        Schedule::daily_at(3, 0)
    }

    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(600))
    }

    fn retry(&self) -> RetryPolicy {
        RetryPolicy::exponential(2, Duration::from_secs(30))
    }

    fn misfire(&self) -> MisfirePolicy {
        MisfirePolicy::RunOnce { window: Duration::from_secs(86_400) }
    }

    async fn run(&self, _ctx: TaskContext, services: &TaskServices) -> Result<(), TaskError> {
        services.maintenance.purge_deleted_users().await?;
        Ok(())
    }
}

/// Drops expired and revoked sessions (Redis expires most by itself; SQL-less memory stores need this).
pub struct ExpireSessions;

#[async_trait]
impl Task for ExpireSessions {
    fn name(&self) -> &str {
        "expire-sessions"
    }

    fn description(&self) -> &str {
        "Drops expired and revoked login sessions."
    }

    fn schedule(&self) -> Schedule {
        Schedule::every_minutes(10)
    }

    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(120))
    }

    async fn run(&self, _ctx: TaskContext, services: &TaskServices) -> Result<(), TaskError> {
        services.maintenance.expire_sessions().await?;
        Ok(())
    }
}

/// Takes users whose connections stopped heartbeating offline and announces it, once per tick across
/// instances (the gateways of `serve` processes sweep too; the store's sweep is atomic, so nobody is announced
/// twice), so presence is kept even when no `serve` process is running.
pub struct SweepPresence;

#[async_trait]
impl Task for SweepPresence {
    fn name(&self) -> &str {
        "sweep-presence"
    }

    fn description(&self) -> &str {
        "Takes users whose WebSocket connections stopped heartbeating offline."
    }

    fn schedule(&self) -> Schedule {
        Schedule::every_seconds(30)
    }

    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(25))
    }

    async fn run(&self, _ctx: TaskContext, services: &TaskServices) -> Result<(), TaskError> {
        let offline = services.chat.sweep_presence().await?;
        if offline > 0 {
            tracing::info!(target: "cron::maintenance", went_offline = offline, "presence swept");
        }
        Ok(())
    }
}

/// Stores the daily statistics rows (users total, new, active, deleted) of yesterday and today, for the
/// admin dashboard's charts.
pub struct RollUpDailyStats;

#[async_trait]
impl Task for RollUpDailyStats {
    fn name(&self) -> &str {
        "roll-up-daily-stats"
    }

    fn description(&self) -> &str {
        "Stores yesterday's and today's statistics rows (users total, new, active, deleted) for the dashboard."
    }

    fn schedule(&self) -> Schedule {
        Schedule::hourly_at(5)
    }

    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(300))
    }

    fn retry(&self) -> RetryPolicy {
        RetryPolicy::exponential(3, Duration::from_secs(10))
    }

    fn misfire(&self) -> MisfirePolicy {
        MisfirePolicy::RunOnce { window: Duration::from_secs(6 * 3600) }
    }

    async fn run(&self, _ctx: TaskContext, services: &TaskServices) -> Result<(), TaskError> {
        services.maintenance.roll_up_recent().await?;
        Ok(())
    }
}
