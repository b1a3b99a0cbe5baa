//! The caller's own account.

use super::ApiTags;
use super::bounds::check_length;
use super::json_body::{JsonBody, present};
use super::models::{EXAMPLE_PASSWORD, LocaleDto, UserDto};
use super::security::BearerAuth;
use crate::problem::ApiError;
use crate::state::HttpState;
use application::auth::ProfileChanges;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;

/// Profile operations.
pub struct MeApi {
    state: HttpState,
}

impl MeApi {
    /// Profile operations over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

/// Fields a user may change on their own profile; omitted fields stay as they are.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// New e-mail (unique).
    #[oai(validator(min_length = 3, max_length = 254))]
    #[serde(default, deserialize_with = "present")]
    pub email: Option<String>,
    /// New interface language.
    #[serde(default, deserialize_with = "present")]
    pub locale: Option<LocaleDto>,
}

/// A password change.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The current password.
    #[oai(validator(min_length = 1, max_length = 1024))]
    pub current_password: String,
    /// The new password (same rules as registration).
    #[oai(validator(min_length = 8, max_length = 128))]
    pub new_password: String,
}

impl Example for UpdateMeRequest {
    fn example() -> Self {
        Self { email: Some("alice@example.org".into()), locale: Some(LocaleDto::En) }
    }
}

impl Example for ChangePasswordRequest {
    fn example() -> Self {
        Self { current_password: EXAMPLE_PASSWORD.into(), new_password: "Staple-7-Orbit-Lantern".into() }
    }
}

#[derive(ApiResponse)]
enum PasswordChanged {
    /// Changed; every other session of the account is signed out.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/api/v1/users/me", tag = "ApiTags::Users")]
impl MeApi {
    /// The signed-in user's profile.
    #[oai(path = "/", method = "get", operation_id = "get_me")]
    async fn get(&self, auth: BearerAuth) -> Result<Json<UserDto>, ApiError> {
        let user = self.state.auth.me(&auth.0).await?;
        Ok(Json(UserDto::from(&user)))
    }

    /// Changes the signed-in user's e-mail and/or language.
    #[oai(path = "/", method = "patch", operation_id = "update_me")]
    async fn update(&self, auth: BearerAuth, body: JsonBody<UpdateMeRequest>) -> Result<Json<UserDto>, ApiError> {
        let changes = ProfileChanges { email: body.0.email, locale: body.0.locale.map(|l| l.as_str().to_owned()) };
        let user = self.state.auth.update_me(&auth.0, changes).await?;
        Ok(Json(UserDto::from(&user)))
    }

    /// Changes the password; 400 `auth.wrong_password` if the current one is wrong.
    #[oai(path = "/password", method = "put", operation_id = "change_password")]
    async fn change_password(
        &self,
        auth: BearerAuth,
        body: JsonBody<ChangePasswordRequest>,
    ) -> Result<PasswordChanged, ApiError> {
        check_length("current_password", &body.0.current_password, 1, 1024)?;
        self.state.auth.change_password(&auth.0, &body.0.current_password, &body.0.new_password).await?;
        Ok(PasswordChanged::NoContent)
    }
}
