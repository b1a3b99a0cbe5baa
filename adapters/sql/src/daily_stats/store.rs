//! `DailyStatsStore` over SQL: an upsert per day, a range read in day order.

use super::entity::{self, Column, Entity};
use crate::error::infra;
use crate::retry::retrying;
use crate::time::to_micros;
use async_trait::async_trait;
use chrono::NaiveDate;
use domain::InfraError;
use domain::stats::{DailyStats, DailyStatsStore};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, Order, QueryFilter, QueryOrder};

/// Daily statistics kept in the `daily_stats` table.
#[derive(Clone, Debug)]
pub struct SqlDailyStats {
    db: DatabaseConnection,
}

impl SqlDailyStats {
    /// Uses `db`, which must have been migrated.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn back(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[async_trait]
impl DailyStatsStore for SqlDailyStats {
    async fn put(&self, s: &DailyStats) -> Result<(), InfraError> {
        let row = entity::ActiveModel {
            day: Set(s.day),
            users_total: Set(count(s.users_total)),
            users_new: Set(count(s.users_new)),
            users_active: Set(count(s.users_active)),
            users_deleted: Set(count(s.users_deleted)),
            computed_at: Set(to_micros(s.computed_at)),
        };
        let upsert = OnConflict::column(Column::Day)
            .update_columns([
                Column::UsersTotal,
                Column::UsersNew,
                Column::UsersActive,
                Column::UsersDeleted,
                Column::ComputedAt,
            ])
            .to_owned();
        retrying(|| Entity::insert(row.clone()).on_conflict(upsert.clone()).exec_without_returning(&self.db))
            .await
            .map_err(infra)?;
        Ok(())
    }

    async fn range(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyStats>, InfraError> {
        let rows = Entity::find()
            .filter(Column::Day.gte(from))
            .filter(Column::Day.lte(to))
            .order_by(Column::Day, Order::Asc)
            .all(&self.db)
            .await
            .map_err(infra)?;
        Ok(rows
            .into_iter()
            .map(|r| DailyStats {
                day: r.day,
                users_total: back(r.users_total),
                users_new: back(r.users_new),
                users_active: back(r.users_active),
                users_deleted: back(r.users_deleted),
                computed_at: r.computed_at,
            })
            .collect())
    }
}
