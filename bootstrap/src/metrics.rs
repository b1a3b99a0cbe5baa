//! The process-wide Prometheus recorder behind `GET /metrics`.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

/// Latency buckets in seconds: 1 ms to 10 s, dense where API latencies live.
const LATENCY_BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// How often histogram samples are folded into their buckets when nobody scrapes `/metrics`.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Installs the recorder on first call and returns its handle. A process can only have one global
/// recorder; if something else installed one first, metrics are not exported and `None` is returned.
///
/// The recorder keeps every histogram sample (with its time) until upkeep folds them into the buckets;
/// `install_recorder` leaves that to the caller, and without it an unscraped instance grew by 24 bytes per
/// request. A thread of its own runs the upkeep (as the exporter's own `install` does on its runtime).
pub fn prometheus() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), &LATENCY_BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    let upkeep = handle.clone();
                    let spawned = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || {
                        loop {
                            std::thread::sleep(UPKEEP_EVERY);
                            upkeep.run_upkeep();
                        }
                    });
                    if let Err(err) = spawned {
                        tracing::warn!(error = %err, "metrics upkeep thread not started; histograms fold only when scraped");
                    }
                    Some(handle)
                }
                Err(err) => {
                    tracing::warn!(error = %err, "metrics recorder not installed; /metrics will be empty");
                    None
                }
            }
        })
        .clone()
}
