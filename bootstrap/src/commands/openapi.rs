//! `exchange openapi`: print the OpenAPI document without starting a server or touching a backend.

use crate::config::AppConfig;
use crate::scheduler::{console, memory_ports, options, register_all, task_services};
use crate::wiring::{Ports, Services};
use adapter_jobs::Scheduler;
use adapter_memory::MemoryDailyStats;
use std::sync::Arc;

/// The spec as JSON, built over in-memory adapters: the main API's, or with `cron` the cron page's.
pub async fn spec(config: &AppConfig, cron: bool) -> anyhow::Result<String> {
    let services = Services::new(config, Ports::in_memory(config)?).await?;
    let state = services.http_state(config, None);
    if !cron {
        return Ok(adapter_http::openapi_spec(&state));
    }
    let tasks = task_services(Arc::new(MemoryDailyStats::default()), &services);
    let mut scheduler = Scheduler::new(memory_ports(&services), tasks, options(config));
    register_all(&mut scheduler, config.cron.examples)?;
    let console = console(&scheduler.build(), &services);
    Ok(adapter_http::cron::openapi_spec(state, console))
}
