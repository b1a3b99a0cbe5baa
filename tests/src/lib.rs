//! Helpers for end-to-end tests: run the real `exchange` binary in a world of its own.
//!
//! Every [`Server`] gets a fresh temporary directory as its working directory (so `data/` and `logs/` are
//! its own), a free port, and the `test` configuration; extra `EXCHANGE__…` variables pick other backends.
//! The process is killed when the value drops, so a failing test never leaves servers behind.

pub mod api;
pub mod backends;
pub mod browser;
pub mod chat_client;
pub mod cron;
pub mod private;
pub mod wait;
pub mod ws;

pub use api::{Api, Reply, Tokens};
pub use backends::{Composition, SharedBackends, World};

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// The workspace root (where `configs/` lives).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// Path of the `exchange` binary built alongside this test (`target/<profile>/exchange`).
pub fn exchange_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("EXCHANGE_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current test executable");
    // target/<profile>/deps/e2e-<hash>  ->  target/<profile>/exchange
    let bin = exe.parent().and_then(Path::parent).expect("target/<profile>").join("exchange");
    assert!(
        bin.exists(),
        "{} is missing: build it first with `cargo build -p bootstrap --bin exchange`",
        bin.display()
    );
    bin
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Runs `exchange <args>` to completion in `dir` with the test config plus `env`.
pub fn run_once(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(exchange_bin());
    cmd.args(args).current_dir(dir).env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd.env("EXCHANGE_CONFIG_DIR", workspace_root().join("configs")).env("EXCHANGE_ENV", "test");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run exchange")
}

/// Options for a server under test.
#[derive(Clone, Debug, Default)]
pub struct ServerBuilder {
    env: Vec<(String, String)>,
    args: Vec<String>,
    /// `exchange cron` instead of `exchange serve`: the process serves the cron page on the chosen port.
    cron: bool,
    /// A program (and its arguments) that runs `exchange …` by `exec`, e.g. to give it a mount of its own.
    wrapper: Vec<String>,
    /// Listen on this port instead of a free one (to restart an instance where its clients expect it).
    port: Option<u16>,
}

impl ServerBuilder {
    /// `exchange serve` with `configs/test.json`.
    pub fn new() -> Self {
        Self::default()
    }

    /// `exchange cron` with `configs/test.json`: the scheduler, its page on the chosen port (`Server::port`).
    pub fn cron() -> Self {
        Self { cron: true, ..Self::default() }
    }

    /// Sets one environment variable (e.g. `EXCHANGE__SERVER__BODY_LIMIT`).
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.push((key.to_owned(), value.into()));
        self
    }

    /// The variables set so far.
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        self.env.clone()
    }

    /// Sets several environment variables at once (e.g. a private server's `env()`).
    pub fn envs(mut self, pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        self.env.extend(pairs);
        self
    }

    /// Starts `exchange` through `wrapper`: `wrapper[0] wrapper[1..] <exchange> serve …`. The wrapper must
    /// `exec` it, so the process id stays that of the server.
    pub fn wrapper(mut self, wrapper: &[&str]) -> Self {
        self.wrapper = wrapper.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// Listens on `port` instead of a free one: a restarted instance comes back at its old address.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Adds command-line arguments after `serve`.
    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_owned());
        self
    }

    /// Starts the server and waits until `/ping` answers (or panics with its output after 60 s).
    pub async fn spawn(self) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = self.port.unwrap_or_else(free_port);
        let stdout = std::fs::File::create(dir.path().join("stdout.log")).expect("stdout file");
        let stderr = std::fs::File::create(dir.path().join("stderr.log")).expect("stderr file");
        let mut cmd = match self.wrapper.split_first() {
            None => Command::new(exchange_bin()),
            Some((program, args)) => {
                let mut cmd = Command::new(program);
                cmd.args(args).arg(exchange_bin());
                cmd
            }
        };
        cmd.arg(if self.cron { "cron" } else { "serve" })
            .args(&self.args)
            .current_dir(dir.path())
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::from(stderr));
        cmd.env("EXCHANGE_CONFIG_DIR", workspace_root().join("configs"))
            .env("EXCHANGE_ENV", "test")
            .env(if self.cron { "EXCHANGE__CRON__WEB_PORT" } else { "EXCHANGE__SERVER__PORT" }, port.to_string());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let child = private::dies_with_parent(&mut cmd).spawn().expect("spawn exchange");
        let server = Server { base: format!("http://127.0.0.1:{port}"), port, child: Some(child), dir };
        server.wait_ready(Duration::from_secs(60)).await;
        server
    }
}

/// A running `exchange serve` process.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The port it listens on.
    pub port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl Server {
    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The server's working directory (holds `data/`, `logs/`, `stdout.log`, `stderr.log`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Everything the process printed so far.
    pub fn output(&self) -> String {
        let read = |name| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!("--- stdout ---\n{}\n--- stderr ---\n{}", read("stdout.log"), read("stderr.log"))
    }

    /// The process id.
    pub fn pid(&self) -> i32 {
        self.child.as_ref().map(|c| c.id() as i32).expect("server process")
    }

    /// Sends a Unix signal.
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), signal).expect("send signal");
    }

    /// Waits for the process to exit, panicking with its output after `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            let child = self.child.as_mut().expect("server process");
            if let Some(status) = child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                panic!("server did not exit within {timeout:?}\n{}", self.output());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn wait_ready(&self, timeout: Duration) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(resp) = client.get(self.url("/ping")).timeout(Duration::from_secs(2)).send().await
                && resp.status().is_success()
            {
                return;
            }
            if Instant::now() > deadline {
                panic!("server did not answer /ping within {timeout:?}\n{}", self.output());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
