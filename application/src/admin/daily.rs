//! The dashboard's daily series: one point per UTC day for the console's charts (new and active users,
//! messages, task runs). Reads the rolled-up `daily_stats` rows and fills the days the roll-up has not
//! stored yet (always today) from the live stores, so a fresh install shows numbers at once. Never writes.

use super::AdminError;
use crate::context::Actor;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::chat::{MessageStore, MessageStoreError};
use domain::clock::Clock;
use domain::page::PageRequest;
use domain::schedule::{RunQuery, RunStatus, RunStore};
use domain::stats::DailyStatsStore;
use domain::user::{UserRepository, UserStats};
use domain::{InfraError, ValidationError, Violation};
use std::collections::HashMap;
use std::sync::Arc;

/// Longest series the dashboard may ask for (about a quarter).
pub const MAX_DAYS: u32 = 92;

/// One day of the series.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyPoint {
    /// The UTC day.
    pub day: NaiveDate,
    /// Accounts not deleted at the start of the day (today: now).
    pub users_total: u64,
    /// Accounts created that day.
    pub users_new: u64,
    /// Accounts whose last sign-in fell on that day.
    pub users_active: u64,
    /// Chat messages stored that day; `None` when no message store is wired.
    pub messages: Option<u64>,
    /// Scheduled-task runs that succeeded that day (by fire time); `None` without a run store.
    pub runs_succeeded: Option<u64>,
    /// Runs that failed or timed out that day; `None` without a run store.
    pub runs_failed: Option<u64>,
}

/// Builds the daily series from the stores it is given; the optional ones come with later features.
pub struct DailySeriesService {
    users: Arc<dyn UserRepository>,
    daily: Arc<dyn DailyStatsStore>,
    runs: Option<Arc<dyn RunStore>>,
    messages: Option<Arc<dyn MessageStore>>,
    clock: Arc<dyn Clock>,
}

/// Midnight UTC at the start of `day`.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// A day's user numbers from the stats at its start and end, computed the way the roll-up task does.
fn live_point(day: NaiveDate, from_start: &UserStats, from_end: &UserStats) -> DailyPoint {
    DailyPoint {
        day,
        users_total: from_start.total,
        users_new: from_start.new_since.saturating_sub(from_end.new_since),
        users_active: from_start.active_since.saturating_sub(from_end.active_since),
        messages: None,
        runs_succeeded: None,
        runs_failed: None,
    }
}

fn message_error(err: MessageStoreError) -> AdminError {
    match err {
        MessageStoreError::Infra(e) => e.into(),
        other => InfraError::unexpected("messages", other).into(),
    }
}

impl DailySeriesService {
    /// Wires the service; `runs` and `messages` are `None` when those stores are not configured.
    pub fn new(
        users: Arc<dyn UserRepository>,
        daily: Arc<dyn DailyStatsStore>,
        runs: Option<Arc<dyn RunStore>>,
        messages: Option<Arc<dyn MessageStore>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { users, daily, runs, messages, clock }
    }

    /// The last `days` UTC days, oldest first, ending today. `days` must be 1 to [`MAX_DAYS`].
    pub async fn series(&self, actor: &Actor, days: u32) -> Result<Vec<DailyPoint>, AdminError> {
        if !actor.role.is_admin() {
            return Err(crate::error::Forbidden.into());
        }
        if !(1..=MAX_DAYS).contains(&days) {
            let range = Violation::OutOfRange { min: 1, max: i64::from(MAX_DAYS) };
            return Err(ValidationError::new("days", range).into());
        }
        let today = self.clock.now().date_naive();
        let first = today - Duration::days(i64::from(days) - 1);
        let stored: HashMap<NaiveDate, _> =
            self.daily.range(first, today).await?.into_iter().map(|row| (row.day, row)).collect();
        // Days computed live share their boundaries (the end of one day is the start of the next): read each
        // boundary once.
        let mut live = Vec::new();
        let mut day = first;
        while day <= today {
            if day == today || !stored.contains_key(&day) {
                live.push(day);
            }
            day += Duration::days(1);
        }
        let mut boundaries: HashMap<NaiveDate, UserStats> = HashMap::new();
        for edge in live.iter().flat_map(|d| [*d, *d + Duration::days(1)]) {
            if let std::collections::hash_map::Entry::Vacant(slot) = boundaries.entry(edge) {
                let at = start_of(edge);
                slot.insert(self.users.stats(at, at).await?);
            }
        }
        let mut points = Vec::with_capacity(days as usize);
        let mut day = first;
        while day <= today {
            let point = match (stored.get(&day), boundaries.get(&day), boundaries.get(&(day + Duration::days(1)))) {
                // Today's stored row is a snapshot from the last roll-up; the live numbers are newer.
                (Some(row), _, _) if day < today => DailyPoint {
                    day,
                    users_total: row.users_total,
                    users_new: row.users_new,
                    users_active: row.users_active,
                    messages: None,
                    runs_succeeded: None,
                    runs_failed: None,
                },
                (_, Some(from_start), Some(from_end)) => live_point(day, from_start, from_end),
                _ => return Err(InfraError::unexpected("daily_stats", "a day boundary was not read").into()),
            };
            points.push(point);
            day += Duration::days(1);
        }
        self.add_messages(&mut points).await?;
        self.add_runs(&mut points).await?;
        Ok(points)
    }

    /// Messages per day from "stored since" counts at each day boundary.
    async fn add_messages(&self, points: &mut [DailyPoint]) -> Result<(), AdminError> {
        let Some(messages) = &self.messages else { return Ok(()) };
        let Some(last) = points.last().map(|p| p.day) else { return Ok(()) };
        let mut after = messages.count_since(start_of(last) + Duration::days(1)).await.map_err(message_error)?;
        for point in points.iter_mut().rev() {
            let since = messages.count_since(start_of(point.day)).await.map_err(message_error)?;
            point.messages = Some(since.saturating_sub(after));
            after = since;
        }
        Ok(())
    }

    /// Succeeded and failed (or timed out) runs per day, by fire time, across every task.
    async fn add_runs(&self, points: &mut [DailyPoint]) -> Result<(), AdminError> {
        let Some(runs) = &self.runs else { return Ok(()) };
        let page = PageRequest::new(1, 1)?;
        for point in points.iter_mut() {
            let (from, to) = (start_of(point.day), start_of(point.day) + Duration::days(1));
            let count = |status| {
                let query = RunQuery {
                    task: None,
                    status: Some(status),
                    trigger: None,
                    instance: None,
                    from: Some(from),
                    to: Some(to),
                    page,
                };
                async move { runs.list(&query).await.map(|p| p.total) }
            };
            let succeeded = count(RunStatus::Succeeded).await?;
            let failed = count(RunStatus::Failed).await? + count(RunStatus::TimedOut).await?;
            point.runs_succeeded = Some(succeeded);
            point.runs_failed = Some(failed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapter_memory::{MemoryDailyStats, MemoryUserRepository};
    use domain::ids::UserId;
    use domain::locale::Locale;
    use domain::stats::DailyStats;
    use domain::user::{Email, PasswordHash, Role, User, UserStatus, Username};

    struct Fixed(DateTime<Utc>);
    impl Clock for Fixed {
        fn now(&self) -> DateTime<Utc> {
            self.0
        }
    }

    fn admin() -> Actor {
        Actor { id: UserId::new(), username: "root".into(), role: Role::SuperAdmin }
    }

    fn user(name: &str, created: DateTime<Utc>) -> User {
        User {
            id: UserId::new(),
            username: Username::parse(name).expect("username"),
            email: Email::parse(&format!("{name}@example.com")).expect("email"),
            password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
            role: Role::User,
            status: UserStatus::Active,
            locale: Locale::ZhCn,
            created_at: created,
            updated_at: created,
            last_login_at: Some(created),
            deleted_at: None,
        }
    }

    fn at(day: &str, hms: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("{day}T{hms}Z")).expect("time").with_timezone(&Utc)
    }

    #[tokio::test]
    async fn stored_rows_are_used_and_missing_days_computed_live() {
        let users = Arc::new(MemoryUserRepository::default());
        for (name, t) in [("alice", at("2026-11-23", "10:00:00")), ("bob", at("2026-11-24", "09:00:00"))] {
            users.create(&user(name, t)).await.expect("create");
        }
        let daily = Arc::new(MemoryDailyStats::default());
        let day = |s: &str| s.parse::<NaiveDate>().expect("day");
        let stored = DailyStats {
            day: day("2026-11-22"),
            users_total: 40,
            users_new: 7,
            users_active: 5,
            users_deleted: 0,
            computed_at: at("2026-11-23", "00:05:00"),
        };
        daily.put(&stored).await.expect("put");
        let clock = Arc::new(Fixed(at("2026-11-24", "12:00:00")));
        let service = DailySeriesService::new(users, daily, None, None, clock);
        let points = service.series(&admin(), 3).await.expect("series");
        let days: Vec<_> = points.iter().map(|p| p.day.to_string()).collect();
        assert_eq!(days, ["2026-11-22", "2026-11-23", "2026-11-24"]);
        assert_eq!((points[0].users_new, points[0].users_total), (7, 40), "the stored row wins for past days");
        assert_eq!((points[1].users_new, points[1].users_active), (1, 1), "computed live: alice");
        assert_eq!((points[2].users_new, points[2].users_active), (1, 1), "today is always live: bob");
        assert_eq!(points[2].messages, None, "no message store wired");
        assert_eq!(points[2].runs_succeeded, None, "no run store wired");
    }

    #[tokio::test]
    async fn days_out_of_range_and_non_admins_are_refused() {
        let clock = Arc::new(Fixed(at("2026-11-24", "12:00:00")));
        let service = DailySeriesService::new(
            Arc::new(MemoryUserRepository::default()),
            Arc::new(MemoryDailyStats::default()),
            None,
            None,
            clock,
        );
        for days in [0, MAX_DAYS + 1] {
            let err = service.series(&admin(), days).await.expect_err("out of range");
            assert_eq!(domain::Coded::code(&err), "validation.out_of_range");
        }
        let plain = Actor { role: Role::User, ..admin() };
        let err = service.series(&plain, 7).await.expect_err("not an admin");
        assert_eq!(domain::Coded::code(&err), "auth.forbidden");
        assert_eq!(service.series(&admin(), MAX_DAYS).await.expect("max").len(), MAX_DAYS as usize);
    }
}
