//! Per-IP quotas by route group, before any handler runs. Per-user quotas are applied once the caller is
//! authenticated (see `api::security`).

use super::RequestContext;
use crate::problem::ApiError;
use crate::state::HttpState;
use application::auth::RouteGroup;

/// The quota group of a path, or `None` for routes that are never limited (ops, docs).
pub(super) fn group_of(path: &str) -> Option<RouteGroup> {
    if path.starts_with("/api/v1/auth/") {
        Some(RouteGroup::Auth)
    } else if path.starts_with("/api/v1/") {
        Some(RouteGroup::Api)
    } else {
        None
    }
}

/// Counts the request against its group's per-IP quota.
pub(super) async fn apply(state: &HttpState, path: &str, ctx: &RequestContext) -> Result<(), ApiError> {
    let Some(group) = group_of(path) else { return Ok(()) };
    let ip = ctx.client_ip.map(|ip| ip.to_string());
    state.rate_limits.check(group, ip.as_deref(), None).await.map_err(ApiError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_routes_are_never_limited() {
        assert_eq!(group_of("/api/v1/auth/login"), Some(RouteGroup::Auth));
        assert_eq!(group_of("/api/v1/users/me"), Some(RouteGroup::Api));
        assert_eq!(group_of("/ping"), None);
        assert_eq!(group_of("/metrics"), None);
    }
}
