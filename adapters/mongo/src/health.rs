//! Readiness probe: one `ping` command.

use crate::error::{BACKEND, infra};
use async_trait::async_trait;
use domain::InfraError;
use domain::health::HealthProbe;
use mongodb::Database;
use mongodb::bson::doc;

/// Reports whether MongoDB answers right now.
#[derive(Clone, Debug)]
pub struct MongoHealthProbe {
    db: Database,
}

impl MongoHealthProbe {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl HealthProbe for MongoHealthProbe {
    fn name(&self) -> &'static str {
        BACKEND
    }

    /// Any failure counts as unavailable: a server that cannot answer `ping` cannot serve.
    async fn check(&self) -> Result<(), InfraError> {
        match self.db.run_command(doc! { "ping": 1 }).await {
            Ok(_) => Ok(()),
            Err(e) => Err(match infra(e) {
                InfraError::Unexpected { source, .. } => InfraError::Unavailable { backend: BACKEND, source },
                unavailable => unavailable,
            }),
        }
    }
}
