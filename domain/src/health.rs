//! Readiness probes: each configured backend says whether it can serve right now.

use crate::error::InfraError;
use async_trait::async_trait;

/// A backend that readiness checks. Every adapter that opens a connection provides one.
#[async_trait]
pub trait HealthProbe: Send + Sync {
    /// Short stable name shown in the readiness report (`database`, `redis`, `mongodb`).
    fn name(&self) -> &'static str;

    /// Does one cheap round trip to the backend. MUST return `Err(InfraError::Unavailable)` when the
    /// backend cannot be reached; MUST NOT block longer than the backend's own timeouts.
    async fn check(&self) -> Result<(), InfraError>;
}
