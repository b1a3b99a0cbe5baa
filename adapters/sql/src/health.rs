//! Readiness probe: one `SELECT 1` through the pool.

use crate::error::BACKEND;
use async_trait::async_trait;
use domain::InfraError;
use domain::health::HealthProbe;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// Reports whether the database answers right now.
#[derive(Clone, Debug)]
pub struct SqlHealthProbe {
    db: DatabaseConnection,
}

impl SqlHealthProbe {
    /// Probes `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl HealthProbe for SqlHealthProbe {
    fn name(&self) -> &'static str {
        BACKEND
    }

    /// Any failure counts as unavailable: a database that cannot run `SELECT 1` cannot serve.
    async fn check(&self) -> Result<(), InfraError> {
        let stmt = Statement::from_string(self.db.get_database_backend(), "SELECT 1");
        self.db.query_one_raw(stmt).await.map_err(|e| InfraError::unavailable(BACKEND, e))?;
        Ok(())
    }
}
