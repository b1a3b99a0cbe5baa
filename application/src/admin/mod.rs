//! The admin console's use cases: user management, the audit log and dashboard statistics.
//!
//! Every call starts by resolving the caller into an [`Actor`](crate::Actor) with its *current* role (an
//! admin demoted a minute ago is refused even with an unexpired token), and every write is audited.

mod daily;
mod error;
mod export;
mod service;
mod stats;

pub use daily::{DailyPoint, DailySeriesService, MAX_DAYS};
pub use error::AdminError;
pub use export::{AUDIT_EXPORT_CAP, AuditExport};
pub use service::{AdminService, InitAdminOutcome, NewUserInput};
pub use stats::AdminStats;
