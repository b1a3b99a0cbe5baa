//! One implementation of every driven port, chosen from the configuration.

use super::{Backends, WiringError};
use crate::config::AppConfig;
use adapter_crypto::{Argon2Hasher, HasherOptions, OpaqueRefreshTokens, PasetoIssuer};
use adapter_memory::{
    MemoryAuditLog, MemoryCache, MemoryConversationStore, MemoryEventBus, MemoryGroupStore, MemoryMessageStore,
    MemoryPresenceStore, MemoryRateLimiter, MemorySequenceAllocator, MemorySessionStore, MemorySettingsStore,
    MemoryUserRepository,
};
use adapter_memory::{MemoryDailyStats, MemoryRunStore};
use domain::audit::AuditLog;
use domain::bus::EventBus;
use domain::cache::Cache;
use domain::chat::{ConversationStore, GroupStore, MessageStore, PresenceStore, SequenceAllocator};
use domain::clock::{Clock, SystemClock};
use domain::health::HealthProbe;
use domain::rate_limit::RateLimiter;
use domain::schedule::RunStore;
use domain::session::{RefreshTokens, SessionStore};
use domain::settings::SettingsStore;
use domain::stats::DailyStatsStore;
use domain::token::TokenIssuer;
use domain::user::{PasswordHasher, UserRepository};
use std::sync::Arc;

/// Every driven port the services need.
#[derive(Clone)]
pub struct Ports {
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Settings rows.
    pub settings: Arc<dyn SettingsStore>,
    /// Accounts.
    pub users: Arc<dyn UserRepository>,
    /// Sessions and refresh-token families.
    pub sessions: Arc<dyn SessionStore>,
    /// Admin audit trail.
    pub audit: Arc<dyn AuditLog>,
    /// Rate limits.
    pub rate_limiter: Arc<dyn RateLimiter>,
    /// Short-lived cache.
    pub cache: Arc<dyn Cache>,
    /// Cross-instance events.
    pub bus: Arc<dyn EventBus>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Access tokens.
    pub tokens: Arc<dyn TokenIssuer>,
    /// Refresh tokens.
    pub refresh: Arc<dyn RefreshTokens>,
    /// Chat messages: MongoDB when configured, else the SQL database (memory in-process).
    pub messages: Arc<dyn MessageStore>,
    /// Groups and memberships (SQL).
    pub groups: Arc<dyn GroupStore>,
    /// Direct conversations and read positions (SQL).
    pub conversations: Arc<dyn ConversationStore>,
    /// Per-conversation seq allocation: Redis when configured (shared by instances), memory otherwise.
    pub sequences: Arc<dyn SequenceAllocator>,
    /// Live connections per user: Redis when configured, memory otherwise.
    pub presence: Arc<dyn PresenceStore>,
    /// Readiness probes of the configured backends.
    pub probes: Vec<Arc<dyn HealthProbe>>,
    /// Rolled-up daily statistics (the dashboard's charts).
    pub daily_stats: Arc<dyn DailyStatsStore>,
    /// Scheduler run history (the dashboard's task success rate).
    pub runs: Arc<dyn RunStore>,
}

/// The two crypto ports, built from the `auth` section.
struct Crypto {
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenIssuer>,
}

/// The ports that must be shared between instances: Redis when configured, process memory otherwise.
struct SharedState {
    sessions: Arc<dyn SessionStore>,
    rate_limiter: Arc<dyn RateLimiter>,
    cache: Arc<dyn Cache>,
    bus: Arc<dyn EventBus>,
    sequences: Arc<dyn SequenceAllocator>,
    presence: Arc<dyn PresenceStore>,
}

impl SharedState {
    fn in_memory() -> Self {
        Self {
            sessions: Arc::new(MemorySessionStore::default()),
            rate_limiter: Arc::new(MemoryRateLimiter::default()),
            cache: Arc::new(MemoryCache::default()),
            bus: Arc::new(MemoryEventBus::default()),
            sequences: Arc::new(MemorySequenceAllocator::default()),
            presence: Arc::new(MemoryPresenceStore::default()),
        }
    }
}

fn crypto(config: &AppConfig) -> Result<Crypto, WiringError> {
    let a = &config.auth;
    let hasher = Argon2Hasher::new(HasherOptions {
        memory_kib: a.argon2_memory_kib,
        iterations: a.argon2_iterations,
        parallelism: a.argon2_parallelism,
        max_concurrent: a.hash_max_concurrent,
        max_queue: a.hash_max_queue,
    })
    .map_err(|e| WiringError::Config { key: "auth.argon2_memory_kib", message: e.to_string() })?;
    let tokens = PasetoIssuer::new(&a.token_secret_key, &a.previous_public_keys)
        .map_err(|e| WiringError::Config { key: "auth.token_secret_key", message: e.to_string() })?;
    Ok(Crypto { hasher: Arc::new(hasher), tokens: Arc::new(tokens) })
}

impl Ports {
    /// SQL for durable data; Redis for sessions, limits, cache and the bus when configured, memory otherwise.
    pub fn from_backends(config: &AppConfig, backends: &Backends) -> Result<Self, WiringError> {
        let Crypto { hasher, tokens } = crypto(config)?;
        let sql = &backends.sql;
        let mut probes: Vec<Arc<dyn HealthProbe>> = vec![Arc::new(sql.health_probe())];
        let shared = match &backends.redis {
            Some(redis) => {
                probes.push(Arc::new(redis.health_probe()));
                SharedState {
                    sessions: Arc::new(redis.session_store()),
                    rate_limiter: Arc::new(redis.rate_limiter()),
                    cache: Arc::new(redis.cache()),
                    bus: Arc::new(redis.event_bus()),
                    sequences: Arc::new(redis.sequence_allocator()),
                    presence: Arc::new(redis.presence_store()),
                }
            }
            None => SharedState::in_memory(),
        };
        let messages: Arc<dyn MessageStore> = match &backends.mongo {
            Some(mongo) => {
                probes.push(Arc::new(mongo.health_probe()));
                Arc::new(mongo.message_store())
            }
            None => Arc::new(sql.message_store()),
        };
        Ok(Self {
            clock: Arc::new(SystemClock),
            settings: Arc::new(sql.settings_store()),
            users: Arc::new(sql.user_repository()),
            sessions: shared.sessions,
            audit: Arc::new(sql.audit_log()),
            rate_limiter: shared.rate_limiter,
            cache: shared.cache,
            bus: shared.bus,
            hasher,
            tokens,
            refresh: Arc::new(OpaqueRefreshTokens),
            messages,
            groups: Arc::new(sql.group_store()),
            conversations: Arc::new(sql.conversation_store()),
            sequences: shared.sequences,
            presence: shared.presence,
            probes,
            daily_stats: Arc::new(sql.daily_stats_store()),
            runs: Arc::new(sql.run_store()),
        })
    }

    /// Everything in memory: for `exchange openapi` and in-process tests.
    pub fn in_memory(config: &AppConfig) -> Result<Self, WiringError> {
        let Crypto { hasher, tokens } = crypto(config)?;
        let shared = SharedState::in_memory();
        Ok(Self {
            clock: Arc::new(SystemClock),
            settings: Arc::new(MemorySettingsStore::default()),
            users: Arc::new(MemoryUserRepository::default()),
            sessions: shared.sessions,
            audit: Arc::new(MemoryAuditLog::default()),
            rate_limiter: shared.rate_limiter,
            cache: shared.cache,
            bus: shared.bus,
            hasher,
            tokens,
            refresh: Arc::new(OpaqueRefreshTokens),
            messages: Arc::new(MemoryMessageStore::default()),
            groups: Arc::new(MemoryGroupStore::default()),
            conversations: Arc::new(MemoryConversationStore::default()),
            sequences: shared.sequences,
            presence: shared.presence,
            probes: Vec::new(),
            daily_stats: Arc::new(MemoryDailyStats::default()),
            runs: Arc::new(MemoryRunStore::default()),
        })
    }
}
