//! Run records in a map keyed by id, with a slot index enforcing one record per (task, fire time, attempt).

use super::locked;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::page::Page;
use domain::schedule::{
    RunId, RunOutcome, RunQuery, RunRecord, RunStatus, RunStore, RunStoreError, TaskName, TaskStats, Trigger,
};
use std::collections::HashMap;
use std::sync::Mutex;

type Slot = (TaskName, DateTime<Utc>, u32);

/// [`RunStore`] within one process; history is lost on restart.
#[derive(Debug, Default)]
pub struct MemoryRunStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    runs: HashMap<RunId, RunRecord>,
    slots: HashMap<Slot, RunId>,
}

fn slot(r: &RunRecord) -> Slot {
    (r.task.clone(), r.fire_time, r.attempt)
}

fn matches(q: &RunQuery, r: &RunRecord) -> bool {
    q.task.as_ref().is_none_or(|t| *t == r.task)
        && q.status.is_none_or(|s| s == r.status)
        && q.trigger.is_none_or(|t| t == r.trigger)
        && q.instance.as_ref().is_none_or(|i| *i == r.instance)
        && q.from.is_none_or(|f| r.fire_time >= f)
        && q.to.is_none_or(|t| r.fire_time < t)
}

/// Newest fire time first, then attempt, then id, newest first.
fn newest_first(a: &RunRecord, b: &RunRecord) -> std::cmp::Ordering {
    (b.fire_time, b.attempt, b.id).cmp(&(a.fire_time, a.attempt, a.id))
}

#[async_trait]
impl RunStore for MemoryRunStore {
    async fn start(&self, run: &RunRecord) -> Result<(), RunStoreError> {
        let mut state = locked(&self.state);
        if let Some(existing) = state.slots.get(&slot(run)).copied() {
            let taken = state.runs.get(&existing).map_or(0, |r| r.fencing);
            if taken >= run.fencing {
                return Err(RunStoreError::Stale);
            }
            state.runs.remove(&existing);
        }
        state.slots.insert(slot(run), run.id);
        state.runs.insert(run.id, run.clone());
        Ok(())
    }

    async fn finish(&self, id: RunId, fencing: u64, outcome: &RunOutcome) -> Result<(), RunStoreError> {
        let mut state = locked(&self.state);
        match state.runs.get_mut(&id) {
            Some(r) if r.fencing == fencing && r.status == RunStatus::Running => {
                *r = r.clone().finished(outcome);
                Ok(())
            }
            _ => Err(RunStoreError::Stale),
        }
    }

    async fn record_skip(&self, run: &RunRecord) -> Result<bool, InfraError> {
        let mut state = locked(&self.state);
        if state.slots.contains_key(&slot(run)) {
            return Ok(false);
        }
        state.slots.insert(slot(run), run.id);
        state.runs.insert(run.id, run.clone());
        Ok(true)
    }

    async fn get(&self, id: RunId) -> Result<Option<RunRecord>, InfraError> {
        Ok(locked(&self.state).runs.get(&id).cloned())
    }

    async fn list(&self, query: &RunQuery) -> Result<Page<RunRecord>, InfraError> {
        let state = locked(&self.state);
        let mut found: Vec<&RunRecord> = state.runs.values().filter(|r| matches(query, r)).collect();
        found.sort_by(|a, b| newest_first(a, b));
        let total = found.len() as u64;
        let offset = usize::try_from(query.page.offset()).unwrap_or(usize::MAX);
        let items = found.into_iter().skip(offset).take(query.page.size() as usize).cloned().collect();
        Ok(Page::new(items, total, query.page))
    }

    async fn stats(&self, task: &TaskName, since: DateTime<Utc>) -> Result<TaskStats, InfraError> {
        let state = locked(&self.state);
        let mut records: Vec<&RunRecord> =
            state.runs.values().filter(|r| r.task == *task && r.fire_time >= since).collect();
        records.sort_by(|a, b| newest_first(a, b));
        let mut s =
            TaskStats { runs: records.len() as u64, last: records.first().map(|r| (*r).clone()), ..Default::default() };
        let mut durations = Vec::new();
        for r in &records {
            match r.status {
                RunStatus::Running => s.running += 1,
                RunStatus::Succeeded => s.succeeded += 1,
                RunStatus::Failed => s.failed += 1,
                RunStatus::TimedOut => s.timed_out += 1,
                RunStatus::Skipped => s.skipped += 1,
                RunStatus::Cancelled => s.cancelled += 1,
            }
            if r.status.is_final() && r.status != RunStatus::Skipped {
                durations.extend(r.duration_ms);
            }
        }
        (s.avg_duration_ms, s.p95_duration_ms) = TaskStats::durations(&mut durations);
        Ok(s)
    }

    async fn last_fire(&self, task: &TaskName) -> Result<Option<DateTime<Utc>>, InfraError> {
        let state = locked(&self.state);
        Ok(state.runs.values().filter(|r| r.task == *task && r.trigger == Trigger::Schedule).map(|r| r.fire_time).max())
    }

    async fn abandon(
        &self,
        instance: &str,
        before: DateTime<Utc>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, InfraError> {
        let mut state = locked(&self.state);
        let mut n = 0;
        for r in state.runs.values_mut() {
            if r.instance == instance && r.status == RunStatus::Running && r.started_at < before {
                let outcome =
                    RunOutcome { status: RunStatus::Failed, finished_at: now, error: Some(reason.to_owned()) };
                *r = r.clone().finished(&outcome);
                n += 1;
            }
        }
        Ok(n)
    }

    async fn purge_before(&self, cutoff: DateTime<Utc>) -> Result<u64, InfraError> {
        let mut state = locked(&self.state);
        let old: Vec<RunRecord> = state.runs.values().filter(|r| r.fire_time < cutoff).cloned().collect();
        for r in &old {
            state.runs.remove(&r.id);
            state.slots.remove(&slot(r));
        }
        Ok(old.len() as u64)
    }
}
