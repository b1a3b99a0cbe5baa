//! How to reach MongoDB: the adapter's own options, so it never depends on bootstrap's config types.

use std::time::Duration;

/// Everything [`crate::connect`] needs; mirrors the `mongodb` config section plus two timeouts.
#[derive(Clone, PartialEq, Eq)]
pub struct MongoOptions {
    /// A `mongodb://` or `mongodb+srv://` connection string (credentials may be inside; never printed).
    pub uri: String,
    /// The database holding the `messages` collection.
    pub database: String,
    /// How long an operation waits for a usable server before failing with `Unavailable`.
    pub server_selection_timeout: Duration,
    /// How long one TCP connect (and handshake) may take.
    pub connect_timeout: Duration,
}

impl MongoOptions {
    /// Options for `uri` and `database` with default timeouts.
    pub fn new(uri: impl Into<String>, database: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            database: database.into(),
            server_selection_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// The URI with any password replaced by `***`, for logs and error messages.
    pub fn redacted_uri(&self) -> String {
        let Some((scheme, rest)) = self.uri.split_once("://") else { return "***".into() };
        match rest.split_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}:***@{host}")
            }
            None => self.uri.clone(),
        }
    }
}

// Hand-written so the password in the URI never reaches a log line.
impl std::fmt::Debug for MongoOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MongoOptions")
            .field("uri", &self.redacted_uri())
            .field("database", &self.database)
            .field("server_selection_timeout", &self.server_selection_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let opts = MongoOptions::new("mongodb://app:s3cret@db.internal:27017/?authSource=admin", "exchange");
        let shown = format!("{opts:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("app:***@db.internal:27017"), "{shown}");
        let plain = MongoOptions::new("mongodb://127.0.0.1:27017/?directConnection=true", "x");
        assert_eq!(plain.redacted_uri(), plain.uri);
    }
}
