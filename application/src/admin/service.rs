use super::{AdminError, AdminStats};
use crate::audit::AuditRecorder;
use crate::auth::Principal;
use crate::auth::ProfileCache;
use crate::context::{Actor, RequestMeta};
use crate::error::Forbidden;
use chrono::{Duration, TimeZone, Utc};
use domain::audit::{AuditAction, AuditEntry, AuditLog, AuditQuery, AuditTarget};
use domain::clock::Clock;
use domain::ids::UserId;
use domain::page::Page;
use domain::session::SessionStore;
use domain::settings::Settings;
use domain::user::{
    Email, Password, PasswordHasher, Role, UniqueField, User, UserQuery, UserRepository, UserStatus, UserStoreError,
    Username,
};
use serde_json::{Value, json};
use std::sync::Arc;

/// What an admin fills in to create an account.
#[derive(Clone, Debug)]
pub struct NewUserInput {
    /// Username.
    pub username: String,
    /// E-mail.
    pub email: String,
    /// Initial password (must meet the policy).
    pub password: String,
    /// Role; `admin` and `super_admin` need a super admin.
    pub role: Role,
}

/// What `init-admin` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitAdminOutcome {
    /// A new super admin was created.
    Created(User),
    /// That super admin already existed; nothing changed.
    AlreadyExists(User),
}

/// User management, audit log and statistics for admins.
pub struct AdminService {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionStore>,
    hasher: Arc<dyn PasswordHasher>,
    audit: Arc<dyn AuditLog>,
    recorder: AuditRecorder,
    clock: Arc<dyn Clock>,
    /// The profiles `GET /users/me` shows, told of every change made here.
    profiles: Option<Arc<ProfileCache>>,
}

/// The audit view of a user: everything but the password hash.
pub fn user_snapshot(user: &User) -> Value {
    json!({
        "id": user.id.to_string(),
        "username": user.username.as_str(),
        "email": user.email.as_str(),
        "role": user.role.as_str(),
        "status": user.status.as_str(),
        "locale": user.locale.as_str(),
        "deleted_at": user.deleted_at.map(|t| t.to_rfc3339()),
    })
}

/// Admins manage regular users; only super admins manage admins and super admins.
fn may_manage(actor: &Actor, target: &User) -> bool {
    actor.role == Role::SuperAdmin || (actor.role == Role::Admin && target.role == Role::User)
}

impl AdminService {
    /// Wires the service to its ports.
    pub fn new(
        users: Arc<dyn UserRepository>,
        sessions: Arc<dyn SessionStore>,
        hasher: Arc<dyn PasswordHasher>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let recorder = AuditRecorder::new(audit.clone(), clock.clone());
        Self { users, sessions, hasher, audit, recorder, clock, profiles: None }
    }

    /// Tells `profiles` (shared with `AuthService`) of every change made here to a user.
    pub fn with_profile_cache(mut self, profiles: Arc<ProfileCache>) -> Self {
        self.profiles = Some(profiles);
        self
    }

    /// Resolves the caller with its current role; non-admins are refused.
    pub async fn actor(&self, principal: &Principal) -> Result<Actor, AdminError> {
        let user = self.users.by_id(principal.user_id).await?.filter(User::can_sign_in).ok_or(Forbidden)?;
        if !user.role.is_admin() {
            return Err(Forbidden.into());
        }
        Ok(Actor { id: user.id, username: user.username.as_str().to_owned(), role: user.role })
    }

    fn require_admin(actor: &Actor) -> Result<(), AdminError> {
        if actor.role.is_admin() { Ok(()) } else { Err(Forbidden.into()) }
    }

    async fn target(&self, id: UserId) -> Result<User, AdminError> {
        self.users.by_id_any(id).await?.ok_or(AdminError::NotFound)
    }

    async fn record(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        action: AuditAction,
        target: &User,
        before: Option<Value>,
        after: Option<Value>,
    ) {
        self.recorder.record(actor, meta, action, AuditTarget::User(target.id), before, after).await;
    }

    /// Creates the first super admin (the `exchange init-admin` command). Idempotent: if an active super
    /// admin with this username and e-mail exists, nothing changes. Any other account holding the username
    /// or e-mail is a conflict, so a typo never silently promotes someone.
    pub async fn init_super_admin(
        &self,
        username: &str,
        email: &str,
        password: &str,
        settings: &Settings,
    ) -> Result<InitAdminOutcome, AdminError> {
        let username = Username::parse(username)?;
        let email = Email::parse(email)?;
        for login in [username.key(), email.as_str().to_owned()] {
            if let Some(existing) = self.users.by_login(&login).await? {
                if existing.is_active_super_admin()
                    && existing.username.key() == username.key()
                    && existing.email == email
                {
                    return Ok(InitAdminOutcome::AlreadyExists(existing));
                }
                let field =
                    if existing.username.key() == username.key() { UniqueField::Username } else { UniqueField::Email };
                return Err(UserStoreError::Duplicate(field).into());
            }
        }
        let input = NewUserInput {
            username: username.as_str().to_owned(),
            email: email.as_str().to_owned(),
            password: password.to_owned(),
            role: Role::SuperAdmin,
        };
        let user = self.create_user(&Actor::system(), input, settings, &RequestMeta::default()).await?;
        Ok(InitAdminOutcome::Created(user))
    }

    /// One page of users matching the query.
    pub async fn list_users(&self, actor: &Actor, query: &UserQuery) -> Result<Page<User>, AdminError> {
        Self::require_admin(actor)?;
        // Names are stored in NFC, so the needle is too: either spelling of a look-alike name finds it.
        let mut query = query.clone();
        query.search = query.search.map(|needle| Username::normalize(&needle));
        Ok(self.users.list(&query).await?)
    }

    /// One user, deleted or not.
    pub async fn get_user(&self, actor: &Actor, id: UserId) -> Result<User, AdminError> {
        Self::require_admin(actor)?;
        self.target(id).await
    }

    /// Creates an account on someone's behalf.
    #[tracing::instrument(skip(self, input, meta), fields(actor = %actor.username, username = %input.username))]
    pub async fn create_user(
        &self,
        actor: &Actor,
        input: NewUserInput,
        settings: &Settings,
        meta: &RequestMeta,
    ) -> Result<User, AdminError> {
        Self::require_admin(actor)?;
        if input.role.is_admin() && actor.role != Role::SuperAdmin {
            return Err(AdminError::SuperAdminRequired);
        }
        let username = Username::parse(&input.username)?;
        let email = Email::parse(&input.email)?;
        let password = Password::parse(&input.password, &[username.as_str(), email.as_str()])?;
        let now = self.clock.now();
        let user = User {
            id: UserId::new(),
            username,
            email,
            password_hash: self.hasher.hash(&password).await?,
            role: input.role,
            status: UserStatus::Active,
            locale: settings.default_locale(),
            created_at: now,
            updated_at: now,
            last_login_at: None,
            deleted_at: None,
        };
        self.users.create(&user).await?;
        self.record(actor, meta, AuditAction::UserCreate, &user, None, Some(user_snapshot(&user))).await;
        Ok(user)
    }

    /// Applies `change` to a user the actor may manage, stores it, audits it and revokes sessions if asked.
    async fn modify(
        &self,
        actor: &Actor,
        id: UserId,
        action: AuditAction,
        meta: &RequestMeta,
        revoke_sessions: bool,
        change: impl FnOnce(&mut User) -> Result<(), AdminError>,
    ) -> Result<User, AdminError> {
        Self::require_admin(actor)?;
        let before = self.target(id).await?;
        if !may_manage(actor, &before) {
            return Err(AdminError::SuperAdminRequired);
        }
        let mut after = before.clone();
        change(&mut after)?;
        after.updated_at = self.clock.now();
        let written = self.users.update(&after).await;
        if let Some(profiles) = &self.profiles {
            profiles.changed(after.id).await;
        }
        written?;
        if revoke_sessions {
            let revoked = self.sessions.revoke_all_for_user(after.id, None, self.clock.now()).await?;
            tracing::info!(user_id = %after.id, revoked, "sessions revoked");
        }
        self.record(actor, meta, action, &after, Some(user_snapshot(&before)), Some(user_snapshot(&after))).await;
        Ok(after)
    }

    /// Changes a role. Granting or taking away admin rights needs a super admin; the last super admin
    /// cannot be demoted (the store enforces it atomically).
    pub async fn set_role(
        &self,
        actor: &Actor,
        id: UserId,
        role: Role,
        meta: &RequestMeta,
    ) -> Result<User, AdminError> {
        if role.is_admin() && actor.role != Role::SuperAdmin {
            return Err(AdminError::SuperAdminRequired);
        }
        self.modify(actor, id, AuditAction::UserRole, meta, false, |user| {
            user.role = role;
            Ok(())
        })
        .await
    }

    /// Disables or re-enables an account; disabling signs it out everywhere at once.
    pub async fn set_status(
        &self,
        actor: &Actor,
        id: UserId,
        status: UserStatus,
        meta: &RequestMeta,
    ) -> Result<User, AdminError> {
        if id == actor.id && status == UserStatus::Disabled {
            return Err(AdminError::SelfTarget);
        }
        let action = match status {
            UserStatus::Active => AuditAction::UserEnable,
            UserStatus::Disabled => AuditAction::UserDisable,
        };
        self.modify(actor, id, action, meta, status == UserStatus::Disabled, |user| {
            user.status = status;
            Ok(())
        })
        .await
    }

    /// Soft-deletes an account: it vanishes from ordinary queries, keeps its names reserved, and is signed
    /// out everywhere.
    pub async fn delete(&self, actor: &Actor, id: UserId, meta: &RequestMeta) -> Result<User, AdminError> {
        if id == actor.id {
            return Err(AdminError::SelfTarget);
        }
        let now = self.clock.now();
        self.modify(actor, id, AuditAction::UserDelete, meta, true, |user| {
            if user.deleted_at.is_some() {
                return Err(AdminError::AlreadyDeleted);
            }
            user.deleted_at = Some(now);
            Ok(())
        })
        .await
    }

    /// Brings a soft-deleted account back.
    pub async fn restore(&self, actor: &Actor, id: UserId, meta: &RequestMeta) -> Result<User, AdminError> {
        self.modify(actor, id, AuditAction::UserRestore, meta, false, |user| {
            if user.deleted_at.is_none() {
                return Err(AdminError::NotDeleted);
            }
            user.deleted_at = None;
            Ok(())
        })
        .await
    }

    /// Sets a new password (policy applies) and signs the user out everywhere. Permission is checked
    /// before the password, so a caller who may not manage the target learns nothing from the policy and
    /// never costs a hash.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        id: UserId,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<User, AdminError> {
        Self::require_admin(actor)?;
        let target = self.target(id).await?;
        if !may_manage(actor, &target) {
            return Err(AdminError::SuperAdminRequired);
        }
        let password = Password::parse(password, &[target.username.as_str(), target.email.as_str()])?;
        let hash = self.hasher.hash(&password).await?;
        self.modify(actor, id, AuditAction::UserResetPassword, meta, true, |user| {
            user.password_hash = hash;
            Ok(())
        })
        .await
    }

    /// One page of the audit log.
    pub async fn audit_log(&self, actor: &Actor, query: &AuditQuery) -> Result<Page<AuditEntry>, AdminError> {
        Self::require_admin(actor)?;
        Ok(self.audit.list(query).await?)
    }

    /// Dashboard numbers: users created today (UTC) and active in the last 24 hours.
    pub async fn stats(&self, actor: &Actor) -> Result<AdminStats, AdminError> {
        Self::require_admin(actor)?;
        let now = self.clock.now();
        let today = Utc.from_utc_datetime(&now.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default());
        let users = self.users.stats(today, now - Duration::hours(24)).await?;
        Ok(AdminStats { users })
    }
}
