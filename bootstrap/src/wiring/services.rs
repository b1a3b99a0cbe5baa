//! The use-case services over the ports, and the HTTP adapter's view of them.

use super::{Ports, WiringError};
use crate::config::AppConfig;
use adapter_http::{ConsoleOptions, HttpOptions, HttpServices, HttpState};
use application::admin::{AdminService, DailySeriesService};
use application::auth::{AuthOptions, AuthPorts, AuthService, RateLimitService};
use application::auth::{ProfileCache, ProfileInvalidator, USERS_CHANGED_TOPIC};
use application::chat::{ChatOptions, ChatPorts, ChatService};
use application::conversations::ConversationService;
use application::groups::GroupService;
use application::health::HealthService;
use application::settings::{SETTINGS_CHANGED_TOPIC, SettingsInvalidator, SettingsService};
use domain::bus::Subscription;
use domain::settings::{SettingKey, SettingValue, Settings};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

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
    /// Real-time chat (the WebSocket gateway and admin pushes).
    pub chat: Arc<ChatService>,
    /// Groups and their members.
    pub groups: Arc<GroupService>,
    /// Conversation lists, history, read positions, presence.
    pub conversations: Arc<ConversationService>,
    /// Keeps the settings invalidation subscription alive.
    _settings_subscription: Option<Box<dyn Subscription>>,
    _profile_subscription: Option<Box<dyn Subscription>>,
}

/// Defaults with the config's overrides (default locale, rate limits): what stored settings go on top of.
pub fn base_settings(config: &AppConfig) -> Settings {
    let mut base = Settings::default();
    base.set(SettingKey::DefaultLocale, SettingValue::Locale(config.i18n.default_locale));
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

/// The chat service over the chat ports, with the `ws` section's limits.
fn chat_service(config: &AppConfig, p: &Ports) -> ChatService {
    let ws = &config.ws;
    ChatService::new(
        ChatPorts {
            users: p.users.clone(),
            groups: p.groups.clone(),
            conversations: p.conversations.clone(),
            messages: p.messages.clone(),
            sequences: p.sequences.clone(),
            presence: p.presence.clone(),
            bus: p.bus.clone(),
            audit: p.audit.clone(),
            clock: p.clock.clone(),
            timer: Arc::new(adapter_memory::TokioTimer),
        },
        ChatOptions {
            max_body_bytes: ws.max_body_bytes,
            sync_max_messages: ws.sync_max_messages,
            presence_ttl: Duration::from_secs(ws.presence_ttl_secs),
            seq_lease: Duration::from_millis(ws.seq_lease_ms),
            seq_wait: Duration::from_millis(ws.seq_wait_ms),
        },
    )
}

/// The gateway's limits from the `ws` section.
fn ws_options(config: &AppConfig) -> adapter_ws::WsOptions {
    let ws = &config.ws;
    adapter_ws::WsOptions {
        max_frame_bytes: ws.max_frame_bytes,
        max_body_bytes: ws.max_body_bytes,
        messages_per_sec: ws.messages_per_sec,
        max_connections_per_user: ws.max_connections_per_user,
        outbound_queue: ws.outbound_queue,
        idle_timeout: Duration::from_secs(ws.idle_timeout_secs),
        auth_timeout: Duration::from_secs(ws.auth_timeout_secs),
        heartbeat: Duration::from_secs(ws.heartbeat_secs),
        session_check: Duration::from_secs(ws.session_check_secs),
        ..adapter_ws::WsOptions::default()
    }
}

impl Services {
    /// The WebSocket gateway over these services with the `ws` section's limits, as `serve` and the
    /// in-process app both run it; its background loops end when `shutdown` is cancelled.
    pub async fn gateway(&self, config: &AppConfig, shutdown: CancellationToken) -> Arc<adapter_ws::Gateway> {
        Arc::new(
            adapter_ws::Gateway::new(
                self.chat.clone(),
                self.auth.clone(),
                self.settings.clone(),
                self.ports.bus.clone(),
                ws_options(config),
                shutdown,
            )
            .await,
        )
    }

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
        // GET /users/me skips the user store while the profile is unchanged; every instance drops a
        // profile when any instance announces a change (see application::auth::ProfileCache).
        let profiles = Arc::new(ProfileCache::new(p.bus.clone()));
        let profile_subscription = match p
            .bus
            .subscribe(USERS_CHANGED_TOPIC, Arc::new(ProfileInvalidator(Arc::downgrade(&profiles))))
            .await
        {
            Ok(s) => Some(s),
            Err(err) => {
                tracing::warn!(error = %err, "profile invalidation unavailable; other instances' changes show within 30 s");
                None
            }
        };
        let auth_ports = AuthPorts {
            users: p.users.clone(),
            sessions: p.sessions.clone(),
            hasher: p.hasher.clone(),
            tokens: p.tokens.clone(),
            refresh: p.refresh.clone(),
            limiter: p.rate_limiter.clone(),
            clock: p.clock.clone(),
        };
        let auth = Arc::new(
            AuthService::new(
                auth_ports,
                settings.clone(),
                AuthOptions {
                    access_ttl: Duration::from_secs(config.auth.access_ttl_secs),
                    refresh_ttl: Duration::from_secs(config.auth.refresh_ttl_secs),
                    login_throttle: config.rate_limit.enabled,
                },
            )
            .with_profile_cache(profiles.clone()),
        );
        let admin = Arc::new(
            AdminService::new(p.users.clone(), p.sessions.clone(), p.hasher.clone(), p.audit.clone(), p.clock.clone())
                .with_profile_cache(profiles),
        );
        let dashboard = Arc::new(DailySeriesService::new(
            p.users.clone(),
            p.daily_stats.clone(),
            Some(p.runs.clone()),
            Some(p.messages.clone()),
            p.clock.clone(),
        ));
        let rate_limits =
            Arc::new(RateLimitService::new(p.rate_limiter.clone(), settings.clone(), config.rate_limit.enabled));
        let bounded = p.probes.iter().map(|probe| {
            Arc::new(super::bounded_probe::BoundedProbe::new(probe.clone(), super::bounded_probe::PROBE_TIMEOUT))
                as Arc<dyn domain::health::HealthProbe>
        });
        let health = HealthService::new(bounded.collect());
        let chat = Arc::new(chat_service(config, p));
        let groups = Arc::new(GroupService::new(
            p.groups.clone(),
            p.users.clone(),
            p.messages.clone(),
            chat.clone(),
            settings.clone(),
            p.clock.clone(),
        ));
        let conversations = Arc::new(ConversationService::new(
            p.groups.clone(),
            p.conversations.clone(),
            p.messages.clone(),
            p.presence.clone(),
            p.users.clone(),
            chat.clone(),
            p.clock.clone(),
        ));
        Ok(Self {
            ports,
            settings,
            auth,
            admin,
            dashboard,
            rate_limits,
            health,
            chat,
            groups,
            conversations,
            _settings_subscription: subscription,
            _profile_subscription: profile_subscription,
        })
    }

    /// What the HTTP adapter needs.
    pub fn http_state(&self, config: &AppConfig, metrics: Option<Arc<dyn Fn() -> String + Send + Sync>>) -> HttpState {
        HttpState::new(HttpServices {
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
            chat: self.chat.clone(),
            groups: self.groups.clone(),
            conversations: self.conversations.clone(),
            metrics,
        })
    }
}
