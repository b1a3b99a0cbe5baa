//! `AuditLog` over SQL: plain inserts, and a filtered newest-first list served by the `(…, at)` indexes.

use super::entity::{self, Column, Entity};
use crate::error::infra;
use crate::retry::retrying;
use crate::time::{bound_micros, to_micros};
use async_trait::async_trait;
use domain::InfraError;
use domain::audit::{AuditEntry, AuditLog, AuditQuery};
use domain::ids::{AuditId, UserId};
use domain::page::Page;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

/// Audit entries kept in the `audit_log` table.
#[derive(Clone, Debug)]
pub struct SqlAuditLog {
    db: DatabaseConnection,
}

impl SqlAuditLog {
    /// Uses `db`, which must have been migrated.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_active(e: &AuditEntry) -> entity::ActiveModel {
    entity::ActiveModel {
        id: Set(e.id.as_uuid()),
        actor_id: Set(e.actor_id.map(|a| a.as_uuid())),
        actor_name: Set(e.actor_name.clone()),
        action: Set(e.action.clone()),
        target: Set(e.target.clone()),
        before: Set(e.before.clone()),
        after: Set(e.after.clone()),
        request_id: Set(e.request_id.clone()),
        ip: Set(e.ip.clone()),
        at: Set(to_micros(e.at)),
    }
}

fn from_row(r: entity::Model) -> AuditEntry {
    AuditEntry {
        id: AuditId(r.id),
        actor_id: r.actor_id.map(UserId),
        actor_name: r.actor_name,
        action: r.action,
        target: r.target,
        before: r.before,
        after: r.after,
        request_id: r.request_id,
        ip: r.ip,
        at: r.at,
    }
}

fn filtered(q: &AuditQuery) -> Select<Entity> {
    let mut select = Entity::find();
    if let Some(actor) = q.actor_id {
        select = select.filter(Column::ActorId.eq(actor.as_uuid()));
    }
    if let Some(action) = &q.action {
        select = select.filter(Column::Action.eq(action.as_str()));
    }
    if let Some(target) = &q.target {
        select = select.filter(Column::Target.eq(target.as_str()));
    }
    if let Some(from) = q.from {
        select = select.filter(Column::At.gte(bound_micros(from)));
    }
    if let Some(to) = q.to {
        select = select.filter(Column::At.lt(bound_micros(to)));
    }
    select
}

#[async_trait]
impl AuditLog for SqlAuditLog {
    async fn append(&self, entry: &AuditEntry) -> Result<(), InfraError> {
        let row = to_active(entry);
        retrying(|| Entity::insert(row.clone()).exec_without_returning(&self.db)).await.map_err(infra)?;
        Ok(())
    }

    async fn list(&self, query: &AuditQuery) -> Result<Page<AuditEntry>, InfraError> {
        let total = filtered(query).count(&self.db).await.map_err(infra)?;
        let rows = filtered(query)
            .order_by(Column::At, Order::Desc)
            .order_by(Column::Id, Order::Desc)
            .offset(query.page.offset())
            .limit(u64::from(query.page.size()))
            .all(&self.db)
            .await
            .map_err(infra)?;
        Ok(Page::new(rows.into_iter().map(from_row).collect(), total, query.page))
    }
}
