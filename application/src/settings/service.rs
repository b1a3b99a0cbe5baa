use crate::audit::AuditRecorder;
use crate::context::{Actor, RequestMeta};
use crate::error::Forbidden;
use chrono::{DateTime, Utc};
use domain::audit::{AuditAction, AuditLog, AuditTarget};
use domain::bus::{BusHandler, EventBus};
use domain::clock::Clock;
use domain::ids::UserId;
use domain::settings::{SettingKey, SettingType, SettingValue, Settings, SettingsStore, StoredSetting};
use domain::{Coded, ErrorKind, InfraError, ValidationError, Violation};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

/// Bus topic announcing that settings changed somewhere.
pub const SETTINGS_CHANGED_TOPIC: &str = "settings.changed";

/// Longest a snapshot is trusted without a reload, in case an invalidation was lost.
pub const SNAPSHOT_TTL: Duration = Duration::from_secs(30);

/// Why a settings operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The caller may not change settings.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// A key or value was refused; nothing was written.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The store failed; nothing was written.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl Coded for SettingsError {
    fn code(&self) -> &'static str {
        match self {
            Self::Forbidden(e) => e.code(),
            Self::Invalid(e) => e.code(),
            Self::Infra(e) => e.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Forbidden(e) => e.kind(),
            Self::Invalid(e) => e.kind(),
            Self::Infra(e) => e.kind(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Forbidden(e) => e.params(),
            Self::Invalid(e) => e.params(),
            Self::Infra(e) => e.params(),
        }
    }
}

/// One setting as the admin console shows it: value, default, type and last change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingView {
    /// Which setting.
    pub key: SettingKey,
    /// Its current value.
    pub value: SettingValue,
    /// The value it falls back to when reset.
    pub default: SettingValue,
    /// Type and bounds, for building the form.
    pub setting_type: SettingType,
    /// Last operator change, if any.
    pub updated_at: Option<DateTime<Utc>>,
    /// Who made it.
    pub updated_by: Option<UserId>,
}

struct Snapshot {
    settings: Arc<Settings>,
    rows: Arc<HashMap<String, StoredSetting>>,
    loaded: Instant,
}

/// Settings use cases and the process-wide snapshot.
pub struct SettingsService {
    store: Arc<dyn SettingsStore>,
    recorder: AuditRecorder,
    bus: Arc<dyn EventBus>,
    clock: Arc<dyn Clock>,
    base: Settings,
    snapshot: RwLock<Option<Snapshot>>,
}

impl SettingsService {
    /// `base` holds the defaults with config overrides applied; stored values go on top.
    pub fn new(
        store: Arc<dyn SettingsStore>,
        audit: Arc<dyn AuditLog>,
        bus: Arc<dyn EventBus>,
        clock: Arc<dyn Clock>,
        base: Settings,
    ) -> Self {
        let recorder = AuditRecorder::new(audit, clock.clone());
        Self { store, recorder, bus, clock, base, snapshot: RwLock::new(None) }
    }

    /// The current settings. Served from the snapshot while fresh; if reloading fails, a stale snapshot is
    /// served (and a warning logged) rather than failing every request while the database is down.
    pub async fn current(&self) -> Result<Arc<Settings>, InfraError> {
        self.load().await.map(|(settings, _)| settings)
    }

    async fn load(&self) -> Result<(Arc<Settings>, Arc<HashMap<String, StoredSetting>>), InfraError> {
        if let Some(s) = self.snapshot.read().expect("settings snapshot poisoned").as_ref()
            && s.loaded.elapsed() < SNAPSHOT_TTL
        {
            return Ok((s.settings.clone(), s.rows.clone()));
        }
        match self.store.load_all().await {
            Ok(rows) => {
                let rows: HashMap<String, StoredSetting> = rows.into_iter().map(|r| (r.key.clone(), r)).collect();
                let settings = Arc::new(self.overlay(&rows));
                let rows = Arc::new(rows);
                *self.snapshot.write().expect("settings snapshot poisoned") =
                    Some(Snapshot { settings: settings.clone(), rows: rows.clone(), loaded: Instant::now() });
                Ok((settings, rows))
            }
            Err(err) => match self.snapshot.read().expect("settings snapshot poisoned").as_ref() {
                Some(stale) => {
                    tracing::warn!(error = %err, "settings reload failed; serving the previous snapshot");
                    Ok((stale.settings.clone(), stale.rows.clone()))
                }
                None => Err(err),
            },
        }
    }

    fn overlay(&self, rows: &HashMap<String, StoredSetting>) -> Settings {
        let mut settings = self.base.clone();
        for row in rows.values() {
            let Ok(key) = row.key.parse::<SettingKey>() else { continue };
            match key.parse(&row.value) {
                Ok(value) => settings.set(key, value),
                Err(err) => {
                    tracing::warn!(key = %row.key, error = %err, "ignoring stored setting that no longer validates")
                }
            }
        }
        settings
    }

    /// Drops the snapshot so the next read reloads; called on `settings.changed` events.
    pub fn invalidate(&self) {
        *self.snapshot.write().expect("settings snapshot poisoned") = None;
    }

    /// Every setting with its value, default, type and last change, for the admin console.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<SettingView>, SettingsError> {
        require_admin(actor)?;
        let (settings, rows) = self.load().await?;
        Ok(SettingKey::ALL
            .iter()
            .map(|key| {
                let row = rows.get(key.as_str());
                SettingView {
                    key: *key,
                    value: settings.get(*key).clone(),
                    default: self.base.get(*key).clone(),
                    setting_type: key.setting_type(),
                    updated_at: row.map(|r| r.updated_at),
                    updated_by: row.and_then(|r| r.updated_by),
                }
            })
            .collect())
    }

    /// Validates every change, then stores them all or none, audits each and tells every instance.
    #[tracing::instrument(skip(self, changes, meta), fields(actor = %actor.username))]
    pub async fn update(
        &self,
        actor: &Actor,
        changes: &BTreeMap<String, Value>,
        meta: &RequestMeta,
    ) -> Result<Arc<Settings>, SettingsError> {
        require_admin(actor)?;
        if changes.is_empty() {
            return Err(ValidationError::new("settings", Violation::Required).into());
        }
        let mut parsed = Vec::with_capacity(changes.len());
        for (name, raw) in changes {
            let key = name
                .parse::<SettingKey>()
                .map_err(|e| ValidationError::new(format!("settings.{name}"), e.violation))?;
            parsed.push((key, key.parse(raw)?));
        }
        let (before, _) = self.load().await?;
        let now = self.clock.now();
        let by = (!actor.is_system()).then_some(actor.id);
        let rows: Vec<StoredSetting> = parsed
            .iter()
            .map(|(key, value)| StoredSetting {
                key: key.as_str().to_owned(),
                value: value.to_json(),
                updated_at: now,
                updated_by: by,
            })
            .collect();
        self.store.put_many(&rows).await?;
        for (key, value) in &parsed {
            self.record(
                actor,
                meta,
                AuditAction::SettingUpdate,
                *key,
                Some(before.get(*key).to_json()),
                Some(value.to_json()),
            )
            .await;
        }
        self.announce().await;
        Ok(self.current().await?)
    }

    /// Removes the operator's value so the key falls back to its default.
    #[tracing::instrument(skip(self, meta), fields(actor = %actor.username))]
    pub async fn reset(&self, actor: &Actor, key: &str, meta: &RequestMeta) -> Result<Arc<Settings>, SettingsError> {
        require_admin(actor)?;
        let key = key.parse::<SettingKey>()?;
        let (before, _) = self.load().await?;
        self.store.delete(key.as_str()).await?;
        self.record(
            actor,
            meta,
            AuditAction::SettingReset,
            key,
            Some(before.get(key).to_json()),
            Some(self.base.get(key).to_json()),
        )
        .await;
        self.announce().await;
        Ok(self.current().await?)
    }

    async fn record(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        action: AuditAction,
        key: SettingKey,
        before: Option<Value>,
        after: Option<Value>,
    ) {
        // The change itself succeeded; the recorder keeps an entry it cannot store in the error log.
        self.recorder.record(actor, meta, action, AuditTarget::Setting(key), before, after).await;
    }

    async fn announce(&self) {
        self.invalidate();
        if let Err(err) = self.bus.publish(SETTINGS_CHANGED_TOPIC, b"{}").await {
            tracing::warn!(error = %err, "could not announce the settings change; other instances refresh within 30 s");
        }
    }
}

fn require_admin(actor: &Actor) -> Result<(), Forbidden> {
    if actor.role.is_admin() { Ok(()) } else { Err(Forbidden) }
}

/// Bus handler that drops the snapshot when any instance changes settings.
pub struct SettingsInvalidator(pub Weak<SettingsService>);

impl BusHandler for SettingsInvalidator {
    fn handle(&self, _topic: &str, _payload: &[u8]) {
        if let Some(service) = self.0.upgrade() {
            service.invalidate();
        }
    }
}
