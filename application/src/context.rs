//! Who is acting and from where: passed by driving adapters into every use case that writes.

use domain::ids::UserId;
use domain::user::Role;

/// The authenticated caller of a use case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The caller's account.
    pub id: UserId,
    /// The caller's username, recorded in the audit log.
    pub username: String,
    /// The caller's role, as checked at the start of the request.
    pub role: Role,
}

impl Actor {
    /// The CLI and scheduled tasks act as the system, with full rights.
    pub fn system() -> Self {
        Self { id: UserId(uuid::Uuid::nil()), username: "system".into(), role: Role::SuperAdmin }
    }

    /// True for the system actor.
    pub fn is_system(&self) -> bool {
        self.id.0.is_nil()
    }
}

/// Where a request came from, for audit entries and logs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestMeta {
    /// The request id shown in error bodies and the access log.
    pub request_id: Option<String>,
    /// Client IP (after trusted-proxy resolution).
    pub ip: Option<String>,
    /// Client User-Agent.
    pub user_agent: Option<String>,
}
