//! The caller's own account.

use super::ApiTags;
use super::fields::{CandidatePasswordText, EmailText, NewPasswordText, Text};
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
    #[serde(default, deserialize_with = "present")]
    pub email: Option<EmailText>,
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
    pub current_password: CandidatePasswordText,
    /// The new password (same rules as registration).
    pub new_password: NewPasswordText,
}

impl Example for UpdateMeRequest {
    fn example() -> Self {
        Self { email: Some(Text::example("alice@example.org")), locale: Some(LocaleDto::En) }
    }
}

impl Example for ChangePasswordRequest {
    fn example() -> Self {
        Self {
            current_password: Text::example(EXAMPLE_PASSWORD),
            new_password: Text::example("Staple-7-Orbit-Lantern"),
        }
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
        let changes = ProfileChanges {
            email: body.0.email.map(Text::into_inner),
            locale: body.0.locale.map(|l| l.as_str().to_owned()),
        };
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
        let body = body.0;
        self.state.auth.change_password(&auth.0, body.current_password.as_str(), body.new_password.as_str()).await?;
        Ok(PasswordChanged::NoContent)
    }
}
