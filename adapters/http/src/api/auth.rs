//! Registration, login, token refresh and logout.

use super::ApiTags;
use super::fields::{
    CandidatePasswordText, EmailText, LoginText, NewPasswordText, RefreshTokenText, Text, UsernameText,
};
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
    pub username: UsernameText,
    /// A valid e-mail address; unique.
    pub email: EmailText,
    /// 8-128 characters, hard to guess (zxcvbn score 3+, not containing the username or e-mail).
    pub password: NewPasswordText,
}

/// Credentials.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Username (any letter case) or e-mail.
    pub username: LoginText,
    /// Password.
    pub password: CandidatePasswordText,
}

/// A refresh token to exchange.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    pub refresh_token: RefreshTokenText,
}

impl Example for RegisterRequest {
    fn example() -> Self {
        Self {
            username: Text::example("alice"),
            email: Text::example("alice@example.com"),
            password: Text::example(EXAMPLE_PASSWORD),
        }
    }
}

impl Example for LoginRequest {
    fn example() -> Self {
        Self { username: Text::example("alice"), password: Text::example(EXAMPLE_PASSWORD) }
    }
}

impl Example for RefreshRequest {
    fn example() -> Self {
        Self { refresh_token: Text::example(&TokenDto::example().refresh_token) }
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
        let input = RegisterInput {
            username: body.0.username.into_inner(),
            email: body.0.email.into_inner(),
            password: body.0.password.into_inner(),
        };
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
        let input = LoginInput { login: body.0.username.into_inner(), password: body.0.password.into_inner() };
        let pair = self.state.auth.login(input, &ctx.meta()).await?;
        Ok(Json(pair.into()))
    }

    /// Exchanges a refresh token for a new token pair. Each refresh token works once; presenting one
    /// again revokes the session (401 `auth.refresh_reused`).
    #[oai(path = "/refresh", method = "post", operation_id = "refresh")]
    async fn refresh(&self, body: JsonBody<RefreshRequest>) -> Result<Json<TokenDto>, ApiError> {
        let pair = self.state.auth.refresh(body.0.refresh_token.as_str()).await?;
        Ok(Json(pair.into()))
    }

    /// Ends the current session.
    #[oai(path = "/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, auth: BearerAuth) -> Result<LoggedOut, ApiError> {
        self.state.auth.logout(&auth.0).await?;
        Ok(LoggedOut::NoContent)
    }
}
