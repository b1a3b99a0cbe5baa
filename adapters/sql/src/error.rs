//! What can go wrong, and how driver errors are sorted into the domain's vocabulary.
//!
//! Connection and pool trouble becomes `InfraError::Unavailable` (backend `database`), unique violations are
//! recognised by the index they hit, deadlocks and lock waits are flagged for retry; everything else is
//! `Unexpected`. Nothing here ever shows a driver message to users: it travels as the error's source.

use domain::InfraError;
use domain::user::UniqueField;
use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr};
use std::path::PathBuf;

/// Backend name used in every `InfraError` this crate returns.
pub(crate) const BACKEND: &str = "database";

/// Failures of connecting, creating a database and migrating: the start-up path, reported to the operator.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The options cannot describe a usable database (e.g. an unsafe database name).
    #[error("invalid database options: {0}")]
    InvalidOptions(String),
    /// The SQLite file's directory could not be created.
    #[error("cannot create directory {} for the SQLite file", path.display())]
    CreateDirectory {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The server or file could not be opened within the connect timeout.
    #[error("cannot connect to the {driver} database")]
    Connect {
        /// `mysql` or `sqlite`.
        driver: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A start-up statement (creating the database, closing the pool) failed.
    #[error("database statement failed")]
    Statement(#[source] DbErr),
    /// Applying the schema migrations failed.
    #[error("database migration failed")]
    Migrate(#[source] DbErr),
}

impl From<SqlError> for InfraError {
    fn from(err: SqlError) -> Self {
        let unavailable = match &err {
            SqlError::Connect { .. } => true,
            SqlError::Statement(e) | SqlError::Migrate(e) => matches!(classify(e), Failure::Unavailable),
            SqlError::InvalidOptions(_) | SqlError::CreateDirectory { .. } => false,
        };
        if unavailable { InfraError::unavailable(BACKEND, err) } else { InfraError::unexpected(BACKEND, err) }
    }
}

/// A stored row that the domain refuses (e.g. an unknown role): data written behind the adapter's back.
#[derive(Debug, thiserror::Error)]
#[error("corrupt {table} row {id}: {reason}")]
pub(crate) struct CorruptRow {
    pub(crate) table: &'static str,
    pub(crate) id: String,
    pub(crate) reason: String,
}

/// What a database error means to the adapters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The server cannot be reached or refused service.
    Unavailable,
    /// A unique index was hit; `None` when it is not one the domain names (e.g. the primary key).
    Unique(Option<UniqueField>),
    /// A deadlock, lock-wait timeout or busy database: the same statement may well succeed if retried.
    Retryable,
    /// Anything else.
    Other,
}

fn sqlx_error(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

/// MySQL server errors that mean "not available right now" rather than "your statement is wrong".
const MYSQL_UNAVAILABLE: &[u16] = &[
    1040, // too many connections
    1045, // access denied (credentials rotated under us)
    1053, // server shutdown in progress
    1077, // normal shutdown
    1079, // shutdown complete
    1152, // aborted connection
    1158, 1159, 1160, 1161, // network read/write errors
    1927, // connection was killed
    2002, 2003, 2006, 2013, // cannot connect / server gone away / lost connection
];
/// MySQL: deadlock found, lock wait timeout exceeded.
const MYSQL_RETRYABLE: &[u16] = &[1213, 1205];
/// SQLite primary result codes: BUSY, LOCKED.
const SQLITE_RETRYABLE: &[i64] = &[5, 6];
/// SQLite primary result codes: IOERR, CANTOPEN, NOTADB.
const SQLITE_UNAVAILABLE: &[i64] = &[10, 14, 26];

/// Sorts a database error; see the module doc for the policy.
pub(crate) fn classify(err: &DbErr) -> Failure {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return Failure::Unavailable,
        _ => {}
    }
    let Some(sqlx_err) = sqlx_error(err) else { return Failure::Other };
    match sqlx_err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => Failure::Unavailable,
        sqlx::Error::Database(db) => {
            if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                let number = my.number();
                if MYSQL_RETRYABLE.contains(&number) {
                    return Failure::Retryable;
                }
                if MYSQL_UNAVAILABLE.contains(&number) {
                    return Failure::Unavailable;
                }
            } else if let Some(code) = db.code().and_then(|c| c.parse::<i64>().ok()) {
                // SQLite reports extended result codes; the primary code is the low byte.
                let primary = code & 0xff;
                if SQLITE_RETRYABLE.contains(&primary) {
                    return Failure::Retryable;
                }
                if SQLITE_UNAVAILABLE.contains(&primary) {
                    return Failure::Unavailable;
                }
            }
            if matches!(db.kind(), sqlx::error::ErrorKind::UniqueViolation) {
                return Failure::Unique(unique_field(db.message()));
            }
            Failure::Other
        }
        _ => Failure::Other,
    }
}

/// Which of the users' unique indexes a violation message names.
///
/// MariaDB: `Duplicate entry 'x' for key 'uq_users_email'` (MySQL 8 prefixes the table); SQLite:
/// `UNIQUE constraint failed: users.email`. Only the part after the last `for key` / `failed:` is looked
/// at, so a duplicated value that happens to contain `email` cannot mislead us.
pub(crate) fn unique_field(message: &str) -> Option<UniqueField> {
    let key = message
        .rsplit_once(" for key ")
        .or_else(|| message.rsplit_once("constraint failed: "))
        .map_or(message, |(_, key)| key);
    if key.contains("username_key") {
        Some(UniqueField::Username)
    } else if key.contains("email") {
        Some(UniqueField::Email)
    } else {
        None
    }
}

/// Wraps a database error for ports that only speak `InfraError`.
pub(crate) fn infra(err: DbErr) -> InfraError {
    match classify(&err) {
        Failure::Unavailable => InfraError::unavailable(BACKEND, err),
        _ => InfraError::unexpected(BACKEND, err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_field_reads_the_index_not_the_value() {
        assert_eq!(unique_field("Duplicate entry 'bob' for key 'uq_users_username_key'"), Some(UniqueField::Username));
        assert_eq!(
            unique_field("Duplicate entry 'username_key@x.com' for key 'users.uq_users_email'"),
            Some(UniqueField::Email)
        );
        assert_eq!(unique_field("UNIQUE constraint failed: users.username_key"), Some(UniqueField::Username));
        assert_eq!(unique_field("UNIQUE constraint failed: users.email"), Some(UniqueField::Email));
        assert_eq!(unique_field("Duplicate entry 'email' for key 'PRIMARY'"), None);
        assert_eq!(unique_field("UNIQUE constraint failed: users.id"), None);
    }

    #[test]
    fn pool_trouble_is_unavailable_and_the_rest_unexpected() {
        let closed = DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed);
        assert!(matches!(infra(closed), InfraError::Unavailable { backend: "database", .. }));
        let io = DbErr::Query(RuntimeErr::SqlxError(
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)).into(),
        ));
        assert!(matches!(infra(io), InfraError::Unavailable { .. }));
        let decode = DbErr::Type("bad column".into());
        assert!(matches!(infra(decode), InfraError::Unexpected { backend: "database", .. }));
    }
}
