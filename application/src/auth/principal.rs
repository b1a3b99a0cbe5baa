//! The caller behind a verified access token.

use domain::ids::{SessionId, UserId};
use domain::user::Role;

/// A caller whose access token verified and whose session is live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// The role the token was issued with; admin use cases re-read the current role.
    pub role: Role,
    /// The session the token belongs to.
    pub session_id: SessionId,
}
