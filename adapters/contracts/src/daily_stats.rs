//! Contract of `domain::stats::DailyStatsStore`.

use chrono::{NaiveDate, TimeZone, Utc};
use domain::stats::{DailyStats, DailyStatsStore};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
}

fn row(d: u32, total: u64) -> DailyStats {
    DailyStats {
        day: day(d),
        users_total: total,
        users_new: 3,
        users_active: 2,
        users_deleted: 1,
        computed_at: Utc.timestamp_opt(1_764_000_000, 123_456_000).unwrap(),
    }
}

/// Rows round-trip, a second put of a day replaces it, and ranges are inclusive and ordered.
pub async fn put_replaces_and_range_is_ordered(store: &dyn DailyStatsStore) {
    for d in [3, 1, 2, 5] {
        store.put(&row(d, u64::from(d))).await.expect("put");
    }
    let replaced = DailyStats { users_new: 99, ..row(2, 20) };
    store.put(&replaced).await.expect("put again");
    let got = store.range(day(1), day(3)).await.expect("range");
    assert_eq!(got, vec![row(1, 1), replaced, row(3, 3)]);
    assert!(store.range(day(6), day(30)).await.expect("range").is_empty());
}

/// Expands to one `#[tokio::test]` per check of the daily statistics contract; `$make` builds an empty store.
#[macro_export]
macro_rules! daily_stats_suite {
    ($make:expr) => {
        mod daily_stats_contract {
            #[allow(unused_imports)]
            use super::*;

            $crate::__checks!($make; daily_stats; put_replaces_and_range_is_ordered);
        }
    };
}
