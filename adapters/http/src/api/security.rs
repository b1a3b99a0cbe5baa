//! `Authorization: Bearer <access token>` for protected operations.

use crate::edge::RequestContext;
use crate::problem::ApiError;
use crate::state::HttpState;
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
