//! Write transactions for adapters that check, then write: begun `IMMEDIATE` on SQLite (writers are
//! serialized before anything is read, so a check cannot go stale) and settled in one place. Used with
//! [`crate::retry::retrying`], which repeats a whole attempt after a deadlock or busy database.

use crate::retry::MaybeRetryable;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::fmt;

/// Outcome of one attempt at a transactional write: a database error (maybe worth retrying) or a refusal
/// the domain names (`E`).
#[derive(Debug)]
pub(crate) enum Attempt<E> {
    /// The database failed.
    Db(DbErr),
    /// The checks refused the write; nothing was written.
    Refused(E),
}

impl<E> From<DbErr> for Attempt<E> {
    fn from(err: DbErr) -> Self {
        Self::Db(err)
    }
}

impl<E> MaybeRetryable for Attempt<E> {
    fn is_retryable(&self) -> bool {
        matches!(self, Self::Db(e) if e.is_retryable())
    }
}

impl<E: fmt::Display> fmt::Display for Attempt<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Db(e) => e.fmt(f),
            Self::Refused(e) => e.fmt(f),
        }
    }
}

/// Begins a write transaction (`BEGIN IMMEDIATE` on SQLite).
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    db.begin_with_options(options).await
}

/// Commits when `outcome` is a success, rolls back otherwise, and passes the outcome on.
pub(crate) async fn settle<T, E>(txn: DatabaseTransaction, outcome: Result<T, Attempt<E>>) -> Result<T, Attempt<E>> {
    match outcome {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(e) => {
            // The error in hand matters more than a failed rollback; dropping the transaction rolls back too.
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}
