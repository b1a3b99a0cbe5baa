//! The use-case services over the ports, and the HTTP adapter's view of them.

use super::{Ports, WiringError};
use crate::config::AppConfig;
use adapter_http::{ConsoleOptions, HttpOptions, HttpState};
use application::admin::{AdminService, DailySeriesService};
use application::auth::{AuthOptions, AuthService, RateLimitService};
use application::health::HealthService;
use application::settings::{SETTINGS_CHANGED_TOPIC, SettingsInvalidator, SettingsService};
use domain::bus::Subscription;
use domain::locale::Locale;
use domain::settings::{SettingKey, SettingValue, Settings};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// The application: every service, built once and shared.
pub struct Services {
    /// The ports underneath.
    pub ports: Ports,
    /// Settings.
    pub settings: Arc<SettingsService>,
    /// Accounts and sign-in.
    pub auth: Arc<AuthService>,
    /// Admin console.
    pub admin: Arc<AdminService>,
    /// The dashboard's daily series.
    pub dashboard: Arc<DailySeriesService>,
    /// Rate limits.
    pub rate_limits: Arc<RateLimitService>,
    /// Readiness.
    pub health: HealthService,
    /// Keeps the settings invalidation subscription alive.
    _settings_subscription: Option<Box<dyn Subscription>>,
}

/// Defaults with the config's overrides (default locale, rate limits): what stored settings go on top of.
pub fn base_settings(config: &AppConfig) -> Settings {
    let mut base = Settings::default();
    if let Some(locale) = Locale::ALL.iter().find(|l| l.as_str() == config.i18n.default_locale) {
        base.set(SettingKey::DefaultLocale, SettingValue::Locale(*locale));
    }
    let rl = &config.rate_limit;
    for (key, value) in [
        (SettingKey::AuthPerMinute, rl.auth_per_minute),
        (SettingKey::ApiPerMinuteIp, rl.api_per_minute_ip),
        (SettingKey::ApiPerMinuteUser, rl.api_per_minute_user),
        (SettingKey::LoginFailures, rl.login_failures),
    ] {
        base.set(key, SettingValue::Integer(i64::from(value)));
    }
    base
}

impl Services {
    /// Builds every service and subscribes the settings snapshot to cross-instance invalidations.
    pub async fn new(config: &AppConfig, ports: Ports) -> Result<Self, WiringError> {
        let p = &ports;
        let settings = Arc::new(SettingsService::new(
            p.settings.clone(),
            p.audit.clone(),
            p.bus.clone(),
            p.clock.clone(),
            base_settings(config),
        ));
        let subscription = match p
            .bus
            .subscribe(SETTINGS_CHANGED_TOPIC, Arc::new(SettingsInvalidator(Arc::downgrade(&settings))))
            .await
        {
            Ok(s) => Some(s),
            Err(err) => {
                tracing::warn!(error = %err, "settings invalidation unavailable; snapshots refresh every 30 s");
                None
            }
        };
        let auth = Arc::new(AuthService::new(
            p.users.clone(),
            p.sessions.clone(),
            p.hasher.clone(),
            p.tokens.clone(),
            p.refresh.clone(),
            p.rate_limiter.clone(),
            settings.clone(),
            p.clock.clone(),
            AuthOptions {
                access_ttl: Duration::from_secs(config.auth.access_ttl_secs),
                refresh_ttl: Duration::from_secs(config.auth.refresh_ttl_secs),
                login_throttle: config.rate_limit.enabled,
            },
        ));
        let admin = Arc::new(AdminService::new(
            p.users.clone(),
            p.sessions.clone(),
            p.hasher.clone(),
            p.audit.clone(),
            p.clock.clone(),
        ));
        let dashboard = Arc::new(DailySeriesService::new(
            p.users.clone(),
            p.daily_stats.clone(),
            Some(p.runs.clone()),
            Some(p.messages.clone()),
            p.clock.clone(),
        ));
        let rate_limits =
            Arc::new(RateLimitService::new(p.rate_limiter.clone(), settings.clone(), config.rate_limit.enabled));
        let health = HealthService::new(p.probes.clone());
        Ok(Self { ports, settings, auth, admin, dashboard, rate_limits, health, _settings_subscription: subscription })
    }

    /// What the HTTP adapter needs.
    pub fn http_state(&self, config: &AppConfig, metrics: Option<Arc<dyn Fn() -> String + Send + Sync>>) -> HttpState {
        HttpState {
            options: HttpOptions {
                body_limit: config.server.body_limit,
                request_timeout: Duration::from_secs(config.server.request_timeout_secs),
                trusted_proxies: config
                    .server
                    .trusted_proxies
                    .iter()
                    .filter_map(|p| p.parse::<IpAddr>().ok())
                    .collect(),
            },
            health: self.health.clone(),
            settings: self.settings.clone(),
            auth: self.auth.clone(),
            admin: self.admin.clone(),
            dashboard: self.dashboard.clone(),
            console: ConsoleOptions {
                cron_page_url: Some(config.cron.page_url.trim().to_owned()).filter(|u| !u.is_empty()),
                cron_port: None,
            },
            rate_limits: self.rate_limits.clone(),
            metrics,
        }
    }
}
