//! The admin console's JSON API under `/api/v1/admin`. Every operation takes [`crate::api::AdminAuth`], so
//! the caller's role is checked (by the application's admin check) before its input is parsed; the
//! application's services check it again. These handlers translate shapes and pass the request metadata for
//! the audit log.

mod audit;
mod audit_csv;
mod audit_export;
mod console;
mod daily;
mod push;
mod settings;
mod stats;
mod users;

pub use audit::AdminAuditApi;
pub use audit_export::AdminAuditExportApi;
pub use console::AdminConsoleApi;
pub use daily::AdminDailyApi;
pub use push::AdminPushApi;
pub use settings::AdminSettingsApi;
pub use stats::AdminStatsApi;
pub use users::AdminUsersApi;

use crate::problem::ApiError;
use domain::page::PageRequest;

/// Validates `page`/`size` query parameters (defaults 1 and 20, size at most 100).
pub(crate) fn page_request(page: Option<u32>, size: Option<u32>) -> Result<PageRequest, ApiError> {
    Ok(PageRequest::new(page.unwrap_or(1), size.unwrap_or(20))?)
}
