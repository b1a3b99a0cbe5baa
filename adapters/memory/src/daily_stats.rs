//! Daily statistics rows in an ordered map.

use crate::schedule::locked;
use async_trait::async_trait;
use chrono::NaiveDate;
use domain::InfraError;
use domain::stats::{DailyStats, DailyStatsStore};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// [`DailyStatsStore`] within one process.
#[derive(Debug, Default)]
pub struct MemoryDailyStats {
    rows: Mutex<BTreeMap<NaiveDate, DailyStats>>,
}

#[async_trait]
impl DailyStatsStore for MemoryDailyStats {
    async fn put(&self, stats: &DailyStats) -> Result<(), InfraError> {
        locked(&self.rows).insert(stats.day, stats.clone());
        Ok(())
    }

    async fn range(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyStats>, InfraError> {
        if from > to {
            return Ok(Vec::new());
        }
        Ok(locked(&self.rows).range(from..=to).map(|(_, r)| r.clone()).collect())
    }
}
