//! System settings: a closed set of typed keys that operators change at run time.
//!
//! Each [`SettingKey`] knows its type, bounds and default, so a value can only reach the store after
//! [`SettingKey::parse`] accepted it; [`Settings`] is the typed snapshot use cases read.

mod store;

pub use store::{SettingsStore, StoredSetting};

use crate::error::{ValidationError, Violation};
use crate::locale::Locale;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The type and bounds of a setting, published to the admin console so it can build its form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingType {
    /// `true` or `false`.
    Bool,
    /// A whole number within `min..=max`.
    Integer { min: i64, max: i64 },
    /// A string of `min..=max` characters, trimmed.
    Text { min: usize, max: usize },
    /// One of the supported locales.
    Locale,
}

/// A validated setting value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingValue {
    /// A boolean value.
    Bool(bool),
    /// An integer value.
    Integer(i64),
    /// A text value.
    Text(String),
    /// A locale value.
    Locale(Locale),
}

impl SettingValue {
    /// The JSON form stored and served.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Bool(b) => Value::Bool(*b),
            Self::Integer(i) => Value::from(*i),
            Self::Text(s) => Value::String(s.clone()),
            Self::Locale(l) => Value::String(l.as_str().to_owned()),
        }
    }
}

macro_rules! setting_keys {
    ($( $(#[$doc:meta])* $variant:ident = $key:literal : $ty:expr, default $default:expr; )*) => {
        /// Every setting exchange knows. Adding one here is all it takes to make it editable.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum SettingKey { $( $(#[$doc])* $variant, )* }

        impl SettingKey {
            /// Every key, in display order.
            pub const ALL: &'static [SettingKey] = &[ $( SettingKey::$variant, )* ];

            /// The dotted name used in the store, the API and the locale catalogues.
            pub fn as_str(&self) -> &'static str {
                match self { $( Self::$variant => $key, )* }
            }

            /// Type and bounds.
            pub fn setting_type(&self) -> SettingType {
                match self { $( Self::$variant => $ty, )* }
            }

            /// The value used when neither config nor an operator set one.
            pub fn default_value(&self) -> SettingValue {
                match self { $( Self::$variant => $default, )* }
            }
        }
    };
}

setting_keys! {
    /// Shown in page titles and notification e-mails.
    SiteName = "site.name": SettingType::Text { min: 1, max: 64 }, default SettingValue::Text("exchange".into());
    /// Whether `POST /auth/register` accepts new accounts.
    RegistrationOpen = "auth.registration_open": SettingType::Bool, default SettingValue::Bool(true);
    /// Locale given to new accounts and used when a request names none.
    DefaultLocale = "i18n.default_locale": SettingType::Locale, default SettingValue::Locale(Locale::ZhCn);
    /// Requests per minute per client IP on the auth routes.
    AuthPerMinute = "rate_limit.auth_per_minute": SettingType::Integer { min: 1, max: 100_000 }, default SettingValue::Integer(20);
    /// Requests per minute per client IP on the rest of the API.
    ApiPerMinuteIp = "rate_limit.api_per_minute_ip": SettingType::Integer { min: 1, max: 1_000_000 }, default SettingValue::Integer(600);
    /// Requests per minute per signed-in user on the rest of the API.
    ApiPerMinuteUser = "rate_limit.api_per_minute_user": SettingType::Integer { min: 1, max: 1_000_000 }, default SettingValue::Integer(300);
    /// Failed logins allowed per account and IP within 15 minutes before that pair is locked out.
    LoginFailures = "rate_limit.login_failures": SettingType::Integer { min: 1, max: 1_000 }, default SettingValue::Integer(5);
    /// Most members a group may have.
    GroupMemberLimit = "chat.group_member_limit": SettingType::Integer { min: 2, max: 100_000 }, default SettingValue::Integer(2_000);
    /// Days a soft-deleted user is kept before the purge task removes it for good.
    UserPurgeAfterDays = "users.purge_after_days": SettingType::Integer { min: 1, max: 3_650 }, default SettingValue::Integer(30);
}

impl fmt::Display for SettingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SettingKey {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s).ok_or_else(|| {
            let allowed = Self::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
            ValidationError::new("key", Violation::NotOneOf { allowed })
        })
    }
}

impl SettingKey {
    /// Checks a JSON value against this key's type and bounds. Errors name the field `settings.<key>`.
    pub fn parse(&self, value: &Value) -> Result<SettingValue, ValidationError> {
        let field = || format!("settings.{}", self.as_str());
        match self.setting_type() {
            SettingType::Bool => value
                .as_bool()
                .map(SettingValue::Bool)
                .ok_or_else(|| ValidationError::new(field(), Violation::WrongType { expected: "boolean" })),
            SettingType::Integer { min, max } => {
                let n = value
                    .as_i64()
                    .ok_or_else(|| ValidationError::new(field(), Violation::WrongType { expected: "integer" }))?;
                if n < min || n > max {
                    return Err(ValidationError::new(field(), Violation::OutOfRange { min, max }));
                }
                Ok(SettingValue::Integer(n))
            }
            SettingType::Text { min, max } => {
                let s = value
                    .as_str()
                    .ok_or_else(|| ValidationError::new(field(), Violation::WrongType { expected: "string" }))?
                    .trim();
                let len = s.chars().count();
                if len < min {
                    return Err(ValidationError::new(field(), Violation::TooShort { min }));
                }
                if len > max {
                    return Err(ValidationError::new(field(), Violation::TooLong { max }));
                }
                if s.chars().any(char::is_control) {
                    return Err(ValidationError::new(field(), Violation::InvalidCharacters));
                }
                Ok(SettingValue::Text(s.to_owned()))
            }
            SettingType::Locale => {
                let s = value
                    .as_str()
                    .ok_or_else(|| ValidationError::new(field(), Violation::WrongType { expected: "string" }))?;
                match Locale::ALL.iter().find(|l| l.as_str() == s) {
                    Some(l) => Ok(SettingValue::Locale(*l)),
                    None => Err(ValidationError::new(field(), Violation::NotOneOf { allowed: "zh-CN, en".into() })),
                }
            }
        }
    }
}

/// A complete, typed snapshot of the settings: defaults, then config overrides, then stored values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    values: BTreeMap<SettingKey, SettingValue>,
}

impl Default for Settings {
    fn default() -> Self {
        Self { values: SettingKey::ALL.iter().map(|k| (*k, k.default_value())).collect() }
    }
}

impl Settings {
    /// Replaces one value. The value must come from [`SettingKey::parse`] for the same key.
    pub fn set(&mut self, key: SettingKey, value: SettingValue) {
        self.values.insert(key, value);
    }

    /// The current value of `key`.
    pub fn get(&self, key: SettingKey) -> &SettingValue {
        // Every key is present: `Default` fills them all and `set` only replaces.
        &self.values[&key]
    }

    /// Every key with its value, in display order.
    pub fn iter(&self) -> impl Iterator<Item = (SettingKey, &SettingValue)> {
        self.values.iter().map(|(k, v)| (*k, v))
    }

    fn int(&self, key: SettingKey) -> i64 {
        match self.get(key) {
            SettingValue::Integer(i) => *i,
            other => unreachable!("{key} holds {other:?}, not an integer"),
        }
    }

    /// Site name.
    pub fn site_name(&self) -> &str {
        match self.get(SettingKey::SiteName) {
            SettingValue::Text(s) => s,
            other => unreachable!("site.name holds {other:?}"),
        }
    }

    /// Whether self-registration is open.
    pub fn registration_open(&self) -> bool {
        matches!(self.get(SettingKey::RegistrationOpen), SettingValue::Bool(true))
    }

    /// Locale for new users and requests that name none.
    pub fn default_locale(&self) -> Locale {
        match self.get(SettingKey::DefaultLocale) {
            SettingValue::Locale(l) => *l,
            other => unreachable!("i18n.default_locale holds {other:?}"),
        }
    }

    /// Per-IP quota on auth routes, per minute.
    pub fn auth_per_minute(&self) -> u32 {
        self.int(SettingKey::AuthPerMinute) as u32
    }

    /// Per-IP quota on the rest of the API, per minute.
    pub fn api_per_minute_ip(&self) -> u32 {
        self.int(SettingKey::ApiPerMinuteIp) as u32
    }

    /// Per-user quota on the rest of the API, per minute.
    pub fn api_per_minute_user(&self) -> u32 {
        self.int(SettingKey::ApiPerMinuteUser) as u32
    }

    /// Failed logins allowed per account and IP in 15 minutes.
    pub fn login_failures(&self) -> u32 {
        self.int(SettingKey::LoginFailures) as u32
    }

    /// Largest group size.
    pub fn group_member_limit(&self) -> u32 {
        self.int(SettingKey::GroupMemberLimit) as u32
    }

    /// Days before soft-deleted users are purged.
    pub fn user_purge_after_days(&self) -> u32 {
        self.int(SettingKey::UserPurgeAfterDays) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_parse_as_their_own_type() {
        for key in SettingKey::ALL {
            let default = key.default_value();
            assert_eq!(key.parse(&default.to_json()).as_ref(), Ok(&default), "{key}");
        }
    }

    #[test]
    fn values_are_checked_against_type_and_bounds() {
        let err = SettingKey::AuthPerMinute.parse(&json!(0)).unwrap_err();
        assert_eq!(err.field, "settings.rate_limit.auth_per_minute");
        assert_eq!(err.violation, Violation::OutOfRange { min: 1, max: 100_000 });
        assert!(matches!(
            SettingKey::RegistrationOpen.parse(&json!("yes")).unwrap_err().violation,
            Violation::WrongType { .. }
        ));
        assert!(matches!(SettingKey::SiteName.parse(&json!("  ")).unwrap_err().violation, Violation::TooShort { .. }));
        assert!(matches!(
            SettingKey::DefaultLocale.parse(&json!("fr")).unwrap_err().violation,
            Violation::NotOneOf { .. }
        ));
        assert_eq!(SettingKey::SiteName.parse(&json!(" 交易所 ")), Ok(SettingValue::Text("交易所".into())));
    }

    #[test]
    fn keys_round_trip_through_their_names() {
        for key in SettingKey::ALL {
            assert_eq!(key.as_str().parse::<SettingKey>().unwrap(), *key);
        }
        assert!("nope".parse::<SettingKey>().is_err());
    }
}
