//! What one run of a task leaves behind, and the questions operators ask about runs.

use super::name::TaskName;
use crate::error::{ValidationError, Violation};
use crate::page::PageRequest;
use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// Identifies one run record (UUID v7, so ids sort by start time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunId(pub Uuid);

impl RunId {
    /// A fresh, time-ordered id.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for RunId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $( $(#[$vdoc:meta])* $variant:ident = $wire:literal ),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vdoc])* $variant, )* }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];

            /// Wire and storage name.
            pub fn as_str(&self) -> &'static str {
                match self { $( Self::$variant => $wire, )* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let allowed = Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ");
                    ValidationError::new(stringify!($name).to_ascii_lowercase(), Violation::NotOneOf { allowed })
                })
            }
        }
    };
}

wire_enum!(
    /// Where a run stands. `Running` is the only state that changes; the others are final.
    RunStatus {
        /// Started and not finished (or its instance died; see [`super::RunStore::abandon`]).
        Running = "running",
        /// `run` returned `Ok`.
        Succeeded = "succeeded",
        /// `run` returned an error or panicked (the message is kept), or its instance died.
        Failed = "failed",
        /// `run` took longer than the task's timeout and was cancelled.
        TimedOut = "timed_out",
        /// Not run: the tick was skipped (Redis down, previous run still going, missed); the reason is kept.
        Skipped = "skipped",
        /// Stopped by a graceful shutdown that could not wait any longer.
        Cancelled = "cancelled",
    }
);

wire_enum!(
    /// Why a run happened.
    Trigger {
        /// A tick of the task's schedule (on time, or caught up after downtime).
        Schedule = "schedule",
        /// An operator pressed "run now".
        Manual = "manual",
        /// A retry of a failed attempt of the same tick.
        Retry = "retry",
    }
);

impl RunStatus {
    /// True for the states a run ends in.
    pub fn is_final(&self) -> bool {
        !matches!(self, Self::Running)
    }
}

/// One run (or skipped tick) of a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRecord {
    /// Record id.
    pub id: RunId,
    /// Which task.
    pub task: TaskName,
    /// The tick this run belongs to (for manual runs: when it was requested), whole seconds.
    pub fire_time: DateTime<Utc>,
    /// Why it ran.
    pub trigger: Trigger,
    /// 1 for the first attempt of a tick, 2 for the first retry...
    pub attempt: u32,
    /// The scheduler instance that ran (or skipped) it.
    pub instance: String,
    /// The lock's fencing token when it started; 0 for skipped ticks (no lock held).
    pub fencing: u64,
    /// Where it stands.
    pub status: RunStatus,
    /// When it started (or was skipped).
    pub started_at: DateTime<Utc>,
    /// When it ended; `None` while running.
    pub finished_at: Option<DateTime<Utc>>,
    /// `finished_at - started_at` in milliseconds.
    pub duration_ms: Option<u64>,
    /// The failure, timeout or skip reason.
    pub error: Option<String>,
}

impl RunRecord {
    /// A run starting now, holding a lock with token `fencing`.
    pub fn started(
        task: TaskName,
        fire_time: DateTime<Utc>,
        trigger: Trigger,
        attempt: u32,
        instance: &str,
        fencing: u64,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: RunId::new(),
            task,
            fire_time,
            trigger,
            attempt,
            instance: instance.to_owned(),
            fencing,
            status: RunStatus::Running,
            started_at: now,
            finished_at: None,
            duration_ms: None,
            error: None,
        }
    }

    /// A tick that was not run, and why.
    pub fn skipped(task: TaskName, fire_time: DateTime<Utc>, instance: &str, reason: &str, now: DateTime<Utc>) -> Self {
        Self {
            status: RunStatus::Skipped,
            finished_at: Some(now),
            duration_ms: Some(0),
            error: Some(reason.to_owned()),
            ..Self::started(task, fire_time, Trigger::Schedule, 1, instance, 0, now)
        }
    }

    /// This record with `outcome` applied, as stores return it after `finish`.
    pub fn finished(mut self, outcome: &RunOutcome) -> Self {
        self.status = outcome.status;
        self.finished_at = Some(outcome.finished_at);
        self.duration_ms = Some(duration_ms(self.started_at, outcome.finished_at));
        self.error = outcome.error.clone();
        self
    }
}

/// Whole milliseconds from `from` to `to`, 0 when `to` is earlier.
pub fn duration_ms(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    u64::try_from((to - from).num_milliseconds()).unwrap_or(0)
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutcome {
    /// A final status (never `Running`).
    pub status: RunStatus,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// The error message, timeout or cancellation reason.
    pub error: Option<String>,
}

/// Filters of the run history, combined with AND; newest fire time first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunQuery {
    /// Only this task.
    pub task: Option<TaskName>,
    /// Only this status.
    pub status: Option<RunStatus>,
    /// Only this trigger.
    pub trigger: Option<Trigger>,
    /// Only runs of this instance.
    pub instance: Option<String>,
    /// Fire time at or after.
    pub from: Option<DateTime<Utc>>,
    /// Fire time strictly before.
    pub to: Option<DateTime<Utc>>,
    /// Which page.
    pub page: PageRequest,
}

/// What the web page shows about a task's recent runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskStats {
    /// Records counted (skipped ticks included).
    pub runs: u64,
    /// Of which succeeded.
    pub succeeded: u64,
    /// Of which failed.
    pub failed: u64,
    /// Of which timed out.
    pub timed_out: u64,
    /// Of which skipped.
    pub skipped: u64,
    /// Of which cancelled.
    pub cancelled: u64,
    /// Of which still running.
    pub running: u64,
    /// Mean duration of finished (not skipped) runs, ms.
    pub avg_duration_ms: Option<f64>,
    /// 95th percentile duration of finished (not skipped) runs, ms (nearest rank).
    pub p95_duration_ms: Option<u64>,
    /// The newest record (by fire time, then start).
    pub last: Option<RunRecord>,
}

impl TaskStats {
    /// Succeeded over finished runs that were actually attempted (skips and running runs excluded), 0..=1.
    pub fn success_rate(&self) -> Option<f64> {
        let attempted = self.succeeded + self.failed + self.timed_out + self.cancelled;
        (attempted > 0).then(|| self.succeeded as f64 / attempted as f64)
    }

    /// Mean and nearest-rank p95 of `durations` (any order), for adapters that compute them in Rust.
    pub fn durations(durations: &mut [u64]) -> (Option<f64>, Option<u64>) {
        if durations.is_empty() {
            return (None, None);
        }
        durations.sort_unstable();
        let sum: u128 = durations.iter().map(|d| u128::from(*d)).sum();
        let avg = sum as f64 / durations.len() as f64;
        let rank = (durations.len() * 95).div_ceil(100).max(1);
        (Some(avg), Some(durations[rank - 1]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_triggers_round_trip() {
        for s in RunStatus::ALL {
            assert_eq!(s.as_str().parse::<RunStatus>().unwrap(), *s);
        }
        for t in Trigger::ALL {
            assert_eq!(t.as_str().parse::<Trigger>().unwrap(), *t);
        }
        let err = "done".parse::<RunStatus>().unwrap_err();
        assert_eq!(err.field, "runstatus");
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut d: Vec<u64> = (1..=100).collect();
        assert_eq!(TaskStats::durations(&mut d), (Some(50.5), Some(95)));
        assert_eq!(TaskStats::durations(&mut [7]), (Some(7.0), Some(7)));
        assert_eq!(TaskStats::durations(&mut []), (None, None));
        let stats = TaskStats { succeeded: 3, failed: 1, skipped: 10, ..Default::default() };
        assert_eq!(stats.success_rate(), Some(0.75));
        assert_eq!(TaskStats::default().success_rate(), None);
    }
}
