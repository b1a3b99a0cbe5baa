//! Test support: a fresh database per test on the server named by `MONGODB_URI`, dropped when the last value
//! using it is dropped (panics included). Database names are `xt_<unixsecs>_<random>`, so tests run in
//! parallel on one shared server and never see each other's documents.
//!
//! Whether the tests run at all is decided when they are built (see `build.rs`): without `MONGODB_URI` they
//! are marked ignored, so test runners list them as skipped. A test that does run without a reachable
//! server fails with a message saying what to set, never a silent pass. Only behind the `testing` feature.

use crate::connect::{MongoBackend, connect};
use crate::options::MongoOptions;
use std::sync::Arc;

use adapter_support::Cleanup;
pub use adapter_support::Scoped;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Environment variable naming the test server, e.g. `mongodb://127.0.0.1:27017/?directConnection=true`.
pub const URI_ENV: &str = "MONGODB_URI";

/// The test server's URI; panics (failing the test) when it is not set.
pub fn uri() -> String {
    std::env::var(URI_ENV).ok().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| {
        panic!("{URI_ENV} is not set: these tests need a MongoDB-compatible server (see .ci/services)")
    })
}

/// A database name no other test uses.
pub fn fresh_name() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format!("xt_{secs}_{}", &uuid::Uuid::now_v7().simple().to_string()[16..])
}

/// Options for a fresh database on the test server, with short timeouts so failures show quickly.
pub fn options() -> MongoOptions {
    let mut options = MongoOptions::new(uri(), fresh_name());
    options.server_selection_timeout = Duration::from_secs(5);
    options.connect_timeout = Duration::from_secs(3);
    options
}

/// One test's database: a connected backend (indexes created), dropped afterwards.
pub struct TestMongo {
    backend: MongoBackend,
    options: MongoOptions,
    cleanup: Arc<Cleanup>,
}

impl TestMongo {
    /// Connects to a fresh database; fails the test if the server is unreachable.
    pub async fn start() -> Self {
        let options = options();
        let backend = connect(&options).await.unwrap_or_else(|e| {
            panic!("these tests need MongoDB at {}: {e} ({:?})", options.redacted_uri(), std::error::Error::source(&e))
        });
        let cleanup = {
            let options = options.clone();
            Cleanup::new(format!("test database {:?}", options.database), move || async move {
                let backend = crate::connect::connect_lazy(&options).await.map_err(|e| e.to_string())?;
                let dropped = backend.database().drop().await.map_err(|e| e.to_string());
                backend.shutdown().await;
                dropped
            })
        };
        Self { backend, options, cleanup }
    }

    /// The backend on this test's database.
    pub fn backend(&self) -> &MongoBackend {
        &self.backend
    }

    /// The options used, database name included.
    pub fn options(&self) -> &MongoOptions {
        &self.options
    }

    /// Wraps `value` so the database is dropped only after it (and every other wrapped value) is dropped.
    pub fn scoped<T>(&self, value: T) -> Scoped<T> {
        Scoped::new(value, self.cleanup.clone())
    }
}
