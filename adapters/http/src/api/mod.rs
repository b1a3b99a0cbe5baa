//! The operations of the public API, grouped by tag; each group is a small poem-openapi struct.

pub mod admin;
mod auth;
pub mod chat;
pub mod fields;
mod json_body;
mod me;
mod models;
mod ops;
mod security;

pub use auth::{AuthApi, RegistrationApi};
pub use json_body::JsonBody;
pub use me::MeApi;
pub use ops::OpsApi;
pub use security::{AdminAuth, BearerAuth};

use crate::state::HttpState;
use admin::{
    AdminAuditApi, AdminAuditExportApi, AdminConsoleApi, AdminDailyApi, AdminPushApi, AdminSettingsApi, AdminStatsApi,
    AdminUsersApi,
};
use chat::{ConversationsApi, GroupsApi, PresenceApi};
use poem_openapi::{OpenApiService, Tags};

/// Tags group operations in the docs.
#[derive(Tags)]
pub enum ApiTags {
    /// Registration, login, token refresh and logout.
    Auth,
    /// The signed-in user's own account.
    Users,
    /// Groups, conversations, history, read state and presence (sending is over the WebSocket).
    Chat,
    /// The admin console's API (admin or super_admin role).
    Admin,
    /// Liveness, readiness and metrics, for load balancers and monitoring.
    Ops,
}

/// Every operation group, in the order the docs show them.
pub type Apis = (
    RegistrationApi,
    AuthApi,
    MeApi,
    GroupsApi,
    ConversationsApi,
    PresenceApi,
    AdminUsersApi,
    AdminSettingsApi,
    AdminAuditApi,
    AdminStatsApi,
    AdminPushApi,
    OpsApi,
    AdminDailyApi,
    AdminAuditExportApi,
    AdminConsoleApi,
);

/// The OpenAPI service over every operation group.
pub fn service(state: HttpState) -> OpenApiService<Apis, ()> {
    let apis = (
        RegistrationApi::new(state.clone()),
        AuthApi::new(state.clone()),
        MeApi::new(state.clone()),
        GroupsApi::new(state.clone()),
        ConversationsApi::new(state.clone()),
        PresenceApi::new(state.clone()),
        AdminUsersApi::new(state.clone()),
        AdminSettingsApi::new(state.clone()),
        AdminAuditApi::new(state.clone()),
        AdminStatsApi::new(state.clone()),
        AdminPushApi::new(state.clone()),
        OpsApi::new(state.clone()),
        AdminDailyApi::new(state.clone()),
        AdminAuditExportApi::new(state.clone()),
        AdminConsoleApi::new(state),
    );
    OpenApiService::new(apis, "exchange API", env!("CARGO_PKG_VERSION"))
        .description(include_str!("description.md"))
        .server("/")
}
