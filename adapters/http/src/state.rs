//! What handlers and the edge middleware share: the use-case services and the edge options.

use application::admin::{AdminService, DailySeriesService};
use application::auth::{AuthService, RateLimitService};
use application::chat::ChatService;
use application::conversations::ConversationService;
use application::groups::GroupService;
use application::health::HealthService;
use application::settings::SettingsService;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Edge behaviour taken from the `server` config section.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Longest a request may run before it is answered 503.
    pub request_timeout: Duration,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self { body_limit: 1024 * 1024, request_timeout: Duration::from_secs(30), trusted_proxies: Vec::new() }
    }
}

/// What the admin console page learns about the deployment (`GET /api/v1/admin/console`).
#[derive(Clone, Debug, Default)]
pub struct ConsoleOptions {
    /// The scheduler's page (`cron.page_url`), when configured.
    pub cron_page_url: Option<String>,
    /// The port of a scheduler page this same process serves (`serve --with-cron`).
    pub cron_port: Option<u16>,
}

/// The application as the HTTP adapter sees it: one shared [`HttpServices`] behind an `Arc`, because the
/// route tree hands a clone to every request (`.data(state)`) and a clone of a dozen `Arc`s and the options
/// cost more than the rest of a `/ping`.
#[derive(Clone)]
pub struct HttpState(Arc<HttpServices>);

impl HttpState {
    /// Shares `services` with every request.
    pub fn new(services: HttpServices) -> Self {
        Self(Arc::new(services))
    }

    /// The same state, telling the admin console the port of the scheduler page this process serves.
    pub fn with_cron_port(mut self, port: Option<u16>) -> Self {
        Arc::make_mut(&mut self.0).console.cron_port = port;
        self
    }
}

impl std::ops::Deref for HttpState {
    type Target = HttpServices;

    fn deref(&self) -> &HttpServices {
        &self.0
    }
}

/// What [`HttpState`] shares: the use-case services and the edge options.
#[derive(Clone)]
pub struct HttpServices {
    /// Edge options.
    pub options: HttpOptions,
    /// Readiness probes.
    pub health: HealthService,
    /// Settings (the default locale comes from here).
    pub settings: Arc<SettingsService>,
    /// Sign-up, sign-in, tokens, profile.
    pub auth: Arc<AuthService>,
    /// User management, audit log, statistics.
    pub admin: Arc<AdminService>,
    /// The dashboard's daily series.
    pub dashboard: Arc<DailySeriesService>,
    /// Deployment facts for the admin console page.
    pub console: ConsoleOptions,
    /// Per-route-group quotas.
    pub rate_limits: Arc<RateLimitService>,
    /// Chat: admin pushes and the chat numbers of the statistics.
    pub chat: Arc<ChatService>,
    /// Groups and their members.
    pub groups: Arc<GroupService>,
    /// Conversation lists, history, read positions, presence.
    pub conversations: Arc<ConversationService>,
    /// Renders the Prometheus exposition; `None` disables `/metrics` content (tests without a recorder).
    pub metrics: Option<Arc<dyn Fn() -> String + Send + Sync>>,
}
