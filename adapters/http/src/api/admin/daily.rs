//! `GET /api/v1/admin/stats/daily`: the dashboard's charts, one point per UTC day.

use crate::api::ApiTags;
use crate::api::fields::Bounded;
use crate::api::security::AdminAuth;
use crate::problem::ApiError;
use crate::state::HttpState;
use application::admin::{DailyPoint, MAX_DAYS};
use chrono::NaiveDate;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};

/// The daily series operation.
pub struct AdminDailyApi {
    state: HttpState,
}

impl AdminDailyApi {
    /// The daily series over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

/// One UTC day.
#[derive(Object)]
#[oai(example)]
struct DailyPointDto {
    /// The day (`YYYY-MM-DD`, UTC).
    day: NaiveDate,
    /// Accounts not deleted at the start of the day (today: now).
    users_total: u64,
    /// Accounts created that day.
    users_new: u64,
    /// Accounts whose last sign-in fell on that day.
    users_active: u64,
    /// Chat messages stored that day; absent when no message store is configured.
    #[oai(skip_serializing_if_is_none)]
    messages: Option<u64>,
    /// Scheduled-task runs that succeeded (by fire time); absent without run history.
    #[oai(skip_serializing_if_is_none)]
    runs_succeeded: Option<u64>,
    /// Runs that failed or timed out; absent without run history.
    #[oai(skip_serializing_if_is_none)]
    runs_failed: Option<u64>,
}

impl From<DailyPoint> for DailyPointDto {
    fn from(p: DailyPoint) -> Self {
        Self {
            day: p.day,
            users_total: p.users_total,
            users_new: p.users_new,
            users_active: p.users_active,
            messages: p.messages,
            runs_succeeded: p.runs_succeeded,
            runs_failed: p.runs_failed,
        }
    }
}

/// The series, oldest day first, ending today (UTC).
#[derive(Object)]
#[oai(example)]
struct DailySeriesDto {
    /// How many days were asked for.
    days: u32,
    /// One point per day.
    points: Vec<DailyPointDto>,
}

impl Example for DailyPointDto {
    fn example() -> Self {
        Self {
            day: crate::api::models::example_time().date_naive(),
            users_total: 122,
            users_new: 4,
            users_active: 37,
            messages: Some(840),
            runs_succeeded: Some(96),
            runs_failed: Some(0),
        }
    }
}

impl Example for DailySeriesDto {
    fn example() -> Self {
        Self { days: 1, points: vec![DailyPointDto::example()] }
    }
}

#[OpenApi(prefix_path = "/api/v1/admin/stats/daily", tag = "ApiTags::Admin")]
impl AdminDailyApi {
    /// Daily numbers for the dashboard's charts over the last `days` UTC days (1 to 92, default 30):
    /// new and active users, messages, task runs. Days the roll-up task has not stored yet (and today) are
    /// computed live.
    #[oai(path = "/", method = "get", operation_id = "admin_stats_daily")]
    async fn daily(
        &self,
        auth: AdminAuth,
        /// Number of days ending today, 1 to 92 (default 30).
        days: Query<Option<Bounded<1, { MAX_DAYS }>>>,
    ) -> Result<Json<DailySeriesDto>, ApiError> {
        let actor = auth.0;
        let days = days.0.map_or(30, |d| d.0);
        let points = self.state.dashboard.series(&actor, days).await?;
        Ok(Json(DailySeriesDto { days, points: points.into_iter().map(DailyPointDto::from).collect() }))
    }
}
