//! A real browser for the page tests: Debian's headless Chromium driven through its chromedriver
//! (WebDriver) by fantoccini. One chromedriver per [`Browser`], on a free port, with a throw-away profile;
//! both are stopped (by their own handles) when the value drops, so a failing test leaves nothing behind.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium` and `chromium-driver`,
//! installed by `.ci/services`); `EXCHANGE_TEST_CHROMIUM` / `EXCHANGE_TEST_CHROMEDRIVER` point elsewhere.
//! A missing browser fails the test with that message, never skips it.

use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a page test waits for an element before failing.
pub const WAIT: Duration = Duration::from_secs(30);

/// The path in `var`, or `default`; panics naming how to install it when the file is missing.
pub fn program(var: &str, default: &str) -> String {
    let path = std::env::var(var).unwrap_or_else(|_| default.to_owned());
    assert!(
        std::path::Path::new(&path).exists(),
        "{path} is missing: run .ci/services (it installs Debian's chromium and chromium-driver) or set {var}"
    );
    path
}

/// chromedriver on a port of its own, killed (by its handle) when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start() -> Self {
        let port = crate::free_port();
        let child = Command::new(program("EXCHANGE_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + WAIT;
        while reqwest::get(format!("{url}/status")).await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { child, url }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session. Call [`Browser::close`] at the end; dropping also stops chromedriver.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A laptop-sized window (1400 × 1000).
    pub async fn start() -> Self {
        Self::sized(1400, 1000).await
    }

    /// A window of `width` × `height` CSS pixels.
    pub async fn sized(width: u32, height: u32) -> Self {
        let driver = Driver::start().await;
        let profile = tempfile::tempdir().expect("profile dir");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": program("EXCHANGE_TEST_CHROMIUM", "/usr/bin/chromium"),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--hide-scrollbars", format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a Chromium session");
        Self { client, _driver: driver, _profile: profile }
    }

    /// Ends the session (chromedriver stops when the value drops).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// Where page tests save screenshots: `target/screenshots/` of this workspace (an artifact of the run).
pub fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"))
        .join("screenshots");
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    dir
}
