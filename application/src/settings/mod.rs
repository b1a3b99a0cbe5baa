//! Reading and changing system settings.
//!
//! Reads are served from an in-process snapshot; a write validates every change first, stores them all or
//! none, records each in the audit log and tells every instance (through the event bus) to drop its
//! snapshot. A lost bus message costs at most [`SNAPSHOT_TTL`] of staleness.

mod service;

pub use service::{
    SETTINGS_CHANGED_TOPIC, SNAPSHOT_TTL, SettingView, SettingsError, SettingsInvalidator, SettingsService,
};
