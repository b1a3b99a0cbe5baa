//! Request rate limits per route group, per client IP and per user, with quotas from settings.
//!
//! If the limiter's backend is down, requests are let through (and a warning logged): losing rate
//! limiting for a while is better than refusing every request. Login brute-force throttling is separate
//! (see `AuthService::login`) and fails closed.

use crate::settings::SettingsService;
use domain::ids::UserId;
use domain::rate_limit::{Quota, RateDecision, RateLimiter};
use domain::{Coded, ErrorKind};
use std::sync::Arc;
use std::time::Duration;

/// Which quota a route uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteGroup {
    /// `/api/v1/auth/*`: strictest, per IP.
    Auth,
    /// The rest of `/api/v1`: per IP, and per user once signed in.
    Api,
}

/// Too many requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("rate limited; retry after {retry_after:?}")]
pub struct RateLimited {
    /// When the next request would be allowed.
    pub retry_after: Duration,
}

impl Coded for RateLimited {
    fn code(&self) -> &'static str {
        "rate_limited"
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::RateLimited
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![("retry_after", self.retry_after.as_secs_f64().ceil().max(1.0).to_string())]
    }

    fn retry_after_secs(&self) -> Option<u64> {
        Some(self.retry_after.as_secs_f64().ceil().max(1.0) as u64)
    }
}

/// Applies the per-group quotas.
pub struct RateLimitService {
    limiter: Arc<dyn RateLimiter>,
    settings: Arc<SettingsService>,
    enabled: bool,
}

impl RateLimitService {
    /// `enabled = false` turns every check into a no-op (load tests).
    pub fn new(limiter: Arc<dyn RateLimiter>, settings: Arc<SettingsService>, enabled: bool) -> Self {
        Self { limiter, settings, enabled }
    }

    /// Counts one request of `group` from `ip` (and `user`, when known) and refuses it when over quota.
    pub async fn check(&self, group: RouteGroup, ip: Option<&str>, user: Option<UserId>) -> Result<(), RateLimited> {
        if !self.enabled {
            return Ok(());
        }
        let Ok(settings) = self.settings.current().await else { return Ok(()) };
        let mut checks: Vec<(String, Quota)> = Vec::with_capacity(2);
        match group {
            RouteGroup::Auth => {
                if let Some(ip) = ip {
                    checks.push((format!("rl:auth:ip:{ip}"), Quota::per_minute(settings.auth_per_minute())));
                }
            }
            RouteGroup::Api => {
                if let Some(ip) = ip {
                    checks.push((format!("rl:api:ip:{ip}"), Quota::per_minute(settings.api_per_minute_ip())));
                }
                if let Some(user) = user {
                    checks.push((format!("rl:api:user:{user}"), Quota::per_minute(settings.api_per_minute_user())));
                }
            }
        }
        for (key, quota) in checks {
            match self.limiter.acquire(&key, quota).await {
                Ok(RateDecision::Allowed { .. }) => {}
                Ok(RateDecision::Limited { retry_after }) => return Err(RateLimited { retry_after }),
                Err(err) => {
                    tracing::warn!(error = %err, "rate limiter unavailable; letting the request through");
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}
