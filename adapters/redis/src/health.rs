//! Readiness of Redis: one `PING` through the command pool, bounded by the command timeout.

use crate::connection::Conn;
use crate::error::{BACKEND, infra};
use async_trait::async_trait;
use domain::InfraError;
use domain::health::HealthProbe;
use fred::prelude::ClientLike;
use std::sync::Arc;

/// [`HealthProbe`] for Redis; cheap to clone.
#[derive(Clone)]
pub struct RedisHealthProbe {
    conn: Arc<Conn>,
}

impl RedisHealthProbe {
    pub(crate) fn new(conn: Arc<Conn>) -> Self {
        Self { conn }
    }
}

#[async_trait]
impl HealthProbe for RedisHealthProbe {
    fn name(&self) -> &'static str {
        BACKEND
    }

    async fn check(&self) -> Result<(), InfraError> {
        // Any failure of a PING means Redis cannot serve right now, whatever fred calls it.
        match self.conn.cmd().ping::<String>(None).await {
            Ok(_) => Ok(()),
            Err(e) => match infra(e) {
                unavailable @ InfraError::Unavailable { .. } => Err(unavailable),
                InfraError::Unexpected { source, .. } => Err(InfraError::unavailable(BACKEND, source)),
            },
        }
    }
}
