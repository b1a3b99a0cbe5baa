//! The configuration tree, one struct per section. Unknown keys are refused, so a typo stops start-up.

use domain::locale::Locale;
use serde::{Deserialize, Deserializer};
use std::fmt;

/// The `log` section and its enums belong to the logging adapter, which reads them.
pub use adapter_logging::{LogConfig, LogFormat, LogOutput};

/// The whole configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// Environment name (`default`, `development`, `test`, `production`); `production` enables safety checks.
    pub env: Environment,
    /// HTTP server.
    pub server: ServerConfig,
    /// Relational database (users, settings, audit, runs; messages unless MongoDB is configured).
    pub database: DatabaseConfig,
    /// Redis; absent means in-memory adapters (single instance only).
    #[serde(default)]
    pub redis: Option<RedisConfig>,
    /// MongoDB for messages; absent means messages live in the SQL database.
    #[serde(default)]
    pub mongodb: Option<MongoConfig>,
    /// Tokens and password hashing.
    pub auth: AuthConfig,
    /// Languages.
    pub i18n: I18nConfig,
    /// Rate limits (initial values; operators tune them at run time in settings).
    pub rate_limit: RateLimitConfig,
    /// The distributed scheduler.
    pub cron: CronConfig,
    /// Logging.
    pub log: LogConfig,
    /// The WebSocket gateway's limits and timers.
    pub ws: WsConfig,
}

/// HTTP server section.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Interface to bind, e.g. `0.0.0.0`.
    pub host: String,
    /// Port to bind; 0 picks a free one (tests).
    pub port: u16,
    /// WebSocket endpoint path.
    pub ws_path: String,
    /// Longest a request may take before it is answered 503 (seconds).
    pub request_timeout_secs: u64,
    /// Longest graceful shutdown waits for in-flight requests (seconds).
    pub shutdown_timeout_secs: u64,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Proxies whose `X-Forwarded-For` is believed when finding the client IP (exact IPs).
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

/// Which environment a configuration is for.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub enum Environment {
    /// The embedded default: SQLite and in-memory adapters, no server needed.
    Default,
    /// A developer's machine with local MariaDB and Redis.
    Development,
    /// The test suites.
    Test,
    /// Production: the safety checks apply.
    Production,
}

/// Which SQL engine.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub enum DatabaseDriver {
    /// MySQL 8 or MariaDB 10.6+.
    Mysql,
    /// An embedded SQLite file.
    Sqlite,
}

/// Database section (keys kept from the Go platform).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `mysql` or `sqlite`.
    pub driver: DatabaseDriver,
    /// MySQL host.
    #[serde(default)]
    pub host: String,
    /// MySQL port.
    #[serde(default = "default_mysql_port")]
    pub port: u16,
    /// MySQL user.
    #[serde(default)]
    pub username: String,
    /// MySQL password.
    #[serde(default)]
    pub password: String,
    /// MySQL database name.
    #[serde(default)]
    pub database: String,
    /// SQLite file path (created with its directory if missing).
    #[serde(default)]
    pub path: String,
    /// Pool ceiling.
    pub max_connections: u32,
    /// Connections kept open when idle.
    pub min_connections: u32,
    /// Longest wait for a connection (seconds).
    pub connect_timeout_secs: u64,
    /// Run pending migrations at start-up.
    pub auto_migrate: bool,
}

fn default_mysql_port() -> u16 {
    3306
}

/// Redis section (keys kept from the Go platform).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    /// Host name or IP.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Password; empty for none.
    #[serde(default)]
    pub password: String,
    /// Logical database number.
    #[serde(default)]
    pub db: u8,
    /// Connections in the pool.
    #[serde(default = "default_redis_pool")]
    pub pool_size: usize,
    /// Prefix of every key and channel, so several deployments can share one Redis.
    #[serde(default = "default_key_prefix")]
    pub key_prefix: String,
}

fn default_redis_pool() -> usize {
    4
}

fn default_key_prefix() -> String {
    "exchange:".into()
}

/// MongoDB section.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MongoConfig {
    /// Connection string, e.g. `mongodb://127.0.0.1:27017/?directConnection=true`.
    pub uri: String,
    /// Database name.
    pub database: String,
}

/// Auth section.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// PASERK `k4.secret.…` key that signs access tokens (`exchange keygen` makes one).
    pub token_secret_key: String,
    /// Older PASERK `k4.public.…` keys still accepted, for key rotation.
    #[serde(default)]
    pub previous_public_keys: Vec<String>,
    /// Access token lifetime (seconds).
    pub access_ttl_secs: u64,
    /// Refresh token lifetime, renewed on every refresh (seconds).
    pub refresh_ttl_secs: u64,
    /// Argon2id memory cost (KiB).
    pub argon2_memory_kib: u32,
    /// Argon2id iterations.
    pub argon2_iterations: u32,
    /// Argon2id lanes.
    pub argon2_parallelism: u32,
    /// Hashes computed at once (0 = number of CPUs).
    pub hash_max_concurrent: usize,
    /// Hashes allowed to wait; beyond that logins get 503 instead of piling up.
    pub hash_max_queue: usize,
}

/// i18n section.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct I18nConfig {
    /// Locale used when a request names none (`zh-CN` or `en`).
    #[serde(deserialize_with = "locale")]
    pub default_locale: Locale,
}

/// Rate limit section: initial values of the rate-limit settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Master switch (load tests turn it off).
    pub enabled: bool,
    /// Requests per minute per IP on auth routes.
    pub auth_per_minute: u32,
    /// Requests per minute per IP elsewhere.
    pub api_per_minute_ip: u32,
    /// Requests per minute per user elsewhere.
    pub api_per_minute_user: u32,
    /// Failed logins per account and IP per 15 minutes.
    pub login_failures: u32,
}

/// Cron section.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CronConfig {
    /// Interface of the scheduler's web page.
    pub web_host: String,
    /// Port of the scheduler's web page (8081).
    pub web_port: u16,
    /// This instance's id; empty means `<hostname>-<pid>`.
    #[serde(default)]
    pub instance_id: String,
    /// Where operators reach the scheduler's page (e.g. `https://cron.example.com/`); the admin console
    /// links to it. Empty: no link, unless this process serves the page itself (`serve --with-cron`).
    #[serde(default)]
    pub page_url: String,
    /// Days of run history kept.
    pub run_retention_days: u32,
    /// Seconds between two heartbeats of an instance.
    #[serde(default = "default_heartbeat_interval")]
    pub heartbeat_interval_secs: u64,
    /// Seconds of silence after which an instance is shown dead and its running records are failed.
    #[serde(default = "default_instance_ttl")]
    pub instance_ttl_secs: u64,
    /// Seconds a tick's lock lives without extension; running tasks extend it every third of this.
    #[serde(default = "default_lock_lease")]
    pub lock_lease_secs: u64,
    /// Seconds an instance may fire a tick late and still try it; later ticks are recorded as missed.
    #[serde(default = "default_misfire_grace")]
    pub misfire_grace_secs: u64,
    /// Timeout of tasks that name none (seconds).
    #[serde(default = "default_task_timeout")]
    pub default_timeout_secs: u64,
    /// Longest a graceful shutdown waits for running tasks before cancelling them (seconds).
    #[serde(default = "default_cron_shutdown")]
    pub shutdown_timeout_secs: u64,
    /// Register the two example tasks (`example-hello`, `example-flaky`).
    #[serde(default)]
    pub examples: bool,
    /// Test probe: when set, every-second `probe` tasks append one line per execution to this file.
    #[serde(default)]
    pub probe_file: String,
    /// Number of probe tasks (`probe`, `probe-2`, ...), for benchmarks.
    #[serde(default = "default_probe_tasks")]
    pub probe_tasks: u32,
    /// How long each probe run works (ms).
    #[serde(default = "default_probe_work")]
    pub probe_work_ms: u64,
}

fn default_heartbeat_interval() -> u64 {
    5
}

fn default_instance_ttl() -> u64 {
    15
}

fn default_lock_lease() -> u64 {
    30
}

fn default_misfire_grace() -> u64 {
    5
}

fn default_task_timeout() -> u64 {
    300
}

fn default_cron_shutdown() -> u64 {
    25
}

fn default_probe_tasks() -> u32 {
    1
}

fn default_probe_work() -> u64 {
    300
}

/// WebSocket gateway section: every limit a client can hit, so operators size them (see docs/ws-protocol.md).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WsConfig {
    /// Largest accepted frame; a larger one closes the socket with 1009.
    pub max_frame_bytes: usize,
    /// Largest serialized message body in a `send`; larger gets `chat.body_too_large`.
    pub max_body_bytes: usize,
    /// Frames per second per connection (token bucket, burst of the same size); excess gets `ws.rate_limited`.
    pub messages_per_sec: u32,
    /// Live connections one user may hold; the next is closed with 4004.
    pub max_connections_per_user: u32,
    /// Frames waiting to be written to one client; overflow closes it with 1013 (a slow consumer).
    pub outbound_queue: usize,
    /// Nothing received for this long closes the socket with 4008 (seconds).
    pub idle_timeout_secs: u64,
    /// Without a token in the subprotocol header, the `auth` frame must come within this (seconds).
    pub auth_timeout_secs: u64,
    /// How often a connection's presence is refreshed (seconds); clients are told to ping this often.
    pub heartbeat_secs: u64,
    /// A connection not refreshed for this long counts as gone (its instance died) (seconds).
    pub presence_ttl_secs: u64,
    /// How often the session behind a connection's token is re-checked (seconds).
    pub session_check_secs: u64,
    /// Most messages replayed per conversation by one `sync`.
    pub sync_max_messages: u32,
    /// Lease of a conversation's seq reservation (milliseconds): after an instance dies mid-send, another
    /// instance takes the conversation over within this. A live sender renews it while its write runs.
    pub seq_lease_ms: u64,
    /// How long a send waits for a busy conversation's seq before answering `chat.busy` (milliseconds).
    pub seq_wait_ms: u64,
}

/// Declares the spellings a config enum accepts and deserializes it through them ([`Named`]).
macro_rules! named {
    ($ty:ident { $($name:literal => $variant:ident),+ $(,)? }) => {
        impl Named for $ty {
            const NAMES: &'static [(&'static str, Self)] = &[$(($name, Self::$variant)),+];
        }

        impl TryFrom<String> for $ty {
            type Error = String;
            fn try_from(raw: String) -> Result<Self, String> {
                Self::named(&raw)
            }
        }
    };
}

named!(Environment { "default" => Default, "development" => Development, "test" => Test, "production" => Production });
named!(DatabaseDriver { "mysql" => Mysql, "sqlite" => Sqlite });

/// A config value spelled as one of a few names; refusing anything else with the names that would do, so a
/// typo gets "expected json or text, found \"xml\"" instead of the config crate's enum jargon.
trait Named: Sized + Copy + 'static {
    /// Each accepted spelling and its value.
    const NAMES: &'static [(&'static str, Self)];

    fn named(raw: &str) -> Result<Self, String> {
        Self::NAMES.iter().find(|(name, _)| *name == raw).map(|(_, v)| *v).ok_or_else(|| {
            let names: Vec<&str> = Self::NAMES.iter().map(|(n, _)| *n).collect();
            format!("expected {}, found {raw:?}", names.join(" or "))
        })
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Self::NAMES.iter().find(|(_, v)| v == self).map_or("?", |(n, _)| *n);
        f.write_str(name)
    }
}

/// A locale key: one of the domain's locales by its tag, refused with the tags that would do.
fn locale<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Locale, D::Error> {
    let raw = String::deserialize(deserializer)?;
    Locale::ALL.iter().copied().find(|l| l.as_str() == raw).ok_or_else(|| {
        let tags: Vec<&str> = Locale::ALL.iter().map(|l| l.as_str()).collect();
        serde::de::Error::custom(format!("expected {}, found {raw:?}", tags.join(" or ")))
    })
}
