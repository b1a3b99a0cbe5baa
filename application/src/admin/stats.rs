//! The numbers on the admin dashboard.

use domain::user::UserStats;

/// Dashboard statistics; later areas (chat, scheduler) add their own sections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminStats {
    /// Accounts: totals, new today (UTC), active in the last 24 hours, by role and status.
    pub users: UserStats,
}
