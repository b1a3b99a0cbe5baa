//! Registration, login, token refresh and logout.

use super::ApiTags;
use super::bounds::check_length;
use super::json_body::JsonBody;
use super::models::{EXAMPLE_PASSWORD, TokenDto, UserDto};
use super::security::BearerAuth;
use crate::edge::RequestContext;
use crate::problem::ApiError;
use crate::state::HttpState;
use application::auth::{LoginInput, RegisterInput};
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;

/// Sign-up: public on the main API only (the cron port serves sign-in for operators, not sign-up).
pub struct RegistrationApi {
    state: HttpState,
}

impl RegistrationApi {
    /// Registration over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

/// Sign-in, token refresh and sign-out: on the main API and the cron port.
pub struct AuthApi {
    state: HttpState,
}

impl AuthApi {
    /// Auth operations over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

/// A new account.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// 3-32 characters: ASCII letters, digits, `_`, or CJK. Unique, case-insensitively.
    #[oai(validator(
        min_length = 3,
        max_length = 32,
        pattern = r"^[A-Za-z0-9_\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF]+$"
    ))]
    pub username: String,
    /// A valid e-mail address; unique.
    #[oai(validator(min_length = 3, max_length = 254))]
    pub email: String,
    /// 8-128 characters, hard to guess (zxcvbn score 3+, not containing the username or e-mail).
    #[oai(validator(min_length = 8, max_length = 128))]
    pub password: String,
}

/// Credentials.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Username (any letter case) or e-mail.
    #[oai(validator(min_length = 1, max_length = 254))]
    pub username: String,
    /// Password.
    #[oai(validator(min_length = 1, max_length = 1024))]
    pub password: String,
}

/// A refresh token to exchange.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    #[oai(validator(min_length = 1, max_length = 512))]
    pub refresh_token: String,
}

impl Example for RegisterRequest {
    fn example() -> Self {
        Self { username: "alice".into(), email: "alice@example.com".into(), password: EXAMPLE_PASSWORD.into() }
    }
}

impl Example for LoginRequest {
    fn example() -> Self {
        Self { username: "alice".into(), password: EXAMPLE_PASSWORD.into() }
    }
}

impl Example for RefreshRequest {
    fn example() -> Self {
        Self { refresh_token: TokenDto::example().refresh_token }
    }
}

#[derive(ApiResponse)]
enum Registered {
    /// The account was created; sign in with `POST /api/v1/auth/login`.
    #[oai(status = 201)]
    Created(Json<UserDto>),
}

#[derive(ApiResponse)]
enum LoggedOut {
    /// The session is revoked; its access and refresh tokens no longer work.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/api/v1/auth", tag = "ApiTags::Auth")]
impl RegistrationApi {
    /// Creates an account with role `user`. Refused with 403 `auth.registration_closed` when the
    /// `auth.registration_open` setting is off; 409 when the username or e-mail is taken.
    #[oai(path = "/register", method = "post", operation_id = "register")]
    async fn register(&self, req: &Request, body: JsonBody<RegisterRequest>) -> Result<Registered, ApiError> {
        let ctx = RequestContext::of(req);
        let input = RegisterInput { username: body.0.username, email: body.0.email, password: body.0.password };
        let user = self.state.auth.register(input, &ctx.meta()).await?;
        Ok(Registered::Created(Json(UserDto::from(&user))))
    }
}

#[OpenApi(prefix_path = "/api/v1/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Signs in and opens a session. Failed attempts are counted per account and IP: past the
    /// `rate_limit.login_failures` setting within 15 minutes, 429 `auth.login_locked` with `Retry-After`.
    #[oai(path = "/login", method = "post", operation_id = "login")]
    async fn login(&self, req: &Request, body: JsonBody<LoginRequest>) -> Result<Json<TokenDto>, ApiError> {
        let ctx = RequestContext::of(req);
        check_length("username", &body.0.username, 1, 254)?;
        check_length("password", &body.0.password, 1, 1024)?;
        let input = LoginInput { login: body.0.username, password: body.0.password };
        let pair = self.state.auth.login(input, &ctx.meta()).await?;
        Ok(Json(pair.into()))
    }

    /// Exchanges a refresh token for a new token pair. Each refresh token works once; presenting one
    /// again revokes the session (401 `auth.refresh_reused`).
    #[oai(path = "/refresh", method = "post", operation_id = "refresh")]
    async fn refresh(&self, body: JsonBody<RefreshRequest>) -> Result<Json<TokenDto>, ApiError> {
        check_length("refresh_token", &body.0.refresh_token, 1, 512)?;
        let pair = self.state.auth.refresh(&body.0.refresh_token).await?;
        Ok(Json(pair.into()))
    }

    /// Ends the current session.
    #[oai(path = "/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, auth: BearerAuth) -> Result<LoggedOut, ApiError> {
        self.state.auth.logout(&auth.0).await?;
        Ok(LoggedOut::NoContent)
    }
}
