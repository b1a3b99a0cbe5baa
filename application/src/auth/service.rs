use super::{AuthError, Principal, ProfileCache};
use crate::context::RequestMeta;
use crate::settings::SettingsService;
use chrono::Duration as ChronoDuration;
use domain::clock::Clock;
use domain::ids::{SessionId, UserId};
use domain::locale::Locale;
use domain::rate_limit::{Quota, RateDecision, RateLimiter};
use domain::session::{RefreshTokens, Rotation, Session, SessionStore};
use domain::token::{AccessClaims, TokenError, TokenIssuer};
use domain::user::{
    Email, Password, PasswordHash, PasswordHasher, PasswordVerification, Role, User, UserRepository, UserStatus,
    Username,
};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Token lifetimes and switches from the `auth` and `rate_limit` config sections.
#[derive(Clone, Debug)]
pub struct AuthOptions {
    /// Access token lifetime.
    pub access_ttl: Duration,
    /// Refresh token lifetime, renewed on every refresh.
    pub refresh_ttl: Duration,
    /// Whether failed logins lock an account+IP pair out.
    pub login_throttle: bool,
}

/// What `POST /auth/register` carries, unvalidated.
#[derive(Clone, Debug)]
pub struct RegisterInput {
    /// Desired username.
    pub username: String,
    /// E-mail address.
    pub email: String,
    /// Password in clear.
    pub password: String,
}

/// What `POST /auth/login` carries.
#[derive(Clone, Debug)]
pub struct LoginInput {
    /// Username (any case) or e-mail.
    pub login: String,
    /// Password in clear.
    pub password: String,
}

/// Changes a user may make to their own profile; `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct ProfileChanges {
    /// New e-mail.
    pub email: Option<String>,
    /// New interface language.
    pub locale: Option<String>,
}

/// The OAuth2-shaped answer to login and refresh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenPair {
    /// PASETO v4 access token.
    pub access_token: String,
    /// Opaque refresh token; single use.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The session both belong to.
    pub session_id: SessionId,
}

/// Registration, login, refresh, logout, authentication and the caller's own account.
pub struct AuthService {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionStore>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenIssuer>,
    refresh: Arc<dyn RefreshTokens>,
    limiter: Arc<dyn RateLimiter>,
    settings: Arc<SettingsService>,
    clock: Arc<dyn Clock>,
    options: AuthOptions,
    /// A hash verified when the login names no account, so that case takes as long as a wrong password.
    decoy: OnceLock<PasswordHash>,
    /// Profiles for [`Self::me`], when the composition root gives one (see [`ProfileCache`]).
    profiles: Option<Arc<ProfileCache>>,
}

/// Window of the per-account, per-IP failed-login counter.
const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The driven ports sign-up, sign-in and sessions work on.
#[derive(Clone)]
pub struct AuthPorts {
    /// Accounts.
    pub users: Arc<dyn UserRepository>,
    /// Sessions and refresh-token families.
    pub sessions: Arc<dyn SessionStore>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Access tokens.
    pub tokens: Arc<dyn TokenIssuer>,
    /// Refresh tokens.
    pub refresh: Arc<dyn RefreshTokens>,
    /// The failed-login counter.
    pub limiter: Arc<dyn RateLimiter>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

impl AuthService {
    /// Wires the service to its ports, the settings and the options.
    pub fn new(ports: AuthPorts, settings: Arc<SettingsService>, options: AuthOptions) -> Self {
        let AuthPorts { users, sessions, hasher, tokens, refresh, limiter, clock } = ports;
        Self {
            users,
            sessions,
            hasher,
            tokens,
            refresh,
            limiter,
            settings,
            clock,
            options,
            decoy: OnceLock::new(),
            profiles: None,
        }
    }

    /// Serves [`Self::me`] from `profiles` and tells it of every change this service makes to a user.
    pub fn with_profile_cache(mut self, profiles: Arc<ProfileCache>) -> Self {
        self.profiles = Some(profiles);
        self
    }

    /// Stores `user` and drops its cached profile here and on every instance.
    async fn write_user(&self, user: &User) -> Result<(), domain::user::UserStoreError> {
        let written = self.users.update(user).await;
        if let Some(profiles) = &self.profiles {
            profiles.changed(user.id).await;
        }
        written
    }

    /// Creates an account with role `user`, if registration is open.
    #[tracing::instrument(skip(self, input, _meta), fields(username = %input.username))]
    pub async fn register(&self, input: RegisterInput, _meta: &RequestMeta) -> Result<User, AuthError> {
        let settings = self.settings.current().await?;
        if !settings.registration_open() {
            return Err(AuthError::RegistrationClosed);
        }
        let username = Username::parse(&input.username)?;
        let email = Email::parse(&input.email)?;
        let password = Password::parse(&input.password, &[username.as_str(), email.as_str()])?;
        let hash = self.hasher.hash(&password).await?;
        let now = self.clock.now();
        let user = User {
            id: UserId::new(),
            username,
            email,
            password_hash: hash,
            role: Role::User,
            status: UserStatus::Active,
            locale: settings.default_locale(),
            created_at: now,
            updated_at: now,
            last_login_at: None,
            deleted_at: None,
        };
        self.users.create(&user).await?;
        tracing::info!(user_id = %user.id, "user registered");
        Ok(user)
    }

    /// Failed-login counter of a known account from one IP: every spelling of the login (username in any
    /// case, e-mail) shares it, so switching spellings buys no extra guesses.
    fn account_throttle_key(user: UserId, meta: &RequestMeta) -> String {
        format!("login:user:{user}:{}", meta.ip.as_deref().unwrap_or("-"))
    }

    /// Failed-login counter of a login naming no account, keyed on the normalised login as typed, so an
    /// unknown account is throttled (and answers) exactly like a known one.
    fn unknown_throttle_key(login: &str, meta: &RequestMeta) -> String {
        format!("login:name:{login}:{}", meta.ip.as_deref().unwrap_or("-"))
    }

    async fn check_locked(&self, key: &str, quota: Quota) -> Result<(), AuthError> {
        if self.options.login_throttle
            && let RateDecision::Limited { retry_after } = self.limiter.peek(key, quota).await?
        {
            return Err(AuthError::LoginLocked { retry_after });
        }
        Ok(())
    }

    async fn throttle_quota(&self) -> Result<Quota, AuthError> {
        let limit = self.settings.current().await?.login_failures();
        Ok(Quota { limit, period: LOGIN_WINDOW })
    }

    async fn record_failure(&self, key: &str, quota: Quota) -> Result<(), AuthError> {
        if self.options.login_throttle {
            self.limiter.acquire(key, quota).await?;
        }
        Ok(())
    }

    async fn decoy_hash(&self) -> Result<PasswordHash, AuthError> {
        if let Some(hash) = self.decoy.get() {
            return Ok(hash.clone());
        }
        let random = format!("decoy-{}-{}", UserId::new(), UserId::new());
        let hash = self.hasher.hash(&Password::parse(&random, &[])?).await?;
        Ok(self.decoy.get_or_init(|| hash).clone())
    }

    /// Signs in with username or e-mail. Failed attempts count against the account+IP pair; past the
    /// `rate_limit.login_failures` setting within 15 minutes the pair is locked out until the window frees.
    #[tracing::instrument(skip(self, input, meta), fields(login = %input.login))]
    pub async fn login(&self, input: LoginInput, meta: &RequestMeta) -> Result<TokenPair, AuthError> {
        let quota = self.throttle_quota().await?;
        // Usernames match case-insensitively and in NFC, and e-mails are stored lower-cased, so the login is
        // normalised and lower-cased.
        let login = Username::normalize(input.login.trim()).to_lowercase();
        let Some(user) = self.users.by_login(&login).await? else {
            let key = Self::unknown_throttle_key(&login, meta);
            self.check_locked(&key, quota).await?;
            let decoy = self.decoy_hash().await?;
            let _ = self.hasher.verify(&input.password, &decoy).await?;
            self.record_failure(&key, quota).await?;
            return Err(AuthError::InvalidCredentials);
        };
        let key = Self::account_throttle_key(user.id, meta);
        self.check_locked(&key, quota).await?;
        let needs_rehash = match self.hasher.verify(&input.password, &user.password_hash).await? {
            PasswordVerification::Invalid => {
                self.record_failure(&key, quota).await?;
                tracing::info!(user_id = %user.id, "login failed: wrong password");
                return Err(AuthError::InvalidCredentials);
            }
            PasswordVerification::Valid { needs_rehash } => needs_rehash,
        };
        if user.status != UserStatus::Active {
            return Err(AuthError::AccountDisabled);
        }
        if self.options.login_throttle {
            self.limiter.reset(&key).await?;
        }
        let now = self.clock.now();
        let mut updated = user.clone();
        updated.last_login_at = Some(now);
        if needs_rehash {
            // The candidate verified, so it is the user's password; it may predate today's policy, so it
            // is rehashed as it is rather than re-validated.
            match self.rehash(&input.password).await {
                Ok(hash) => updated.password_hash = hash,
                Err(err) => tracing::warn!(user_id = %user.id, error = %err, "rehash failed; keeping the old hash"),
            }
        }
        if let Err(err) = self.write_user(&updated).await {
            tracing::warn!(user_id = %user.id, error = %err, "could not record the login time");
        }
        let pair = self.open_session(&updated, meta).await?;
        tracing::info!(user_id = %user.id, session_id = %pair.session_id, rehashed = needs_rehash, "user signed in");
        Ok(pair)
    }

    async fn rehash(&self, verified: &str) -> Result<PasswordHash, AuthError> {
        Ok(self.hasher.hash(&Password::from_verified(verified)).await?)
    }

    async fn open_session(&self, user: &User, meta: &RequestMeta) -> Result<TokenPair, AuthError> {
        let now = self.clock.now();
        let session = Session {
            id: SessionId::new(),
            user_id: user.id,
            created_at: now,
            last_used_at: now,
            expires_at: now + chrono_duration(self.options.refresh_ttl),
            revoked_at: None,
            generation: 0,
            user_agent: meta.user_agent.clone(),
            ip: meta.ip.clone(),
        };
        let (refresh_token, hash) = self.refresh.mint();
        self.sessions.create(&session, &hash).await?;
        let access_token = self.issue_access(user.id, user.role, session.id)?;
        Ok(TokenPair {
            access_token,
            refresh_token,
            expires_in: self.options.access_ttl.as_secs(),
            session_id: session.id,
        })
    }

    fn issue_access(&self, user: UserId, role: Role, session: SessionId) -> Result<String, AuthError> {
        let now = self.clock.now();
        let claims = AccessClaims {
            sub: user,
            role,
            sid: session,
            jti: uuid::Uuid::now_v7(),
            iat: now,
            nbf: now,
            exp: now + chrono_duration(self.options.access_ttl),
        };
        Ok(self.tokens.issue(&claims)?)
    }

    /// Swaps a refresh token for a new pair. A token used twice revokes its whole session.
    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AuthError> {
        let presented = self.refresh.hash(refresh_token.trim()).ok_or(AuthError::RefreshInvalid)?;
        let (next_token, next_hash) = self.refresh.mint();
        let now = self.clock.now();
        let expiry = now + chrono_duration(self.options.refresh_ttl);
        match self.sessions.rotate(&presented, &next_hash, now, expiry).await? {
            Rotation::Rotated(session) => {
                let user = self.users.by_id(session.user_id).await?;
                let Some(user) = user.filter(User::can_sign_in) else {
                    self.sessions.revoke(session.id, now).await?;
                    return Err(AuthError::RefreshInvalid);
                };
                let access_token = self.issue_access(user.id, user.role, session.id)?;
                Ok(TokenPair {
                    access_token,
                    refresh_token: next_token,
                    expires_in: self.options.access_ttl.as_secs(),
                    session_id: session.id,
                })
            }
            Rotation::Reused(session) => {
                tracing::warn!(session_id = %session.id, user_id = %session.user_id, "refresh token reused; session revoked");
                Err(AuthError::RefreshReused)
            }
            Rotation::Revoked | Rotation::Expired | Rotation::Unknown => Err(AuthError::RefreshInvalid),
        }
    }

    /// Verifies an access token and that its session is still live: a revoked session's tokens stop
    /// working at the next request, not at expiry.
    pub async fn authenticate(&self, access_token: &str) -> Result<Principal, AuthError> {
        Ok(self.authenticate_with_expiry(access_token).await?.0)
    }

    /// [`Self::authenticate`], also returning when the token expires: long-lived connections (WebSocket)
    /// close at that instant instead of at their next request.
    pub async fn authenticate_with_expiry(
        &self,
        access_token: &str,
    ) -> Result<(Principal, chrono::DateTime<chrono::Utc>), AuthError> {
        let now = self.clock.now();
        let claims = self.tokens.verify(access_token, now)?;
        match self.sessions.get(claims.sid).await? {
            Some(session) if session.user_id == claims.sub && session.is_live(now) => {
                Ok((Principal { user_id: claims.sub, role: claims.role, session_id: claims.sid }, claims.exp))
            }
            Some(session) if session.user_id != claims.sub => Err(TokenError::Invalid.into()),
            _ => Err(TokenError::Revoked.into()),
        }
    }

    /// Ends the caller's session; its refresh and access tokens stop working.
    pub async fn logout(&self, principal: &Principal) -> Result<(), AuthError> {
        self.sessions.revoke(principal.session_id, self.clock.now()).await?;
        Ok(())
    }

    /// The caller's account, from the profile cache when there is one (the session was checked already).
    pub async fn me(&self, principal: &Principal) -> Result<User, AuthError> {
        let Some(profiles) = &self.profiles else { return self.fresh(principal).await };
        match profiles.get(principal.user_id) {
            Ok(user) => Ok(user),
            Err(ticket) => {
                let user = self.fresh(principal).await?;
                profiles.store(ticket, &user);
                Ok(user)
            }
        }
    }

    /// The caller's account from the store: what every change starts from.
    async fn fresh(&self, principal: &Principal) -> Result<User, AuthError> {
        self.users.by_id(principal.user_id).await?.ok_or(AuthError::Token(TokenError::Revoked))
    }

    /// Changes the caller's e-mail and/or locale.
    pub async fn update_me(&self, principal: &Principal, changes: ProfileChanges) -> Result<User, AuthError> {
        let mut user = self.fresh(principal).await?;
        if let Some(email) = changes.email {
            user.email = Email::parse(&email)?;
        }
        if let Some(locale) = changes.locale {
            user.locale = locale.parse::<Locale>()?;
        }
        user.updated_at = self.clock.now();
        self.write_user(&user).await?;
        Ok(user)
    }

    /// Changes the caller's password after checking the current one, and signs out every other session.
    pub async fn change_password(&self, principal: &Principal, current: &str, new: &str) -> Result<(), AuthError> {
        let mut user = self.fresh(principal).await?;
        let password = Password::parse(new, &[user.username.as_str(), user.email.as_str()])?;
        if self.hasher.verify(current, &user.password_hash).await? == PasswordVerification::Invalid {
            return Err(AuthError::WrongPassword);
        }
        user.password_hash = self.hasher.hash(&password).await?;
        user.updated_at = self.clock.now();
        self.write_user(&user).await?;
        let revoked = self.sessions.revoke_all_for_user(user.id, Some(principal.session_id), self.clock.now()).await?;
        tracing::info!(user_id = %user.id, revoked, "password changed; other sessions revoked");
        Ok(())
    }
}

fn chrono_duration(d: Duration) -> ChronoDuration {
    ChronoDuration::from_std(d).unwrap_or_else(|_| ChronoDuration::days(365))
}
