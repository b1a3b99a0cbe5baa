//! Liveness, readiness and metrics.

use super::ApiTags;
use crate::problem::ApiError;
use crate::state::HttpState;
use poem::http::StatusCode;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};

/// Operations for load balancers and monitoring.
pub struct OpsApi {
    state: HttpState,
}

impl OpsApi {
    /// Ops endpoints over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

/// Process liveness.
#[derive(Object)]
struct LiveBody {
    /// Always `ok` when the process answers.
    status: String,
}

/// One backend's readiness.
#[derive(Object)]
struct CheckBody {
    /// Backend name: `database`, `redis`, `mongodb`.
    name: String,
    /// `up` or `down`.
    status: String,
    /// Round-trip time of the probe in milliseconds.
    latency_ms: f64,
    /// Why it is down.
    #[oai(skip_serializing_if_is_none)]
    error: Option<String>,
}

/// Every backend is up.
#[derive(Object)]
struct ReadyBody {
    /// `ready`.
    status: String,
    /// One entry per configured backend.
    checks: Vec<CheckBody>,
}

#[derive(ApiResponse)]
enum ReadyResponse {
    /// Every configured backend answered.
    #[oai(status = 200)]
    Ready(Json<ReadyBody>),
}

#[OpenApi(tag = "ApiTags::Ops")]
impl OpsApi {
    /// Answers `pong`: the cheapest proof that the process serves HTTP.
    #[oai(path = "/ping", method = "get", operation_id = "ping")]
    async fn ping(&self) -> Result<PlainText<&'static str>, ApiError> {
        Ok(PlainText("pong"))
    }

    /// Liveness: the process is up (it does not look at backends; restart only if this fails).
    #[oai(path = "/health/live", method = "get", operation_id = "health_live")]
    async fn live(&self) -> Result<Json<LiveBody>, ApiError> {
        Ok(Json(LiveBody { status: "ok".into() }))
    }

    /// Readiness: every configured backend (database, Redis, MongoDB) answers. 503 names the ones that do
    /// not, with each probe's latency in `details.checks`.
    #[oai(path = "/health/ready", method = "get", operation_id = "health_ready")]
    async fn ready(&self) -> Result<ReadyResponse, ApiError> {
        let readiness = self.state.health.readiness().await;
        let checks: Vec<CheckBody> = readiness
            .checks
            .iter()
            .map(|c| CheckBody {
                name: c.name.to_owned(),
                status: if c.ok { "up" } else { "down" }.to_owned(),
                latency_ms: c.latency.as_secs_f64() * 1000.0,
                error: c.error.clone(),
            })
            .collect();
        if readiness.is_ready() {
            return Ok(ReadyResponse::Ready(Json(ReadyBody { status: "ready".into(), checks })));
        }
        let details = serde_json::to_value(
            checks
                .iter()
                .map(|c| {
                    // Same shape as a ready check: `error` only where a backend failed, never `null`.
                    let mut check = serde_json::json!({"name": c.name, "status": c.status, "latency_ms": c.latency_ms});
                    if let Some(error) = &c.error {
                        check["error"] = serde_json::Value::String(error.clone());
                    }
                    check
                })
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default();
        Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "health.not_ready")
            .with_param("backends", readiness.failing().join(", "))
            .with_extra("checks", details)
            .with_retry_after(5))
    }

    /// Prometheus metrics in the text exposition format: requests by route and status, latency
    /// histogram, requests in flight, and the counters other parts of the platform add.
    #[oai(path = "/metrics", method = "get", operation_id = "metrics")]
    async fn metrics(&self) -> Result<PlainText<String>, ApiError> {
        Ok(PlainText(self.state.metrics.as_ref().map(|render| render()).unwrap_or_default()))
    }
}
