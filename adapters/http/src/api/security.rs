//! `Authorization: Bearer <access token>` for protected operations, and the same for admin operations with
//! the role checked before anything else of the request is read.

use crate::edge::RequestContext;
use crate::problem::ApiError;
use crate::state::HttpState;
use application::Actor;
use application::auth::{Principal, RouteGroup};
use poem::Request;
use poem::http::StatusCode;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

/// A caller authenticated by a PASETO v4 access token whose session is live.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "PASETO v4.public", checker = "authenticate")]
pub struct BearerAuth(pub Principal);

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req
        .data::<HttpState>()
        .ok_or_else(|| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal").with_cause("HttpState missing"))?;
    let principal = state.auth.authenticate(&bearer.token).await.map_err(ApiError::from)?;
    let ctx = RequestContext::of(req);
    let _ = ctx.user_id.set(principal.user_id);
    state.rate_limits.check(RouteGroup::Api, None, Some(principal.user_id)).await.map_err(ApiError::from)?;
    Ok(principal)
}

/// A caller authenticated like [`BearerAuth`] whose account may use the admin API (`admin` or
/// `super_admin`, re-read from the store by the application's admin check). Resolved before the
/// operation's parameters and body are parsed, so a plain user gets 403 whatever they send; the
/// application's services check the role again.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "PASETO v4.public", checker = "authenticate_admin")]
pub struct AdminAuth(pub Actor);

async fn authenticate_admin(req: &Request, bearer: Bearer) -> poem::Result<Actor> {
    let principal = authenticate(req, bearer).await?;
    let state = req
        .data::<HttpState>()
        .ok_or_else(|| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal").with_cause("HttpState missing"))?;
    Ok(state.admin.actor(&principal).await.map_err(ApiError::from)?)
}
