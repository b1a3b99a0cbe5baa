//! Dashboard statistics.

use crate::api::ApiTags;
use crate::api::security::AdminAuth;
use crate::problem::ApiError;
use crate::state::HttpState;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};
use std::collections::BTreeMap;

/// Statistics operations.
pub struct AdminStatsApi {
    state: HttpState,
}

impl AdminStatsApi {
    /// Statistics over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

/// Account numbers.
#[derive(Object)]
#[oai(example)]
struct UserStatsDto {
    /// Accounts that are not deleted.
    total: u64,
    /// Created today (UTC).
    new_today: u64,
    /// Signed in during the last 24 hours.
    active_24h: u64,
    /// Soft-deleted accounts.
    deleted: u64,
    /// Accounts per role.
    by_role: BTreeMap<String, u64>,
    /// Accounts per status.
    by_status: BTreeMap<String, u64>,
}

/// Chat numbers, across instances.
#[derive(Object)]
#[oai(example)]
struct ChatStatsDto {
    /// Users with at least one live WebSocket connection.
    online_users: u64,
    /// Live WebSocket connections.
    connections: u64,
    /// Messages stored since midnight UTC.
    messages_today: u64,
}

/// Dashboard numbers.
#[derive(Object)]
#[oai(example)]
struct StatsDto {
    /// Accounts.
    users: UserStatsDto,
    /// Chat.
    chat: ChatStatsDto,
}

impl Example for UserStatsDto {
    fn example() -> Self {
        let by_role = [("user", 118), ("admin", 3), ("super_admin", 1)];
        let by_status = [("active", 120), ("disabled", 2)];
        Self {
            total: 122,
            new_today: 4,
            active_24h: 37,
            deleted: 5,
            by_role: by_role.into_iter().map(|(k, n)| (k.to_owned(), n)).collect(),
            by_status: by_status.into_iter().map(|(k, n)| (k.to_owned(), n)).collect(),
        }
    }
}

impl Example for ChatStatsDto {
    fn example() -> Self {
        Self { online_users: 12, connections: 15, messages_today: 840 }
    }
}

impl Example for StatsDto {
    fn example() -> Self {
        Self { users: UserStatsDto::example(), chat: ChatStatsDto::example() }
    }
}

#[OpenApi(prefix_path = "/api/v1/admin/stats", tag = "ApiTags::Admin")]
impl AdminStatsApi {
    /// Numbers for the admin dashboard.
    #[oai(path = "/", method = "get", operation_id = "admin_stats")]
    async fn stats(&self, auth: AdminAuth) -> Result<Json<StatsDto>, ApiError> {
        let actor = auth.0;
        let stats = self.state.admin.stats(&actor).await?;
        let u = stats.users;
        let (online_users, connections) = self.state.chat.presence_counts().await?;
        let messages_today = self.state.chat.messages_today().await?;
        Ok(Json(StatsDto {
            chat: ChatStatsDto { online_users, connections, messages_today },
            users: UserStatsDto {
                total: u.total,
                new_today: u.new_since,
                active_24h: u.active_since,
                deleted: u.deleted,
                by_role: u.by_role.iter().map(|(r, n)| (r.as_str().to_owned(), *n)).collect(),
                by_status: u.by_status.iter().map(|(s, n)| (s.as_str().to_owned(), *n)).collect(),
            },
        }))
    }
}
