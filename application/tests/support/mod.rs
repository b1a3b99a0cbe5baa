//! Shared fixtures of the application's service tests: memory adapters, a fixed clock, and a hasher that
//! counts its work and stands in for the Go platform's bcrypt hashes.

// Each test binary uses only part of the fixture.
#![allow(dead_code)]

use adapter_crypto::{OpaqueRefreshTokens, PasetoIssuer, generate_secret_key};
use adapter_memory::{MemoryPorts, MemoryUserRepository};
use application::admin::AdminService;
use application::auth::{AuthOptions, AuthPorts, AuthService, ProfileCache};
use application::settings::SettingsService;
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use domain::InfraError;
use domain::clock::Clock;
use domain::ids::UserId;
use domain::locale::Locale;
use domain::settings::Settings;
use domain::user::{
    Email, Password, PasswordHash, PasswordHasher, PasswordVerification, Role, User, UserRepository, UserStatus,
    Username,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A password every test account has.
pub const PASSWORD: &str = "correct-horse-battery-staple";

/// Prefix of the fake "legacy" hashes: they verify but ask to be rehashed, like bcrypt ones.
pub const LEGACY: &str = "$2b$legacy$";

/// Hashes as `plain$<password>`, verifies both that and [`LEGACY`] hashes, and counts hashes made.
#[derive(Default)]
pub struct CountingHasher {
    hashes: AtomicUsize,
}

impl CountingHasher {
    /// Hashes made so far.
    pub fn hashes(&self) -> usize {
        self.hashes.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl PasswordHasher for CountingHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, InfraError> {
        self.hashes.fetch_add(1, Ordering::SeqCst);
        Ok(PasswordHash::new(format!("plain${}", password.expose())))
    }

    async fn verify(&self, candidate: &str, hash: &PasswordHash) -> Result<PasswordVerification, InfraError> {
        let stored = hash.as_str();
        Ok(match (stored.strip_prefix("plain$"), stored.strip_prefix(LEGACY)) {
            (Some(p), _) if p == candidate => PasswordVerification::Valid { needs_rehash: false },
            (_, Some(p)) if p == candidate => PasswordVerification::Valid { needs_rehash: true },
            _ => PasswordVerification::Invalid,
        })
    }
}

struct Fixed;
impl Clock for Fixed {
    fn now(&self) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }
}

/// The services under test over one set of memory stores.
pub struct World {
    /// Accounts.
    pub users: Arc<MemoryUserRepository>,
    /// The hasher both services share.
    pub hasher: Arc<CountingHasher>,
    /// Admin use cases.
    pub admin: AdminService,
    /// Auth use cases, login throttling on.
    pub auth: AuthService,
}

impl World {
    /// Fresh stores, default settings.
    pub fn new() -> Self {
        let clock: Arc<dyn Clock> = Arc::new(Fixed);
        let MemoryPorts { users, sessions, audit, settings, bus, rate_limiter, .. } = MemoryPorts::default();
        let hasher = Arc::new(CountingHasher::default());
        let settings =
            Arc::new(SettingsService::new(settings, audit.clone(), bus.clone(), clock.clone(), Settings::default()));
        // As the composition root wires them: both services share the profile cache.
        let profiles = Arc::new(ProfileCache::new(bus));
        let admin = AdminService::new(users.clone(), sessions.clone(), hasher.clone(), audit, clock.clone())
            .with_profile_cache(profiles.clone());
        let tokens = PasetoIssuer::new(&generate_secret_key(), &[]).expect("fresh key");
        let options = AuthOptions {
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(86_400),
            login_throttle: true,
        };
        let ports = AuthPorts {
            users: users.clone(),
            sessions,
            hasher: hasher.clone(),
            tokens: Arc::new(tokens),
            refresh: Arc::new(OpaqueRefreshTokens),
            limiter: rate_limiter,
            clock,
        };
        let auth = AuthService::new(ports, settings, options).with_profile_cache(profiles);
        Self { users, hasher, admin, auth }
    }

    /// Stores an account with `role` and the given stored hash.
    pub async fn seed(&self, name: &str, role: Role, hash: &str) -> User {
        let now = Fixed.now();
        let user = User {
            id: UserId::new(),
            username: Username::parse(name).expect("username"),
            email: Email::parse(&format!("{name}@example.com")).expect("email"),
            password_hash: PasswordHash::new(hash),
            role,
            status: UserStatus::Active,
            locale: Locale::ZhCn,
            created_at: now,
            updated_at: now,
            last_login_at: None,
            deleted_at: None,
        };
        self.users.create(&user).await.expect("create");
        user
    }
}
