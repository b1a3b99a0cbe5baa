//! Building the client: options from the URI plus our timeouts, a `ping` and the indexes on [`connect`],
//! nothing on [`connect_lazy`].

use crate::health::MongoHealthProbe;
use crate::messages::{MongoMessageStore, ensure_indexes};
use crate::options::MongoOptions;
use mongodb::bson::doc;
use mongodb::options::ClientOptions;
use mongodb::{Client, Database};

/// Why a MongoDB backend could not be built; start-up reports it and stops.
#[derive(Debug, thiserror::Error)]
pub enum MongoError {
    /// The options are unusable (malformed URI, empty database name).
    #[error("invalid MongoDB configuration: {0}")]
    Config(String),
    /// The server did not answer `ping` in time.
    #[error("cannot reach MongoDB at {uri}")]
    Connect {
        /// The URI tried, password redacted.
        uri: String,
        /// What the driver reported.
        #[source]
        source: mongodb::error::Error,
    },
    /// Creating the indexes the message store relies on failed.
    #[error("cannot create the MongoDB indexes")]
    Indexes(#[source] mongodb::error::Error),
}

/// A MongoDB client on one database: cheap to clone, and the one place the adapters come from.
#[derive(Clone, Debug)]
pub struct MongoBackend {
    client: Client,
    db: Database,
}

impl MongoBackend {
    /// The chat message store (collection `messages`).
    pub fn message_store(&self) -> MongoMessageStore {
        MongoMessageStore::new(&self.db)
    }

    /// Readiness check (`ping`), named `mongodb`.
    pub fn health_probe(&self) -> MongoHealthProbe {
        MongoHealthProbe::new(self.db.clone())
    }

    /// The database, for tests and tools.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Closes the client's connections; adapters handed out before fail with `Unavailable` afterwards.
    pub async fn shutdown(&self) {
        self.client.clone().shutdown().await;
    }
}

async fn client(options: &MongoOptions) -> Result<Client, MongoError> {
    if options.database.trim().is_empty() {
        return Err(MongoError::Config("mongodb.database must not be empty".into()));
    }
    let mut client_options = ClientOptions::parse(&options.uri)
        .await
        .map_err(|e| MongoError::Config(format!("invalid MongoDB URI {}: {e}", options.redacted_uri())))?;
    client_options.server_selection_timeout = Some(options.server_selection_timeout);
    client_options.connect_timeout = Some(options.connect_timeout);
    client_options.app_name.get_or_insert_with(|| "exchange".into());
    Client::with_options(client_options).map_err(|e| MongoError::Config(e.to_string()))
}

/// Connects, checks the server answers (within the server selection timeout) and creates the indexes; start-up
/// uses this so a wrong address stops the process with a clear error.
pub async fn connect(options: &MongoOptions) -> Result<MongoBackend, MongoError> {
    let backend = connect_lazy(options).await?;
    backend
        .db
        .run_command(doc! { "ping": 1 })
        .await
        .map_err(|source| MongoError::Connect { uri: options.redacted_uri(), source })?;
    ensure_indexes(&backend.db).await.map_err(MongoError::Indexes)?;
    tracing::debug!(database = %options.database, "mongodb client ready");
    Ok(backend)
}

/// Builds the client without talking to the server; every call fails with `Unavailable` until it answers.
/// Indexes are not created: use [`connect`] (or `exchange migrate`) once the server is up.
pub async fn connect_lazy(options: &MongoOptions) -> Result<MongoBackend, MongoError> {
    let client = client(options).await?;
    let db = client.database(&options.database);
    Ok(MongoBackend { client, db })
}
