//! `exchange cron`: the scheduler and its web page (`cron.web_port`) until SIGINT/SIGTERM.

use crate::cli::CronArgs;
use crate::config::AppConfig;
use crate::lifecycle::{Lifecycle, termination_signal};
use crate::scheduler::CronServer;
use crate::wiring::{Backends, Ports, Services};
use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;

/// Runs the scheduler until a termination signal, then lets running tasks finish (up to their timeout, at
/// most `cron.shutdown_timeout_secs`), records the ones it had to cancel, and closes the backends.
pub async fn run(config: AppConfig, _args: CronArgs) -> anyhow::Result<()> {
    let lifecycle = Arc::new(Lifecycle::new());
    let backends = Arc::new(Backends::connect(&config).await.context("connecting the backends")?);
    let ports = Ports::from_backends(&config, &backends)?;
    let services = Services::new(&config, ports).await?;
    let closing = backends.clone();
    lifecycle.on_close("backends", async move { closing.close().await });
    let server = CronServer::build(&config, &backends, &services).await?;
    server.start(&config, &services, &lifecycle);
    let token = lifecycle.token();
    tokio::select! {
        _ = termination_signal() => {}
        _ = token.cancelled() => {}
    }
    lifecycle.shutdown(shutdown_bound(&config)).await;
    tracing::info!(target: "cron", "exchange cron stopped");
    Ok(())
}

/// How long the lifecycle waits for components: the scheduler's own bound plus room to record cancellations.
pub fn shutdown_bound(config: &AppConfig) -> Duration {
    Duration::from_secs(config.cron.shutdown_timeout_secs.max(config.server.shutdown_timeout_secs) + 10)
}
