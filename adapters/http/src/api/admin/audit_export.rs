//! `GET /api/v1/admin/audit/export`: the audit log as a CSV download, with the list's filters.

use crate::api::ApiTags;
use crate::api::security::AdminAuth;
use crate::problem::ApiError;
use crate::state::HttpState;
use application::admin::AUDIT_EXPORT_CAP;
use chrono::{DateTime, Utc};
use domain::audit::AuditQuery;
use domain::ids::UserId;
use poem_openapi::param::Query;
use poem_openapi::payload::Binary;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

/// The export operation.
pub struct AdminAuditExportApi {
    state: HttpState,
}

impl AdminAuditExportApi {
    /// The export over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

#[derive(ApiResponse)]
enum CsvFile {
    /// The CSV file (UTF-8 with a byte order mark, CRLF rows). `X-Total-Count` says how many entries
    /// matched; when it exceeds the rows, the cap of 10,000 cut the export (`X-Truncated: true`).
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "X-Total-Count")] u64,
        #[oai(header = "X-Truncated")] bool,
    ),
}

#[OpenApi(prefix_path = "/api/v1/admin/audit", tag = "ApiTags::Admin")]
impl AdminAuditExportApi {
    /// The audit entries matching the filters (the same as the list's), newest first, as CSV; at most
    /// 10,000 rows.
    #[oai(path = "/export", method = "get", operation_id = "admin_export_audit")]
    async fn export(
        &self,
        auth: AdminAuth,
        /// Only this actor.
        actor_id: Query<Option<Uuid>>,
        /// Only this action code.
        #[oai(validator(max_length = 64))]
        action: Query<Option<String>>,
        /// Only this target, e.g. `user:<id>`.
        #[oai(validator(max_length = 255))]
        target: Query<Option<String>>,
        /// At or after (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Before (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
    ) -> Result<CsvFile, ApiError> {
        let actor = auth.0;
        let filter = AuditQuery {
            actor_id: actor_id.0.map(UserId),
            action: action.0.filter(|s| !s.is_empty()),
            target: target.0.filter(|s| !s.is_empty()),
            from: from.0,
            to: to.0,
            ..AuditQuery::default()
        };
        let export = self.state.admin.audit_export(&actor, &filter, AUDIT_EXPORT_CAP).await?;
        let name = format!("attachment; filename=\"audit-{}.csv\"", Utc::now().format("%Y%m%d-%H%M%S"));
        let body = super::audit_csv::render(&export.entries).into_bytes();
        Ok(CsvFile::Ok(Binary(body), name, export.total, export.truncated()))
    }
}
