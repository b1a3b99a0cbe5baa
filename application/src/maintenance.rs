//! Housekeeping use cases the scheduler's built-in tasks run: purging soft-deleted users, expiring
//! sessions, rolling up daily statistics. Written against ports only; the tasks in `adapter-jobs` are thin
//! wrappers around these methods. (Presence expiry is the chat service's, which also announces it.)

use crate::settings::SettingsService;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::InfraError;
use domain::clock::Clock;
use domain::session::SessionStore;
use domain::stats::{DailyStats, DailyStatsStore};
use domain::user::{UserRepository, UserStoreError};
use std::sync::Arc;

/// Why a housekeeping step failed.
#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    /// The user store failed.
    #[error(transparent)]
    Users(#[from] UserStoreError),
    /// Another backend failed.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

/// Housekeeping over the stores.
pub struct MaintenanceService {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionStore>,
    daily_stats: Arc<dyn DailyStatsStore>,
    settings: Arc<SettingsService>,
    clock: Arc<dyn Clock>,
}

/// Midnight UTC at the start of `day`.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

impl MaintenanceService {
    /// Wires the service to its stores.
    pub fn new(
        users: Arc<dyn UserRepository>,
        sessions: Arc<dyn SessionStore>,
        daily_stats: Arc<dyn DailyStatsStore>,
        settings: Arc<SettingsService>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { users, sessions, daily_stats, settings, clock }
    }

    /// Deletes for good the users soft-deleted more than `users.purge_after_days` days ago.
    #[tracing::instrument(target = "cron::maintenance", skip(self))]
    pub async fn purge_deleted_users(&self) -> Result<u64, MaintenanceError> {
        let days = self.settings.current().await?.user_purge_after_days();
        let cutoff = self.clock.now() - Duration::days(i64::from(days));
        let purged = self.users.purge_deleted_before(cutoff).await?;
        tracing::info!(target: "cron::maintenance", purged, days, "purged soft-deleted users");
        Ok(purged)
    }

    /// Drops expired and revoked sessions (stores with TTLs mostly do it themselves).
    pub async fn expire_sessions(&self) -> Result<u64, MaintenanceError> {
        let purged = self.sessions.purge_expired(self.clock.now()).await?;
        tracing::info!(target: "cron::maintenance", purged, "expired sessions purged");
        Ok(purged)
    }

    /// Computes and stores the statistics row of `day` (UTC): accounts now, created that day, signed in that
    /// day (last login within the day; a later login moves a user to a later day).
    pub async fn roll_up_day(&self, day: NaiveDate) -> Result<DailyStats, MaintenanceError> {
        let (start, end) = (start_of(day), start_of(day) + Duration::days(1));
        let from_start = self.users.stats(start, start).await?;
        let from_end = self.users.stats(end, end).await?;
        let row = DailyStats {
            day,
            users_total: from_start.total,
            users_new: from_start.new_since.saturating_sub(from_end.new_since),
            users_active: from_start.active_since.saturating_sub(from_end.active_since),
            users_deleted: from_start.deleted,
            computed_at: self.clock.now(),
        };
        self.daily_stats.put(&row).await?;
        Ok(row)
    }

    /// Rolls up yesterday (final) and today (so far), the rows the dashboard's charts end with.
    pub async fn roll_up_recent(&self) -> Result<Vec<DailyStats>, MaintenanceError> {
        let today = self.clock.now().date_naive();
        let mut rows = Vec::new();
        for day in [today.pred_opt().unwrap_or(today), today] {
            rows.push(self.roll_up_day(day).await?);
        }
        tracing::info!(target: "cron::maintenance", days = rows.len(), "daily statistics rolled up");
        Ok(rows)
    }

    /// Stored rows of `from..=to`, for the dashboard's charts.
    pub async fn daily_stats(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyStats>, MaintenanceError> {
        Ok(self.daily_stats.range(from, to).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapter_memory::{
        MemoryAuditLog, MemoryDailyStats, MemoryEventBus, MemorySessionStore, MemorySettingsStore, MemoryUserRepository,
    };
    use domain::ids::UserId;
    use domain::locale::Locale;
    use domain::settings::Settings;
    use domain::user::{Email, PasswordHash, Role, User, UserStatus, Username};

    struct Fixed(DateTime<Utc>);
    impl Clock for Fixed {
        fn now(&self) -> DateTime<Utc> {
            self.0
        }
    }

    fn user(name: &str, created: DateTime<Utc>, login: Option<DateTime<Utc>>, deleted: Option<DateTime<Utc>>) -> User {
        User {
            id: UserId::new(),
            username: Username::parse(name).unwrap(),
            email: Email::parse(&format!("{name}@example.com")).unwrap(),
            password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
            role: Role::User,
            status: UserStatus::Active,
            locale: Locale::ZhCn,
            created_at: created,
            updated_at: created,
            last_login_at: login,
            deleted_at: deleted,
        }
    }

    fn service(users: Arc<MemoryUserRepository>, now: DateTime<Utc>) -> (MaintenanceService, Arc<MemoryDailyStats>) {
        let clock: Arc<dyn Clock> = Arc::new(Fixed(now));
        let settings = Arc::new(SettingsService::new(
            Arc::new(MemorySettingsStore::default()),
            Arc::new(MemoryAuditLog::default()),
            Arc::new(MemoryEventBus::default()),
            clock.clone(),
            Settings::default(),
        ));
        let stats = Arc::new(MemoryDailyStats::default());
        let svc =
            MaintenanceService::new(users, Arc::new(MemorySessionStore::default()), stats.clone(), settings, clock);
        (svc, stats)
    }

    #[tokio::test]
    async fn purge_uses_the_setting_and_keeps_recent_deletions() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let users = Arc::new(MemoryUserRepository::default());
        let old = user("old_one", now - Duration::days(90), None, Some(now - Duration::days(31)));
        let recent = user("recent", now - Duration::days(90), None, Some(now - Duration::days(29)));
        for u in [&old, &recent] {
            users.create(u).await.unwrap();
        }
        let (svc, _) = service(users.clone(), now);
        assert_eq!(svc.purge_deleted_users().await.unwrap(), 1, "30 days by default");
        assert!(users.by_id_any(old.id).await.unwrap().is_none());
        assert!(users.by_id_any(recent.id).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn a_day_counts_new_and_active_users_of_that_day_only() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let day = now.date_naive();
        let users = Arc::new(MemoryUserRepository::default());
        users.create(&user("before", now - Duration::days(3), Some(now - Duration::days(2)), None)).await.unwrap();
        users.create(&user("today", now - Duration::hours(2), Some(now - Duration::hours(1)), None)).await.unwrap();
        users.create(&user("gone", now - Duration::days(5), None, Some(now - Duration::days(1)))).await.unwrap();
        let (svc, stats) = service(users, now);
        let row = svc.roll_up_day(day).await.unwrap();
        assert_eq!((row.users_total, row.users_new, row.users_active, row.users_deleted), (2, 1, 1, 1));
        let rows = svc.roll_up_recent().await.unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(stats.range(day.pred_opt().unwrap(), day).await.unwrap().len(), 2);
    }
}
