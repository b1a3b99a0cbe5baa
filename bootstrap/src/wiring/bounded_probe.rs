//! Readiness probes with a time limit. A backend that is down can take its driver's whole connect timeout
//! (5 s for the database and MongoDB) to fail; a load balancer's health check should hear "down" sooner.

use async_trait::async_trait;
use domain::InfraError;
use domain::health::HealthProbe;
use std::sync::Arc;
use std::time::Duration;

/// How long a backend gets to answer a readiness probe.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// A probe that fails as unavailable when the inner one has not answered within the bound.
pub struct BoundedProbe {
    inner: Arc<dyn HealthProbe>,
    bound: Duration,
}

impl BoundedProbe {
    /// `inner`, bounded by `bound`.
    pub fn new(inner: Arc<dyn HealthProbe>, bound: Duration) -> Self {
        Self { inner, bound }
    }
}

/// Why a bounded probe failed when the backend said nothing.
#[derive(Debug, thiserror::Error)]
#[error("no answer within {0} ms")]
struct NoAnswer(u128);

#[async_trait]
impl HealthProbe for BoundedProbe {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn check(&self) -> Result<(), InfraError> {
        match tokio::time::timeout(self.bound, self.inner.check()).await {
            Ok(result) => result,
            Err(_) => Err(InfraError::unavailable(self.inner.name(), NoAnswer(self.bound.as_millis()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use application::health::HealthService;

    struct Sleepy(&'static str, Duration);

    #[async_trait]
    impl HealthProbe for Sleepy {
        fn name(&self) -> &'static str {
            self.0
        }
        async fn check(&self) -> Result<(), InfraError> {
            tokio::time::sleep(self.1).await;
            Ok(())
        }
    }

    fn bounded(name: &'static str, takes: Duration) -> Arc<dyn HealthProbe> {
        Arc::new(BoundedProbe::new(Arc::new(Sleepy(name, takes)), Duration::from_millis(100)))
    }

    /// A hanging backend is reported down once the bound passes, naming it; the others still answer.
    #[tokio::test]
    async fn a_hanging_backend_is_down_after_the_bound() {
        let health =
            HealthService::new(vec![bounded("redis", Duration::ZERO), bounded("database", Duration::from_secs(60))]);
        let started = std::time::Instant::now();
        let readiness = health.readiness().await;
        assert!(started.elapsed() < Duration::from_secs(30), "the bound held");
        assert_eq!(readiness.failing(), vec!["database"]);
        let error = readiness.checks[1].error.as_deref().unwrap_or_default();
        assert!(error.contains("no answer within 100 ms"), "{error}");
        assert!(readiness.checks[0].ok);
    }
}
