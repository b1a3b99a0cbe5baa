//! The application under test and the accounts a test signs in with.

use crate::client::ApiClient;
use crate::clock::ManualClock;
use crate::models::{Role, TokenPair, User};
use crate::ws::WsClient;
use anyhow::{Context, anyhow};
use bootstrap::config::AppConfig;
use bootstrap::in_process::{InProcess, InProcessApp};
use bootstrap::wiring::Services;
use chrono::{DateTime, Duration, Utc};
use domain::page::PageRequest;
use domain::schedule::{RunQuery, RunRecord, TaskName};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::OnceCell;

/// An account created by the kit, signed in: its profile, password, tokens and a client using them.
#[derive(Clone, Debug)]
pub struct TestUser {
    /// The account as the API returned it.
    pub user: User,
    /// Its password ([`crate::PASSWORD`] unless changed).
    pub password: String,
    /// The token pair of its session.
    pub tokens: TokenPair,
    /// A client sending its access token.
    pub api: ApiClient,
}

impl TestUser {
    /// The account's id.
    pub fn id(&self) -> &str {
        &self.user.id
    }
}

/// The whole application in-process on memory adapters: real HTTP on 127.0.0.1, a [`ManualClock`], the
/// cron tasks registered but fired only by [`TestApp::fire_cron`]. Each value is a world of its own.
pub struct TestApp {
    app: InProcessApp,
    clock: Arc<ManualClock>,
    root: OnceCell<TestUser>,
    emails: AtomicU32,
}

impl TestApp {
    /// Starts the application with the kit's defaults: the clock at 2030-01-01T00:00:00Z, cheap hashing,
    /// generous rate limits.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(|_| {}).await
    }

    /// Starts the application after `configure` changed the configuration (e.g. token lifetimes,
    /// `rate_limit.enabled`, the default locale).
    pub async fn start_with(configure: impl FnOnce(&mut AppConfig)) -> anyhow::Result<Self> {
        let clock = Arc::new(ManualClock::fixed());
        let mut builder = InProcess::new()?;
        configure(builder.config_mut());
        let app = builder.clock(clock.clone()).start().await?;
        Ok(Self { app, clock, root: OnceCell::new(), emails: AtomicU32::new(0) })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.app.base_url()
    }

    /// An anonymous client.
    pub fn api(&self) -> ApiClient {
        ApiClient::new(&self.app.base_url())
    }

    /// The clock every service reads.
    pub fn clock(&self) -> &ManualClock {
        &self.clock
    }

    /// The services and ports, for set-up or checks without an HTTP round trip.
    pub fn services(&self) -> Arc<Services> {
        self.app.services()
    }

    /// The in-process application underneath (configuration, scheduler engine).
    pub fn inner(&self) -> &InProcessApp {
        &self.app
    }

    /// Registers `username` (e-mail `<username>@example.com`, password [`crate::PASSWORD`]) through the
    /// API and logs it in.
    pub async fn create_user(&self, username: &str) -> anyhow::Result<TestUser> {
        let email = self.email(username);
        let user = self.api().register(username, &email, crate::PASSWORD).await.context("registering")?;
        self.sign_in(user).await
    }

    /// Creates `username` with the `admin` role (by the kit's super admin, through the admin API) and logs
    /// it in.
    pub async fn create_admin(&self, username: &str) -> anyhow::Result<TestUser> {
        let root = self.super_admin().await?;
        let email = self.email(username);
        let user = root.api.create_user(username, &email, crate::PASSWORD, Some(Role::Admin)).await?;
        self.sign_in(user).await
    }

    /// The kit's super admin (`root_admin`), created the first time it is asked for, the way
    /// `exchange init-admin` creates one.
    pub async fn super_admin(&self) -> anyhow::Result<TestUser> {
        let root = self
            .root
            .get_or_try_init(|| async {
                let services = self.services();
                let settings = services.settings.current().await?;
                services
                    .admin
                    .init_super_admin("root_admin", "root_admin@example.com", crate::PASSWORD, &settings)
                    .await
                    .map_err(|e| anyhow!("creating the super admin: {e}"))?;
                let tokens = self.api().login("root_admin", crate::PASSWORD).await?;
                let api = self.api().with_token(&tokens.access_token);
                let user = api.me().await?;
                Ok::<_, anyhow::Error>(TestUser { user, password: crate::PASSWORD.into(), tokens, api })
            })
            .await?;
        Ok(root.clone())
    }

    /// Logs `login` in with `password` and returns the signed-in account.
    pub async fn login(&self, login: &str, password: &str) -> anyhow::Result<TestUser> {
        let tokens = self.api().login(login, password).await?;
        let api = self.api().with_token(&tokens.access_token);
        let user = api.me().await?;
        Ok(TestUser { user, password: password.to_owned(), tokens, api })
    }

    async fn sign_in(&self, user: User) -> anyhow::Result<TestUser> {
        self.login(&user.username, crate::PASSWORD).await
    }

    fn email(&self, username: &str) -> String {
        let n = self.emails.fetch_add(1, Ordering::Relaxed);
        if n == 0 { format!("{username}@example.com") } else { format!("{username}.{n}@example.com") }
    }

    /// Runs the tick of cron task `task` scheduled at `at`, as the scheduler would at that instant: the
    /// clock is set to `at`, the tick goes through the lock, pause state, retries and run records, and the
    /// records of that tick are returned once it is finished (one per attempt; none if another holder had
    /// the tick). Nothing else ever fires a task in a [`TestApp`].
    pub async fn fire_cron(&self, task: &str, at: DateTime<Utc>) -> anyhow::Result<Vec<RunRecord>> {
        let name: TaskName = task.parse().map_err(|e| anyhow!("task name {task}: {e:?}"))?;
        self.clock.set(at);
        let engine = self.app.engine();
        engine.fire_tick(&name, at).await?;
        let query = RunQuery {
            task: Some(name),
            from: Some(at),
            to: Some(at + Duration::microseconds(1)),
            page: PageRequest::new(1, 100).map_err(|e| anyhow!("{e:?}"))?,
            ..RunQuery::default()
        };
        let mut runs = engine.ports().runs.list(&query).await?.items;
        runs.sort_by_key(|r| r.attempt);
        Ok(runs)
    }

    /// The names of the registered cron tasks.
    pub fn cron_tasks(&self) -> Vec<String> {
        self.app.engine().tasks().iter().map(|t| t.name.to_string()).collect()
    }

    /// A WebSocket connection signed in as `user` (token in the subprotocol header), after `welcome`.
    pub async fn ws(&self, user: &TestUser) -> anyhow::Result<WsClient> {
        Ok(WsClient::connect(&self.base_url(), &user.tokens.access_token).await?)
    }

    /// Stops the server and waits for in-flight requests.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.app.stop().await
    }
}
