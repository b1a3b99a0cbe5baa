//! The whole application in one process on memory adapters, for tests (the `exchange-testkit` crate) and
//! integrators: the same HTTP endpoint `serve` builds, bound on 127.0.0.1:0, over `Ports::in_memory`, with a
//! clock the caller chooses and the scheduler's engine built but not ticking, so cron tasks run only when a
//! test fires them. Never for production: nothing it stores outlives the value.

use crate::config::{AppConfig, ConfigSource, load};
use crate::scheduler::{options, register_all, task_services};
use crate::wiring::{Ports, Services};
use adapter_jobs::{Engine, Scheduler};
use anyhow::Context;
use domain::clock::Clock;
use poem::listener::{Acceptor, Listener, TcpListener};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Builds an [`InProcessApp`]: the embedded default configuration with test-friendly costs and limits, which
/// the caller may change before [`InProcess::start`].
pub struct InProcess {
    config: AppConfig,
    clock: Option<Arc<dyn Clock>>,
}

impl InProcess {
    /// The embedded default configuration with the cheapest argon2 parameters argon2 accepts (hashing in
    /// microseconds, so a test creates users freely) and rate limits high enough not to get in the way.
    pub fn new() -> anyhow::Result<Self> {
        let source = ConfigSource { name: "default".into(), dir: PathBuf::new(), env: Vec::new() };
        let mut config = load(&source).context("loading the embedded default configuration")?;
        config.env = crate::config::Environment::Test;
        config.server.host = "127.0.0.1".into();
        config.server.port = 0;
        config.auth.argon2_memory_kib = 64;
        config.auth.argon2_iterations = 1;
        config.auth.argon2_parallelism = 1;
        config.rate_limit.auth_per_minute = 100_000;
        config.rate_limit.api_per_minute_ip = 1_000_000;
        config.rate_limit.api_per_minute_user = 1_000_000;
        Ok(Self { config, clock: None })
    }

    /// The configuration to start with, to change any key (limits, token lifetimes, default locale).
    pub fn config_mut(&mut self) -> &mut AppConfig {
        &mut self.config
    }

    /// The clock every service and the scheduler read (a manual one in tests); the wall clock if not set.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Wires memory ports and the services, registers the cron tasks, binds 127.0.0.1:0 and starts serving.
    pub async fn start(self) -> anyhow::Result<InProcessApp> {
        let Self { config, clock } = self;
        let mut ports = Ports::in_memory(&config)?;
        if let Some(clock) = clock {
            ports.clock = clock;
        }
        let services = Arc::new(Services::new(&config, ports).await?);

        let mut scheduler =
            Scheduler::new(crate::scheduler::ports(&services), task_services(&services), options(&config));
        register_all(&mut scheduler, config.cron.examples).context("registering cron tasks")?;
        let engine = scheduler.build();

        let acceptor = TcpListener::bind(format!("{}:0", config.server.host))
            .into_acceptor()
            .await
            .context("binding the in-process server")?;
        let addr = acceptor
            .local_addr()
            .into_iter()
            .find_map(|a| a.as_socket_addr().copied())
            .context("the listener has no socket address")?;
        let stop = CancellationToken::new();
        // The WebSocket gateway as `serve` builds it; its background loops end with `stop`.
        let gateway = services.gateway(&config, stop.clone()).await;
        tokio::spawn(gateway.clone().sweep_presence());
        tokio::spawn(gateway.clone().complete_abandoned_sends());
        tokio::spawn(gateway.clone().drain(Duration::from_secs(5)));
        let endpoint = adapter_http::Split::new(
            adapter_http::Paths::Exactly(config.server.ws_path.clone()),
            adapter_ws::endpoint(gateway),
            adapter_http::app(services.http_state(&config, None)),
        );
        let signal = stop.clone();
        let server = tokio::spawn(async move {
            poem::Server::new_with_acceptor(acceptor)
                .name("exchange-in-process")
                .run_with_graceful_shutdown(endpoint, signal.cancelled_owned(), Some(Duration::from_secs(5)))
                .await
        });
        Ok(InProcessApp { addr, config, services, engine, stop, server: Some(server) })
    }
}

/// A running in-process application. Dropping it stops the server; [`InProcessApp::stop`] also waits.
pub struct InProcessApp {
    addr: SocketAddr,
    config: AppConfig,
    services: Arc<Services>,
    engine: Arc<Engine>,
    stop: CancellationToken,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl InProcessApp {
    /// The bound address (127.0.0.1 and a port the system chose).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, for HTTP clients; the WebSocket is at `server.ws_path` on the same address.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The configuration in force.
    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// The services and their ports, for set-up and assertions that need no HTTP round trip.
    pub fn services(&self) -> Arc<Services> {
        self.services.clone()
    }

    /// The scheduler's engine: its tasks run only when fired ([`Engine::fire_tick`], [`Engine::run_now`]).
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.clone()
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s), and waits for the server to end.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.stop.cancel();
        if let Some(server) = self.server.take() {
            server.await.context("the server task failed")?.context("serving HTTP")?;
        }
        Ok(())
    }
}

impl Drop for InProcessApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
