//! Cron expressions with seconds, parsed once and valid from then on.

use crate::error::{ValidationError, Violation};
use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

/// A cron expression with a seconds field: `sec min hour day-of-month month day-of-week [year]`, UTC.
///
/// Only expressions that fire at least once in the future parse, so a scheduler never holds a task that
/// can never run. Helpers build the common shapes without writing the expression by hand.
#[derive(Clone)]
pub struct CronExpr {
    source: String,
    schedule: cron::Schedule,
}

impl CronExpr {
    /// Parses `raw` (surrounding space ignored); errors name the field `schedule`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let source = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let invalid = || ValidationError::new("schedule", Violation::InvalidFormat { expected: "cron expression" });
        let fields = source.split(' ').count();
        // `cron` also accepts `@daily` and friends; we insist on explicit fields with seconds.
        if source.is_empty() || !(6..=7).contains(&fields) {
            return Err(invalid());
        }
        let schedule = cron::Schedule::from_str(&source).map_err(|_| invalid())?;
        if schedule.upcoming(Utc).next().is_none() {
            return Err(invalid());
        }
        Ok(Self { source, schedule })
    }

    /// Every `n` seconds (`n` divides 60 for an even rhythm; 1..=59).
    pub fn every_seconds(n: u32) -> Result<Self, ValidationError> {
        check_range("schedule", n, 1, 59)?;
        Self::parse(&format!("*/{n} * * * * *"))
    }

    /// Every `n` minutes at second 0 (1..=59).
    pub fn every_minutes(n: u32) -> Result<Self, ValidationError> {
        check_range("schedule", n, 1, 59)?;
        Self::parse(&format!("0 */{n} * * * *"))
    }

    /// Every hour at minute `m` (0..=59).
    pub fn hourly_at(m: u32) -> Result<Self, ValidationError> {
        check_range("schedule", m, 0, 59)?;
        Self::parse(&format!("0 {m} * * * *"))
    }

    /// Every day at `h:m` UTC.
    pub fn daily_at(h: u32, m: u32) -> Result<Self, ValidationError> {
        check_range("schedule", h, 0, 23)?;
        check_range("schedule", m, 0, 59)?;
        Self::parse(&format!("0 {m} {h} * * *"))
    }

    /// The normalized expression (single spaces).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The parsed schedule, for schedulers built on the `cron` crate.
    pub fn schedule(&self) -> &cron::Schedule {
        &self.schedule
    }

    /// The first fire time strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule.after(&t).next()
    }

    /// The last fire time in `(t - window, t]`: the tick a scheduler starting late would catch up on.
    /// `None` when no fire time lies in that interval.
    pub fn last_at_or_before(&self, t: DateTime<Utc>, window: chrono::Duration) -> Option<DateTime<Utc>> {
        let start = t - window;
        let mut last = None;
        for fire in self.schedule.after(&start) {
            if fire > t {
                break;
            }
            last = Some(fire);
        }
        last
    }
}

fn check_range(field: &str, v: u32, min: u32, max: u32) -> Result<(), ValidationError> {
    if v < min || v > max {
        return Err(ValidationError::new(field, Violation::OutOfRange { min: min.into(), max: max.into() }));
    }
    Ok(())
}

impl fmt::Debug for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CronExpr({:?})", self.source)
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl PartialEq for CronExpr {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for CronExpr {}

impl FromStr for CronExpr {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn helpers_build_the_expected_expressions() {
        assert_eq!(CronExpr::every_seconds(5).unwrap().as_str(), "*/5 * * * * *");
        assert_eq!(CronExpr::every_minutes(15).unwrap().as_str(), "0 */15 * * * *");
        assert_eq!(CronExpr::hourly_at(7).unwrap().as_str(), "0 7 * * * *");
        assert_eq!(CronExpr::daily_at(3, 30).unwrap().as_str(), "0 30 3 * * *");
        assert!(CronExpr::every_seconds(0).is_err());
        assert!(CronExpr::daily_at(24, 0).is_err());
    }

    #[test]
    fn bad_expressions_are_refused_with_a_field() {
        for bad in ["", "* * * * *", "@daily", "61 * * * * *", "nonsense", "0 0 0 30 2 * 2020", "* * * * * * * *"] {
            let err = CronExpr::parse(bad).unwrap_err();
            assert_eq!(err.field, "schedule", "{bad}");
        }
    }

    #[test]
    fn next_and_last_fire_times() {
        let e = CronExpr::every_seconds(10).unwrap();
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 10, 5, 3).unwrap();
        assert_eq!(e.next_after(t), Some(Utc.with_ymd_and_hms(2026, 11, 24, 10, 5, 10).unwrap()));
        assert_eq!(
            e.last_at_or_before(t, chrono::Duration::minutes(1)),
            Some(Utc.with_ymd_and_hms(2026, 11, 24, 10, 5, 0).unwrap())
        );
        let daily = CronExpr::daily_at(3, 0).unwrap();
        assert_eq!(daily.last_at_or_before(t, chrono::Duration::hours(1)), None);
        assert_eq!(
            daily.last_at_or_before(t, chrono::Duration::days(1)),
            Some(Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap())
        );
    }

    proptest! {
        #[test]
        fn every_second_helper_round_trips(n in 1u32..60) {
            let e = CronExpr::every_seconds(n).unwrap();
            prop_assert_eq!(CronExpr::parse(e.as_str()).unwrap(), e);
        }

        #[test]
        fn daily_at_round_trips_and_fires_at_that_time(h in 0u32..24, m in 0u32..60) {
            let e = CronExpr::daily_at(h, m).unwrap();
            let again: CronExpr = e.to_string().parse().unwrap();
            prop_assert_eq!(&again, &e);
            let next = e.next_after(Utc::now()).unwrap();
            prop_assert_eq!((chrono::Timelike::hour(&next), chrono::Timelike::minute(&next)), (h, m));
        }

        #[test]
        fn five_field_expressions_never_parse(m in 0u32..60, h in 0u32..24) {
            let raw = format!("{m} {h} * * *");
            prop_assert!(CronExpr::parse(&raw).is_err());
        }
    }
}
