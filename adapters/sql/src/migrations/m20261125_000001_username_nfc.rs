//! Usernames written before they were stored in Unicode NFC get their NFC form and key, so a look-alike
//! spelling (`豈` U+F900 beside `豈` U+8C48) can neither sign in as the other nor register beside it.
//!
//! Data only, and safe to repeat: rows already in NFC are left alone. A row whose NFC key is taken by
//! another account keeps its old spelling and is named in a warning, for an operator to rename; the
//! migration does not fail on it, so start-up is never blocked by one legacy account.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, SqlErr, Statement, Value as DbValue};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

/// Rows read per round trip.
const BATCH: u64 = 1000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let outcome = normalize_usernames(manager.get_connection(), BATCH).await?;
        if outcome.renamed > 0 || !outcome.clashing.is_empty() {
            tracing::info!(renamed = outcome.renamed, clashing = outcome.clashing.len(), "usernames put in NFC");
        }
        for (id, name) in &outcome.clashing {
            tracing::warn!(user_id = %id, username = %name, "username not put in NFC: another account has that name; rename one of them");
        }
        Ok(())
    }
}

/// What [`normalize_usernames`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NfcOutcome {
    /// Rows given their NFC spelling and key.
    pub renamed: u64,
    /// Rows left as they were because their NFC key belongs to another account: (id, name).
    pub clashing: Vec<(uuid::Uuid, String)>,
}

/// Gives every username not yet in NFC its NFC form and key (see the module docs), reading `batch` rows
/// per round trip.
pub async fn normalize_usernames(conn: &impl ConnectionTrait, batch: u64) -> Result<NfcOutcome, DbErr> {
    let backend = conn.get_database_backend();
    let mut outcome = NfcOutcome::default();
    // Keyset paging: each batch starts after the last id seen, so the scan stays linear on big tables.
    let mut after = uuid::Uuid::nil();
    loop {
        let rows = conn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                "SELECT id, username, username_key FROM users WHERE id > ? ORDER BY id LIMIT ?",
                [DbValue::from(after), DbValue::from(batch)],
            ))
            .await?;
        for row in &rows {
            let id: uuid::Uuid = row.try_get_by_index(0)?;
            after = id;
            let name: String = row.try_get_by_index(1)?;
            let key: String = row.try_get_by_index(2)?;
            // Names that no longer parse are left to their owners; NFC never makes a valid name invalid.
            let Ok(parsed) = domain::user::Username::parse(&name) else { continue };
            if parsed.as_str() == name && parsed.key() == key {
                continue;
            }
            let update = Statement::from_sql_and_values(
                backend,
                "UPDATE users SET username = ?, username_key = ? WHERE id = ?",
                [DbValue::from(parsed.as_str()), DbValue::from(parsed.key()), DbValue::from(id)],
            );
            match conn.execute_raw(update).await {
                Ok(_) => outcome.renamed += 1,
                Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    outcome.clashing.push((id, name))
                }
                Err(e) => return Err(e),
            }
        }
        if (rows.len() as u64) < batch {
            return Ok(outcome);
        }
    }
}
