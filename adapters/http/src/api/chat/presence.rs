//! `GET /api/v1/users/{id}/presence`: whether a user is online (any live WebSocket on any instance).

use super::models::PresenceDto;
use crate::api::ApiTags;
use crate::api::security::BearerAuth;
use crate::problem::ApiError;
use crate::state::HttpState;
use domain::ids::UserId;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use uuid::Uuid;

/// Presence operations.
pub struct PresenceApi {
    state: HttpState,
}

impl PresenceApi {
    /// Presence over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

#[OpenApi(prefix_path = "/api/v1/users", tag = "ApiTags::Chat")]
impl PresenceApi {
    /// Whether a user is online now; 404 `user.not_found` for an unknown or deleted user. For live changes
    /// use the WebSocket `presence` frame.
    #[oai(path = "/:id/presence", method = "get", operation_id = "user_presence")]
    async fn presence(&self, _auth: BearerAuth, id: Path<Uuid>) -> Result<Json<PresenceDto>, ApiError> {
        let online = self.state.conversations.is_online(UserId(id.0)).await?;
        Ok(Json(PresenceDto { user_id: id.0.to_string(), online }))
    }
}
