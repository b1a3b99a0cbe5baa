//! The audit log in the `audit_log` table.

mod entity;
mod log;

pub use log::SqlAuditLog;
