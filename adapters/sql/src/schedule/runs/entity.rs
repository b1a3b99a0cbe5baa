//! sea-orm mapping of the `cron_runs` table; private to the store.

use sea_orm::entity::prelude::*;

/// One row of `cron_runs`. `trigger_kind` and `status` hold the domain's wire names (`trigger` is a
/// reserved word in MySQL).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cron_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub task: String,
    pub fire_time: DateTimeUtc,
    pub trigger_kind: String,
    pub attempt: i32,
    pub instance: String,
    pub fencing: i64,
    pub status: String,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub duration_ms: Option<i64>,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
