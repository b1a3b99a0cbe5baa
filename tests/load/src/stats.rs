//! Latency percentiles and rates from raw samples. Samples are kept whole (a run produces at most a few
//! million), so the percentiles are exact rather than bucketed.

/// Summary of delivery latencies, in microseconds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Latency {
    /// Samples.
    pub count: usize,
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Largest.
    pub max: u64,
}

/// The value at quantile `q` (0..=1) of sorted `samples`, nearest-rank; 0 for none.
pub fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Latency {
    /// Summarizes `samples` (any order).
    pub fn of(mut samples: Vec<u64>) -> Self {
        samples.sort_unstable();
        Self {
            count: samples.len(),
            p50: quantile(&samples, 0.50),
            p99: quantile(&samples, 0.99),
            max: samples.last().copied().unwrap_or(0),
        }
    }
}

/// Microseconds as milliseconds with two decimals, for the report.
pub fn ms(micros: u64) -> String {
    format!("{:.2} ms", micros as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<u64> = (1..=100).rev().collect();
        let l = Latency::of(samples);
        assert_eq!((l.count, l.p50, l.p99, l.max), (100, 50, 99, 100));
        assert_eq!(Latency::of(vec![7]), Latency { count: 1, p50: 7, p99: 7, max: 7 });
        assert_eq!(Latency::of(Vec::new()), Latency::default());
        assert_eq!(quantile(&[1, 2, 3], 1.5), 3, "q is clamped");
    }

    #[test]
    fn milliseconds_are_rounded_to_two_decimals() {
        assert_eq!(ms(1234), "1.23 ms");
        assert_eq!(ms(0), "0.00 ms");
    }
}
