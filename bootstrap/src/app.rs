//! The HTTP application as one value: built from config, knows its bound address, runs until stopped.

use crate::config::AppConfig;
use crate::lifecycle::Lifecycle;
use crate::wiring::{Backends, Ports, Services};
use anyhow::Context;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// A built, bound, not yet running server.
pub struct Application {
    config: AppConfig,
    acceptor: TcpAcceptor,
    addr: SocketAddr,
    services: Arc<Services>,
    backends: Arc<Backends>,
    lifecycle: Arc<Lifecycle>,
    gateway: Arc<adapter_ws::Gateway>,
    /// The scheduler page's address once `start_cron` ran, for the admin console's link to it.
    cron_addr: std::sync::OnceLock<SocketAddr>,
}

impl Application {
    /// Connects the backends, builds the services and binds `server.host:server.port` (port 0 picks one).
    pub async fn build(config: AppConfig) -> anyhow::Result<Self> {
        let lifecycle = Arc::new(Lifecycle::new());
        let backends = Arc::new(Backends::connect(&config).await.context("connecting the backends")?);
        let ports = Ports::from_backends(&config, &backends)?;
        let services = Arc::new(Services::new(&config, ports).await?);
        let closing = backends.clone();
        lifecycle.on_close("backends", async move { closing.close().await });

        let bind = format!("{}:{}", config.server.host, config.server.port);
        let acceptor =
            TcpListener::bind(bind.clone()).into_acceptor().await.with_context(|| format!("binding {bind}"))?;
        let addr = acceptor
            .local_addr()
            .into_iter()
            .find_map(|a| a.as_socket_addr().copied())
            .context("the listener has no socket address")?;
        // The gateway drains first (its own token), while the listener still answers; see run_until_stopped.
        let gateway = services.gateway(&config, lifecycle.token().child_token()).await;
        lifecycle.spawn("ws-presence-sweep", gateway.clone().sweep_presence());
        lifecycle.spawn("ws-abandoned-sends", gateway.clone().complete_abandoned_sends());
        let drain_bound = Duration::from_secs(config.server.shutdown_timeout_secs);
        lifecycle.spawn("ws-gateway", gateway.clone().drain(drain_bound));
        Ok(Self {
            config,
            acceptor,
            addr,
            services,
            backends,
            lifecycle,
            gateway,
            cron_addr: std::sync::OnceLock::new(),
        })
    }

    /// The address actually bound (tests bind port 0 and read it here).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The services, for in-process tests.
    pub fn services(&self) -> Arc<Services> {
        self.services.clone()
    }

    /// The lifecycle, so callers can register more background components (scheduler, WebSocket hub).
    pub fn lifecycle(&self) -> Arc<Lifecycle> {
        self.lifecycle.clone()
    }

    /// Starts the scheduler and its web page in this process (`serve --with-cron`); returns the page's address.
    pub async fn start_cron(&self) -> anyhow::Result<SocketAddr> {
        let cron = crate::scheduler::CronServer::build(&self.config, &self.backends, &self.services).await?;
        let addr = cron.local_addr();
        let _ = self.cron_addr.set(addr);
        cron.start(&self.config, &self.services, &self.lifecycle);
        Ok(addr)
    }

    /// Serves until `stop` resolves, then stops accepting, lets in-flight requests finish (bounded by
    /// `server.shutdown_timeout_secs`), stops background components and closes the backends.
    pub async fn run_until_stopped(self, stop: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let timeout = Duration::from_secs(self.config.server.shutdown_timeout_secs);
        let components_timeout = crate::commands::cron::shutdown_bound(&self.config);
        let metrics = crate::metrics::prometheus()
            .map(|handle| Arc::new(move || handle.render()) as Arc<dyn Fn() -> String + Send + Sync>);
        let state =
            self.services.http_state(&self.config, metrics).with_cron_port(self.cron_addr.get().map(SocketAddr::port));
        // The WebSocket path exactly, the rest to the HTTP application (a split, not a nest: see Split).
        let endpoint = adapter_http::Split::new(
            adapter_http::Paths::Exactly(self.config.server.ws_path.clone()),
            adapter_ws::endpoint(self.gateway.clone()),
            adapter_http::app(state),
        );
        let lifecycle = self.lifecycle.clone();
        let token = lifecycle.token();
        let gateway = self.gateway.clone();
        tracing::info!(addr = %self.addr, env = %self.config.env, "exchange listening");
        // Sockets drain before the listener closes, so an upgrade meanwhile gets 503 `ws.shutting_down`
        // (and plain requests are still served) instead of a refused connection.
        let signal = async move {
            tokio::select! {
                _ = stop => {}
                _ = token.cancelled() => {}
            }
            gateway.begin_drain();
            gateway.wait_drained(timeout).await;
            lifecycle.begin_shutdown();
        };
        poem::Server::new_with_acceptor(self.acceptor)
            .name("exchange-api")
            .run_with_graceful_shutdown(endpoint, signal, Some(timeout))
            .await
            .context("serving HTTP")?;
        self.lifecycle.shutdown(components_timeout).await;
        tracing::info!("exchange stopped");
        Ok(())
    }
}
