//! sea-orm mapping of the `daily_stats` table; private to the store.

use sea_orm::entity::prelude::*;

/// One row of `daily_stats`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "daily_stats")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub users_total: i64,
    pub users_new: i64,
    pub users_active: i64,
    pub users_deleted: i64,
    pub computed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
