//! `RunStore` over SQL. The slot rule (one row per task, fire time and attempt; a larger fencing token takes
//! a slot over) is a conditional `UPDATE … WHERE fencing < ?` plus an `INSERT` guarded by the unique index:
//! both engines apply each statement atomically, so concurrent starts end with the largest token in place.

use super::entity::{self, Column, Entity};
use crate::error::{BACKEND, CorruptRow, Failure, classify, infra};
use crate::retry::retrying;
use crate::time::{bound_micros, to_micros};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::page::Page;
use domain::schedule::{
    RunId, RunOutcome, RunQuery, RunRecord, RunStatus, RunStore, RunStoreError, TaskName, TaskStats, Trigger,
};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

/// Durations fetched at most for one task's mean and p95.
const DURATION_SAMPLE: u64 = 10_000;

/// Run records kept in the `cron_runs` table.
#[derive(Clone, Debug)]
pub struct SqlRunStore {
    db: DatabaseConnection,
}

impl SqlRunStore {
    /// Uses `db`, which must have been migrated.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_active(r: &RunRecord) -> entity::ActiveModel {
    entity::ActiveModel {
        id: Set(r.id.0),
        task: Set(r.task.as_str().to_owned()),
        fire_time: Set(to_micros(r.fire_time)),
        trigger_kind: Set(r.trigger.as_str().to_owned()),
        attempt: Set(i32::try_from(r.attempt).unwrap_or(i32::MAX)),
        instance: Set(r.instance.clone()),
        fencing: Set(i64::try_from(r.fencing).unwrap_or(i64::MAX)),
        status: Set(r.status.as_str().to_owned()),
        started_at: Set(to_micros(r.started_at)),
        finished_at: Set(r.finished_at.map(to_micros)),
        duration_ms: Set(r.duration_ms.map(|d| i64::try_from(d).unwrap_or(i64::MAX))),
        error: Set(r.error.clone()),
    }
}

fn from_row(m: entity::Model) -> Result<RunRecord, InfraError> {
    let corrupt = |reason: String| {
        InfraError::unexpected(BACKEND, CorruptRow { table: "cron_runs", id: m.id.to_string(), reason })
    };
    Ok(RunRecord {
        id: RunId(m.id),
        task: TaskName::parse(&m.task).map_err(|e| corrupt(e.to_string()))?,
        fire_time: m.fire_time,
        trigger: m.trigger_kind.parse::<Trigger>().map_err(|e| corrupt(e.to_string()))?,
        attempt: u32::try_from(m.attempt).map_err(|e| corrupt(e.to_string()))?,
        instance: m.instance.clone(),
        fencing: u64::try_from(m.fencing).map_err(|e| corrupt(e.to_string()))?,
        status: m.status.parse::<RunStatus>().map_err(|e| corrupt(e.to_string()))?,
        started_at: m.started_at,
        finished_at: m.finished_at,
        duration_ms: m.duration_ms.map(|d| u64::try_from(d).unwrap_or(0)),
        error: m.error.clone(),
    })
}

fn slot_of(r: &RunRecord) -> Condition {
    Condition::all()
        .add(Column::Task.eq(r.task.as_str()))
        .add(Column::FireTime.eq(to_micros(r.fire_time)))
        .add(Column::Attempt.eq(i32::try_from(r.attempt).unwrap_or(i32::MAX)))
}

fn filtered(q: &RunQuery) -> Select<Entity> {
    let mut select = Entity::find();
    if let Some(task) = &q.task {
        select = select.filter(Column::Task.eq(task.as_str()));
    }
    if let Some(status) = q.status {
        select = select.filter(Column::Status.eq(status.as_str()));
    }
    if let Some(trigger) = q.trigger {
        select = select.filter(Column::TriggerKind.eq(trigger.as_str()));
    }
    if let Some(instance) = &q.instance {
        select = select.filter(Column::Instance.eq(instance.as_str()));
    }
    if let Some(from) = q.from {
        select = select.filter(Column::FireTime.gte(bound_micros(from)));
    }
    if let Some(to) = q.to {
        select = select.filter(Column::FireTime.lt(bound_micros(to)));
    }
    select
}

fn newest_first(select: Select<Entity>) -> Select<Entity> {
    select
        .order_by(Column::FireTime, Order::Desc)
        .order_by(Column::Attempt, Order::Desc)
        .order_by(Column::Id, Order::Desc)
}

fn is_unique_violation(err: &DbErr) -> bool {
    matches!(classify(err), Failure::Unique(_))
}

impl SqlRunStore {
    /// Replaces the slot's record if it carries a smaller fencing token; true when a row was replaced.
    async fn take_over(&self, run: &RunRecord) -> Result<bool, DbErr> {
        let mut row = to_active(run);
        row.task = NotSet;
        row.fire_time = NotSet;
        row.attempt = NotSet;
        let fencing = i64::try_from(run.fencing).unwrap_or(i64::MAX);
        let done = retrying(|| {
            Entity::update_many()
                .set(row.clone())
                .filter(slot_of(run))
                .filter(Column::Fencing.lt(fencing))
                .exec(&self.db)
        })
        .await?;
        Ok(done.rows_affected > 0)
    }

    async fn insert(&self, run: &RunRecord) -> Result<(), DbErr> {
        let row = to_active(run);
        retrying(|| Entity::insert(row.clone()).exec_without_returning(&self.db)).await.map(|_| ())
    }
}

#[async_trait]
impl RunStore for SqlRunStore {
    async fn start(&self, run: &RunRecord) -> Result<(), RunStoreError> {
        if self.take_over(run).await.map_err(infra)? {
            return Ok(());
        }
        match self.insert(run).await {
            Ok(()) => Ok(()),
            // Someone filled the slot between our update and insert: take it over if our token is larger.
            Err(e) if is_unique_violation(&e) => {
                if self.take_over(run).await.map_err(infra)? {
                    Ok(())
                } else {
                    Err(RunStoreError::Stale)
                }
            }
            Err(e) => Err(infra(e).into()),
        }
    }

    async fn finish(&self, id: RunId, fencing: u64, outcome: &RunOutcome) -> Result<(), RunStoreError> {
        let Some(current) = Entity::find_by_id(id.0).one(&self.db).await.map_err(infra)? else {
            return Err(RunStoreError::Stale);
        };
        let started = current.started_at;
        let finished = to_micros(outcome.finished_at);
        let duration = from_row(current)?.finished(outcome).duration_ms;
        let fencing = i64::try_from(fencing).unwrap_or(i64::MAX);
        let done = retrying(|| {
            Entity::update_many()
                .col_expr(Column::Status, Expr::value(outcome.status.as_str()))
                .col_expr(Column::FinishedAt, Expr::value(finished))
                .col_expr(Column::DurationMs, Expr::value(duration.map(|d| i64::try_from(d).unwrap_or(i64::MAX))))
                .col_expr(Column::Error, Expr::value(outcome.error.clone()))
                .filter(Column::Id.eq(id.0))
                .filter(Column::Fencing.eq(fencing))
                .filter(Column::Status.eq(RunStatus::Running.as_str()))
                .filter(Column::StartedAt.eq(started))
                .exec(&self.db)
        })
        .await
        .map_err(infra)?;
        if done.rows_affected == 0 { Err(RunStoreError::Stale) } else { Ok(()) }
    }

    async fn record_skip(&self, run: &RunRecord) -> Result<bool, InfraError> {
        match self.insert(run).await {
            Ok(()) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(infra(e)),
        }
    }

    async fn get(&self, id: RunId) -> Result<Option<RunRecord>, InfraError> {
        Entity::find_by_id(id.0).one(&self.db).await.map_err(infra)?.map(from_row).transpose()
    }

    async fn list(&self, query: &RunQuery) -> Result<Page<RunRecord>, InfraError> {
        let total = filtered(query).count(&self.db).await.map_err(infra)?;
        let rows = newest_first(filtered(query))
            .offset(query.page.offset())
            .limit(u64::from(query.page.size()))
            .all(&self.db)
            .await
            .map_err(infra)?;
        let items = rows.into_iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::new(items, total, query.page))
    }

    async fn stats(&self, task: &TaskName, since: DateTime<Utc>) -> Result<TaskStats, InfraError> {
        let scope =
            || Entity::find().filter(Column::Task.eq(task.as_str())).filter(Column::FireTime.gte(bound_micros(since)));
        let counts: Vec<(String, i64)> = scope()
            .select_only()
            .column(Column::Status)
            .column_as(Column::Id.count(), "n")
            .group_by(Column::Status)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(infra)?;
        let mut s = TaskStats::default();
        for (status, n) in counts {
            let n = u64::try_from(n).unwrap_or(0);
            s.runs += n;
            match status.parse::<RunStatus>() {
                Ok(RunStatus::Running) => s.running += n,
                Ok(RunStatus::Succeeded) => s.succeeded += n,
                Ok(RunStatus::Failed) => s.failed += n,
                Ok(RunStatus::TimedOut) => s.timed_out += n,
                Ok(RunStatus::Skipped) => s.skipped += n,
                Ok(RunStatus::Cancelled) => s.cancelled += n,
                Err(_) => {}
            }
        }
        let finished = [RunStatus::Succeeded, RunStatus::Failed, RunStatus::TimedOut, RunStatus::Cancelled];
        let mut durations: Vec<u64> = scope()
            .filter(Column::Status.is_in(finished.iter().map(|s| s.as_str())))
            .filter(Column::DurationMs.is_not_null())
            .select_only()
            .column(Column::DurationMs)
            .order_by(Column::FireTime, Order::Desc)
            .limit(DURATION_SAMPLE)
            .into_tuple::<i64>()
            .all(&self.db)
            .await
            .map_err(infra)?
            .into_iter()
            .map(|d| u64::try_from(d).unwrap_or(0))
            .collect();
        (s.avg_duration_ms, s.p95_duration_ms) = TaskStats::durations(&mut durations);
        s.last = newest_first(scope()).one(&self.db).await.map_err(infra)?.map(from_row).transpose()?;
        Ok(s)
    }

    async fn last_fire(&self, task: &TaskName) -> Result<Option<DateTime<Utc>>, InfraError> {
        Entity::find()
            .filter(Column::Task.eq(task.as_str()))
            .filter(Column::TriggerKind.eq(Trigger::Schedule.as_str()))
            .select_only()
            .column(Column::FireTime)
            .order_by(Column::FireTime, Order::Desc)
            .into_tuple::<DateTime<Utc>>()
            .one(&self.db)
            .await
            .map_err(infra)
    }

    async fn abandon(
        &self,
        instance: &str,
        before: DateTime<Utc>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, InfraError> {
        let running = Entity::find()
            .filter(Column::Instance.eq(instance))
            .filter(Column::Status.eq(RunStatus::Running.as_str()))
            .filter(Column::StartedAt.lt(bound_micros(before)))
            .all(&self.db)
            .await
            .map_err(infra)?;
        let mut n = 0;
        for row in running {
            let record = from_row(row)?;
            let outcome = RunOutcome { status: RunStatus::Failed, finished_at: now, error: Some(reason.to_owned()) };
            match self.finish(record.id, record.fencing, &outcome).await {
                Ok(()) => n += 1,
                Err(RunStoreError::Stale) => {}
                Err(RunStoreError::Infra(e)) => return Err(e),
            }
        }
        Ok(n)
    }

    async fn purge_before(&self, cutoff: DateTime<Utc>) -> Result<u64, InfraError> {
        let done = retrying(|| Entity::delete_many().filter(Column::FireTime.lt(bound_micros(cutoff))).exec(&self.db))
            .await
            .map_err(infra)?;
        Ok(done.rows_affected)
    }
}
