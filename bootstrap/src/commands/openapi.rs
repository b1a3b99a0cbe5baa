//! `exchange openapi`: print the OpenAPI document without starting a server or touching a backend.

use crate::config::AppConfig;
use crate::wiring::{Ports, Services};

/// The spec as JSON, built over in-memory adapters.
pub async fn spec(config: &AppConfig) -> anyhow::Result<String> {
    let services = Services::new(config, Ports::in_memory(config)?).await?;
    Ok(adapter_http::openapi_spec(&services.http_state(config, None)))
}
