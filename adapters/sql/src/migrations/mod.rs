//! Schema migrations, one file per table group, applied in file order and recorded in `seaql_migrations`.
//!
//! Kept in their own module because `sea_orm_migration::prelude::*` clashes with sea-orm's entity prelude
//! (`ColumnDef` and friends). Every migration is idempotent on its own (`IF NOT EXISTS`, index existence
//! checks), so a run interrupted half-way (MySQL DDL is not transactional) can simply be repeated. Later
//! table groups (run records, messages) are appended to [`Migrator::migrations`], never inserted before.

mod dialect;
mod m20261124_000001_settings;
mod m20261124_000002_users;
mod m20261124_000003_audit_log;
mod m20261124_000004_messages;
mod m20261124_000005_groups;
mod m20261124_000006_conversations;
mod m20261124_000101_cron_runs;
mod m20261124_000102_daily_stats;
mod m20261125_000001_username_nfc;

pub use m20261125_000001_username_nfc::{NfcOutcome, normalize_usernames};

use crate::connect::SqlDatabase;
use crate::error::SqlError;
use sea_orm_migration::{MigrationTrait, MigratorTrait};

/// The ordered list of migrations; `exchange migrate` and start-up apply the pending ones.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_settings::Migration),
            Box::new(m20261124_000002_users::Migration),
            Box::new(m20261124_000003_audit_log::Migration),
            Box::new(m20261124_000101_cron_runs::Migration),
            Box::new(m20261124_000102_daily_stats::Migration),
            Box::new(m20261124_000004_messages::Migration),
            Box::new(m20261124_000005_groups::Migration),
            Box::new(m20261124_000006_conversations::Migration),
            Box::new(m20261125_000001_username_nfc::Migration),
        ]
    }
}

/// Applies every pending migration; a no-op when the schema is current.
pub async fn migrate(db: &SqlDatabase) -> Result<(), SqlError> {
    Migrator::up(db.connection(), None).await.map_err(SqlError::Migrate)
}

/// Names of the migrations already applied, oldest first; for `exchange migrate` to report.
pub async fn applied(db: &SqlDatabase) -> Result<Vec<String>, SqlError> {
    let applied = Migrator::get_applied_migrations(db.connection()).await.map_err(SqlError::Migrate)?;
    Ok(applied.iter().map(|m| m.name().to_owned()).collect())
}
