//! Fault tests: the real `exchange` binary while its dependencies fail, on private servers each test owns
//! (a `redis-server` and a `mariadbd` on free ports, stopped and started by handle), plus the scale-out
//! test on the shared servers. A separate test binary so they can be run alone:
//! `cargo nextest run -p e2e --test faults`. docs/operations.md describes what these tests check.

mod chat;
mod logs;
mod mariadb_restart;
mod redis_outage;
mod scale_out;

use e2e::Api;
use serde_json::Value;
use std::time::Duration;

/// Password of every account the tests make.
pub const PASSWORD: &str = "correct-horse-battery-staple";

/// How long a recovery may take on a loaded two-core machine (Redis reconnects at most every 2 s, the SQL
/// pool on the next checkout); generous so slowness never fails a test.
pub const RECOVERY: Duration = Duration::from_secs(90);

/// `GET /health/ready`: status and body.
pub async fn readiness(api: &Api) -> (u16, Value) {
    let r = api.get("/health/ready", None).await;
    (r.status, r.body)
}

/// The readiness entry of backend `name` (`database`, `redis`), from a 200 body or a 503's details.
pub fn check<'a>(body: &'a Value, name: &str) -> &'a Value {
    let checks = if body["checks"].is_array() { &body["checks"] } else { &body["details"]["checks"] };
    checks.as_array().and_then(|c| c.iter().find(|c| c["name"] == name)).unwrap_or(&Value::Null)
}

/// Waits until readiness answers `status`, returning the body.
pub async fn wait_readiness(api: &Api, status: u16, limit: Duration) -> Value {
    e2e::wait::until(&format!("readiness {status}"), limit, || async {
        match readiness(api).await {
            (s, body) if s == status => Ok(body),
            (s, body) => Err(format!("{s} {body}")),
        }
    })
    .await
}
