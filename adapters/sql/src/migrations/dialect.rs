//! The few places where MySQL/MariaDB and SQLite need different DDL: time columns, table options, and a
//! binary collation so that equality and ordering on MySQL match SQLite's and Rust's (code-point order,
//! case- and trailing-space-sensitive).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

/// DDL flavour for the connected engine.
pub(super) struct Dialect {
    backend: DbBackend,
    /// MySQL collation for every text column; unused on SQLite (whose default is already binary).
    collation: &'static str,
}

impl Dialect {
    /// Looks at the server: MariaDB has `utf8mb4_nopad_bin`, MySQL 8 `utf8mb4_0900_bin`, both NO PAD.
    pub(super) async fn of(manager: &SchemaManager<'_>) -> Result<Self, DbErr> {
        let backend = manager.get_database_backend();
        let mut collation = "utf8mb4_bin";
        if backend == DbBackend::MySql {
            let rows = manager
                .get_connection()
                .query_all_raw(Statement::from_string(
                    backend,
                    "SELECT COLLATION_NAME FROM information_schema.COLLATIONS \
                     WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')",
                ))
                .await?;
            let names: Vec<String> = rows.iter().map(|r| r.try_get_by_index::<String>(0)).collect::<Result<_, _>>()?;
            for preferred in ["utf8mb4_nopad_bin", "utf8mb4_0900_bin"] {
                if names.iter().any(|n| n == preferred) {
                    collation = preferred;
                    break;
                }
            }
        }
        Ok(Self { backend, collation })
    }

    /// `CREATE TABLE IF NOT EXISTS` with InnoDB, utf8mb4 and the binary collation on MySQL.
    pub(super) fn create_table(&self, table: impl IntoIden) -> TableCreateStatement {
        let mut stmt = Table::create();
        stmt.table(table).if_not_exists();
        if self.backend == DbBackend::MySql {
            stmt.engine("InnoDB").character_set("utf8mb4").collate(self.collation);
        }
        stmt
    }

    /// A UTC instant with microseconds: `DATETIME(6)` on MySQL, RFC 3339 text on SQLite.
    pub(super) fn timestamp(&self, name: impl IntoIden) -> ColumnDef {
        let mut col = ColumnDef::new(name);
        match self.backend {
            DbBackend::MySql => col.custom("DATETIME(6)"),
            _ => col.date_time(),
        };
        col
    }
}

/// Creates an index unless one of that name already exists on the table (MySQL 8 has no
/// `CREATE INDEX IF NOT EXISTS`).
pub(super) async fn create_index(
    manager: &SchemaManager<'_>,
    table: &str,
    name: &str,
    mut stmt: IndexCreateStatement,
) -> Result<(), DbErr> {
    if manager.has_index(table, name).await? {
        return Ok(());
    }
    manager.create_index(stmt.name(name).table(Alias::new(table)).to_owned()).await
}
