//! The scheduler and its web page as one component of a process: built from config, bound to
//! `cron.web_host:cron.web_port` (port 0 picks one; tests read it back), started into the lifecycle.

use super::{console, options, ports, register_all, task_services};
use crate::config::AppConfig;
use crate::lifecycle::Lifecycle;
use crate::wiring::{Backends, Services};
use adapter_jobs::{Engine, Scheduler};
use anyhow::Context;
use application::scheduler::CronConsole;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// A built scheduler with its bound, not yet serving, web listener.
pub struct CronServer {
    engine: Arc<Engine>,
    console: Arc<CronConsole>,
    acceptor: TcpAcceptor,
    addr: SocketAddr,
}

impl CronServer {
    /// Registers the tasks and binds the web port.
    pub async fn build(config: &AppConfig, backends: &Backends, services: &Services) -> anyhow::Result<Self> {
        let mut scheduler = Scheduler::new(
            ports(backends, services),
            task_services(Arc::new(backends.sql.daily_stats_store()), services),
            options(config),
        );
        register_all(&mut scheduler, config.cron.examples).context("registering cron tasks")?;
        let engine = scheduler.build();
        let console = console(&engine, services);
        let bind = format!("{}:{}", config.cron.web_host, config.cron.web_port);
        let acceptor = TcpListener::bind(bind.clone())
            .into_acceptor()
            .await
            .with_context(|| format!("binding the cron page on {bind} (cron.web_host, cron.web_port)"))?;
        let addr = acceptor
            .local_addr()
            .into_iter()
            .find_map(|a| a.as_socket_addr().copied())
            .context("the cron listener has no socket address")?;
        Ok(Self { engine, console, acceptor, addr })
    }

    /// Where the cron page listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The scheduler.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.clone()
    }

    /// Starts the scheduler and the web page as lifecycle components; both stop on the lifecycle's token.
    pub fn start(self, config: &AppConfig, services: &Services, lifecycle: &Lifecycle) {
        let metrics = crate::metrics::prometheus()
            .map(|handle| Arc::new(move || handle.render()) as Arc<dyn Fn() -> String + Send + Sync>);
        let endpoint = adapter_http::cron::app(services.http_state(config, metrics), self.console.clone());
        let token = lifecycle.token();
        let addr = self.addr;
        tracing::info!(target: "cron", %addr, instance = %self.engine.options().instance_id, "cron page listening");
        let web_token = token.clone();
        let grace = Duration::from_secs(config.server.shutdown_timeout_secs);
        lifecycle.spawn("cron-web", async move {
            let stop = async move { web_token.cancelled().await };
            if let Err(e) = poem::Server::new_with_acceptor(self.acceptor)
                .name("exchange-cron")
                .run_with_graceful_shutdown(endpoint, stop, Some(grace))
                .await
            {
                tracing::error!(target: "cron", error = %e, "cron page server failed");
            }
        });
        lifecycle.spawn("scheduler", self.engine.run(token));
    }
}
