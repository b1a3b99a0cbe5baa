//! Readiness: ask every configured backend, concurrently, whether it can serve.

use domain::health::HealthProbe;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The answer of one backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeResult {
    /// Backend name (`database`, `redis`, `mongodb`).
    pub name: &'static str,
    /// Whether it answered.
    pub ok: bool,
    /// How long it took to answer (or fail).
    pub latency: Duration,
    /// The failure, for operators; never shown with secrets.
    pub error: Option<String>,
}

/// All backends' answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Readiness {
    /// One result per configured backend, in registration order.
    pub checks: Vec<ProbeResult>,
}

impl Readiness {
    /// True when every backend answered.
    pub fn is_ready(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// Names of the backends that failed.
    pub fn failing(&self) -> Vec<&'static str> {
        self.checks.iter().filter(|c| !c.ok).map(|c| c.name).collect()
    }
}

/// Runs the readiness probes of every configured backend.
#[derive(Clone, Default)]
pub struct HealthService {
    probes: Vec<Arc<dyn HealthProbe>>,
}

impl HealthService {
    /// A service over the given probes.
    pub fn new(probes: Vec<Arc<dyn HealthProbe>>) -> Self {
        Self { probes }
    }

    /// Probes all backends at once; the slowest one bounds the latency.
    pub async fn readiness(&self) -> Readiness {
        let checks = futures::future::join_all(self.probes.iter().map(|probe| async move {
            let started = Instant::now();
            let result = probe.check().await;
            let latency = started.elapsed();
            match result {
                Ok(()) => ProbeResult { name: probe.name(), ok: true, latency, error: None },
                Err(err) => {
                    let mut chain = err.to_string();
                    let mut source = std::error::Error::source(&err);
                    while let Some(cause) = source {
                        chain.push_str(": ");
                        chain.push_str(&cause.to_string());
                        source = cause.source();
                    }
                    ProbeResult { name: probe.name(), ok: false, latency, error: Some(chain) }
                }
            }
        }))
        .await;
        Readiness { checks }
    }
}
