//! The operations of the public API, grouped by tag; each group is a small poem-openapi struct.

pub mod admin;
mod auth;
mod json_body;
mod me;
mod models;
mod ops;
mod security;

pub use auth::AuthApi;
pub use json_body::JsonBody;
pub use me::MeApi;
pub use ops::OpsApi;
pub use security::BearerAuth;

use crate::state::HttpState;
use admin::{
    AdminAuditApi, AdminAuditExportApi, AdminConsoleApi, AdminDailyApi, AdminSettingsApi, AdminStatsApi, AdminUsersApi,
};
use poem_openapi::{OpenApiService, Tags};

/// Tags group operations in the docs.
#[derive(Tags)]
pub enum ApiTags {
    /// Registration, login, token refresh and logout.
    Auth,
    /// The signed-in user's own account.
    Users,
    /// The admin console's API (admin or super_admin role).
    Admin,
    /// Liveness, readiness and metrics, for load balancers and monitoring.
    Ops,
}

/// Every operation group, in the order the docs show them.
pub type Apis = (
    AuthApi,
    MeApi,
    AdminUsersApi,
    AdminSettingsApi,
    AdminAuditApi,
    AdminStatsApi,
    OpsApi,
    AdminDailyApi,
    AdminAuditExportApi,
    AdminConsoleApi,
);

/// The OpenAPI service over every operation group.
pub fn service(state: HttpState) -> OpenApiService<Apis, ()> {
    let apis = (
        AuthApi::new(state.clone()),
        MeApi::new(state.clone()),
        AdminUsersApi::new(state.clone()),
        AdminSettingsApi::new(state.clone()),
        AdminAuditApi::new(state.clone()),
        AdminStatsApi::new(state.clone()),
        OpsApi::new(state.clone()),
        AdminDailyApi::new(state.clone()),
        AdminAuditExportApi::new(state.clone()),
        AdminConsoleApi::new(state),
    );
    OpenApiService::new(apis, "exchange API", env!("CARGO_PKG_VERSION"))
        .description(include_str!("description.md"))
        .server("/")
}
