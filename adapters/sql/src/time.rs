//! Time precision shared by both engines: MariaDB keeps microseconds (`DATETIME(6)`), so SQLite is given
//! the same, and every engine answers the same comparisons for the same inputs.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// Truncates to whole microseconds, as `DATETIME(6)` stores it.
pub(crate) fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// Rounds a query bound up to whole microseconds. Stored times are whole microseconds, so for any stored
/// `t`, `t >= bound` and `t < bound` answer the same as with the exact bound, on every engine.
pub(crate) fn bound_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    let down = to_micros(t);
    if down == t { t } else { down + TimeDelta::microseconds(1) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn drops_only_the_nanoseconds() {
        let t = Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap();
        assert_eq!(to_micros(t), Utc.timestamp_opt(1_700_000_000, 123_456_000).unwrap());
        let whole = Utc.timestamp_opt(1_700_000_000, 5_000).unwrap();
        assert_eq!(to_micros(whole), whole);
    }

    #[test]
    fn bounds_round_up_so_comparisons_stay_exact() {
        let bound = Utc.timestamp_opt(1_700_000_000, 10_500).unwrap();
        let stored = Utc.timestamp_opt(1_700_000_000, 10_000).unwrap();
        assert_eq!(bound_micros(bound), Utc.timestamp_opt(1_700_000_000, 11_000).unwrap());
        assert_eq!(stored < bound, stored < bound_micros(bound));
        assert_eq!(stored >= bound, stored >= bound_micros(bound));
        assert_eq!(bound_micros(stored), stored);
    }
}
