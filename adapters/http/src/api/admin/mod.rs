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

use crate::api::fields::Bounded;
use crate::problem::ApiError;
use domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, PageRequest};

/// A `page` query parameter: 1 to [`MAX_PAGE`].
pub type PageParam = Bounded<1, { MAX_PAGE }>;

/// A `size` query parameter: 1 to [`MAX_PAGE_SIZE`].
pub type SizeParam = Bounded<1, { MAX_PAGE_SIZE }>;

/// The page request of `page`/`size` query parameters (defaults 1 and [`DEFAULT_PAGE_SIZE`]); the domain
/// refuses numbers outside the bounds.
pub(crate) fn page_request(page: Option<PageParam>, size: Option<SizeParam>) -> Result<PageRequest, ApiError> {
    Ok(PageRequest::new(page.map_or(1, |p| p.0), size.map_or(DEFAULT_PAGE_SIZE, |s| s.0))?)
}
