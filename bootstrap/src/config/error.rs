//! Why a configuration was refused, always naming the key.

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--config NAME` / `EXCHANGE_ENV` names an environment with no file.
    #[error(
        "unknown configuration `{name}`: {path} does not exist (expected one of default, development, test, production, or a file of yours)"
    )]
    UnknownEnvironment {
        /// The requested name.
        name: String,
        /// Where we looked.
        path: String,
    },
    /// A file or variable could not be parsed.
    #[error("invalid configuration: {0}")]
    Syntax(String),
    /// A key holds a value of the wrong type or an unknown key is present.
    #[error("config key `{key}`: {message}")]
    Key {
        /// Dotted key, e.g. `server.port`.
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },
}

impl ConfigError {
    /// A bad value at `key`.
    pub fn key(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Key { key: key.into(), message: message.into() }
    }

    /// Turns the `config` crate's error into ours, keeping the key it names.
    pub(super) fn from_config(err: config::ConfigError) -> Self {
        match err {
            config::ConfigError::Type { key: Some(key), unexpected, expected, .. } => {
                Self::key(key, format!("expected {expected}, found {unexpected}"))
            }
            config::ConfigError::NotFound(key) => Self::key(key, "is required but missing"),
            config::ConfigError::At { error, key: Some(key), .. } => match *error {
                config::ConfigError::Message(msg) => Self::from_message(Some(&key), &msg),
                other => Self::key(key, other.to_string()),
            },
            config::ConfigError::Message(msg) => Self::from_message(None, &msg),
            other => Self::Syntax(other.to_string()),
        }
    }

    /// Serde's messages name the field in backquotes: "unknown field `prot`, expected one of …",
    /// "missing field `port`", "unknown variant `xml`, expected `json` or `text`".
    fn from_message(at: Option<&str>, msg: &str) -> Self {
        let join = |field: &str| match at {
            Some(section) if !section.is_empty() => format!("{section}.{field}"),
            _ => field.to_owned(),
        };
        let quoted = msg.split('`').nth(1);
        match quoted {
            Some(field) if msg.starts_with("unknown field") => {
                let expected = msg.split_once(", expected ").map(|(_, e)| e).unwrap_or("no such key");
                Self::key(join(field), format!("is not a known key; expected {expected}"))
            }
            Some(field) if msg.starts_with("missing field") => Self::key(join(field), "is required but missing"),
            _ => match at {
                Some(key) => Self::key(key, msg),
                None => Self::Syntax(msg.to_owned()),
            },
        }
    }
}
