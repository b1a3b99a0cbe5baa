//! `UserRepository` over SQL.
//!
//! Uniqueness is left to the unique indexes (`uq_users_username_key`, `uq_users_email`), which also cover
//! soft-deleted rows. `update` runs as one transaction that first locks the target row and, when that row
//! is an active super admin about to lose the status, every other active super admin
//! (`SELECT … FOR UPDATE` on MySQL; SQLite starts the transaction `IMMEDIATE`, so writers are serialized
//! before anything is read). Concurrent demotions therefore see each other's result, and a deadlock
//! between them is retried rather than reported.

use super::entity::{Column, Entity, Model};
use super::query::{filtered, sorted};
use super::row::{ACTIVE, SUPER_ADMIN, is_active_super_admin, to_active, to_user};
use crate::error::{BACKEND, Failure, classify};
use crate::retry::{MaybeRetryable, retrying};
use crate::time::bound_micros;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::ids::UserId;
use domain::page::Page;
use domain::user::{Role, User, UserQuery, UserRepository, UserStats, UserStatus, UserStoreError};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::fmt;

/// Users kept in the `users` table.
#[derive(Clone, Debug)]
pub struct SqlUserRepository {
    db: DatabaseConnection,
}

impl SqlUserRepository {
    /// Uses `db`, which must have been migrated.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Maps a database error, naming the unique field a write collided on.
fn store_err(err: DbErr) -> UserStoreError {
    match classify(&err) {
        Failure::Unique(Some(field)) => UserStoreError::Duplicate(field),
        Failure::Unavailable => InfraError::unavailable(BACKEND, err).into(),
        Failure::Unique(None) | Failure::Retryable | Failure::Other => InfraError::unexpected(BACKEND, err).into(),
    }
}

fn user_or_err(row: Model) -> Result<User, UserStoreError> {
    to_user(row).map_err(|e| InfraError::unexpected(BACKEND, e).into())
}

/// Outcome of one attempt at a transactional update: a database error (maybe worth retrying) or a refusal.
enum Attempt {
    Db(DbErr),
    Refused(UserStoreError),
}

impl From<DbErr> for Attempt {
    fn from(err: DbErr) -> Self {
        Self::Db(err)
    }
}

impl MaybeRetryable for Attempt {
    fn is_retryable(&self) -> bool {
        matches!(self, Self::Db(e) if e.is_retryable())
    }
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Db(e) => e.fmt(f),
            Self::Refused(e) => e.fmt(f),
        }
    }
}

impl SqlUserRepository {
    /// One attempt: begin, check and write under lock, commit; rolled back on any failure.
    async fn update_once(&self, user: &User) -> Result<(), Attempt> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let txn = self.db.begin_with_options(options).await?;
        match update_locked(&txn, user).await {
            Ok(()) => Ok(txn.commit().await?),
            Err(e) => {
                // The error in hand matters more than a failed rollback; dropping the transaction also rolls back.
                let _ = txn.rollback().await;
                Err(e)
            }
        }
    }
}

async fn update_locked(txn: &DatabaseTransaction, user: &User) -> Result<(), Attempt> {
    let id = user.id.as_uuid();
    let current =
        Entity::find_by_id(id).lock_exclusive().one(txn).await?.ok_or(Attempt::Refused(UserStoreError::NotFound))?;
    if is_active_super_admin(&current) && !user.is_active_super_admin() {
        let others: Vec<uuid::Uuid> = Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::Role.eq(SUPER_ADMIN))
            .filter(Column::Status.eq(ACTIVE))
            .filter(Column::DeletedAt.is_null())
            .filter(Column::Id.ne(id))
            .lock_exclusive()
            .into_tuple()
            .all(txn)
            .await?;
        if others.is_empty() {
            return Err(Attempt::Refused(UserStoreError::LastSuperAdmin));
        }
    }
    Entity::update_many().set(to_active(user)).filter(Column::Id.eq(id)).exec(txn).await?;
    Ok(())
}

#[async_trait]
impl UserRepository for SqlUserRepository {
    async fn create(&self, user: &User) -> Result<(), UserStoreError> {
        let row = to_active(user);
        retrying(|| Entity::insert(row.clone()).exec_without_returning(&self.db)).await.map_err(store_err)?;
        Ok(())
    }

    async fn by_id(&self, id: UserId) -> Result<Option<User>, UserStoreError> {
        let row = Entity::find_by_id(id.as_uuid())
            .filter(Column::DeletedAt.is_null())
            .one(&self.db)
            .await
            .map_err(store_err)?;
        row.map(user_or_err).transpose()
    }

    async fn by_id_any(&self, id: UserId) -> Result<Option<User>, UserStoreError> {
        let row = Entity::find_by_id(id.as_uuid()).one(&self.db).await.map_err(store_err)?;
        row.map(user_or_err).transpose()
    }

    async fn by_login(&self, login: &str) -> Result<Option<User>, UserStoreError> {
        let row = Entity::find()
            .filter(Column::DeletedAt.is_null())
            .filter(
                Condition::any().add(Column::UsernameKey.eq(login.to_ascii_lowercase())).add(Column::Email.eq(login)),
            )
            .one(&self.db)
            .await
            .map_err(store_err)?;
        row.map(user_or_err).transpose()
    }

    async fn update(&self, user: &User) -> Result<(), UserStoreError> {
        retrying(|| self.update_once(user)).await.map_err(|e| match e {
            Attempt::Db(e) => store_err(e),
            Attempt::Refused(e) => e,
        })
    }

    async fn list(&self, query: &UserQuery) -> Result<Page<User>, UserStoreError> {
        let total = filtered(query).count(&self.db).await.map_err(store_err)?;
        let rows = sorted(filtered(query), query.sort, query.dir)
            .offset(query.page.offset())
            .limit(u64::from(query.page.size()))
            .all(&self.db)
            .await
            .map_err(store_err)?;
        let items = rows.into_iter().map(user_or_err).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::new(items, total, query.page))
    }

    async fn stats(&self, since: DateTime<Utc>, active_since: DateTime<Utc>) -> Result<UserStats, UserStoreError> {
        let live = || Entity::find().filter(Column::DeletedAt.is_null());
        let new_since =
            live().filter(Column::CreatedAt.gte(bound_micros(since))).count(&self.db).await.map_err(store_err)?;
        let active = live()
            .filter(Column::LastLoginAt.gte(bound_micros(active_since)))
            .count(&self.db)
            .await
            .map_err(store_err)?;
        let deleted =
            Entity::find().filter(Column::DeletedAt.is_not_null()).count(&self.db).await.map_err(store_err)?;
        let groups: Vec<(String, String, i64)> = live()
            .select_only()
            .column(Column::Role)
            .column(Column::Status)
            .column_as(Expr::col(Column::Id).count(), "n")
            .group_by(Column::Role)
            .group_by(Column::Status)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(store_err)?;

        let mut stats = UserStats {
            new_since,
            active_since: active,
            deleted,
            by_role: Role::ALL.iter().map(|r| (*r, 0)).collect(),
            by_status: UserStatus::ALL.iter().map(|s| (*s, 0)).collect(),
            ..UserStats::default()
        };
        for (role, status, n) in groups {
            let n = u64::try_from(n).unwrap_or(0);
            stats.total += n;
            if let Some(slot) = stats.by_role.iter_mut().find(|(r, _)| r.as_str() == role) {
                slot.1 += n;
            }
            if let Some(slot) = stats.by_status.iter_mut().find(|(s, _)| s.as_str() == status) {
                slot.1 += n;
            }
        }
        Ok(stats)
    }

    async fn purge_deleted_before(&self, cutoff: DateTime<Utc>) -> Result<u64, UserStoreError> {
        let done = retrying(|| {
            Entity::delete_many()
                .filter(Column::DeletedAt.is_not_null())
                .filter(Column::DeletedAt.lt(bound_micros(cutoff)))
                .exec(&self.db)
        })
        .await
        .map_err(store_err)?;
        Ok(done.rows_affected)
    }
}
