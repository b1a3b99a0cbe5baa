//! The cron page in a real browser: Debian's headless Chromium driven through chromedriver (WebDriver) by
//! fantoccini. Log in as an admin, see a task, press "run now", see the new run appear.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium` and `chromium-driver`,
//! installed by `.ci/services`); `EXCHANGE_TEST_CHROMIUM` / `EXCHANGE_TEST_CHROMEDRIVER` point elsewhere.
//! Missing browsers fail the test with that message, never skip it.

use e2e::ServerBuilder;
use e2e::backends::{Composition, World};
use fantoccini::{ClientBuilder, Locator};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Cron-Operator-2026!";
const WAIT: Duration = Duration::from_secs(30);

fn program(var: &str, default: &str) -> String {
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
        let port = e2e::free_port();
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

#[tokio::test]
async fn an_admin_logs_in_presses_run_now_and_sees_the_run() {
    let cron_port = e2e::free_port();
    let builder = ServerBuilder::new().arg("--with-cron").env("EXCHANGE__CRON__WEB_PORT", cron_port.to_string());
    let world = World::start(Composition::Embedded, builder).await;
    let out =
        world.run(&["init-admin", "--username", "page_admin", "--email", "page@example.com", "--password", PASSWORD]);
    assert!(out.status.success(), "init-admin: {}", String::from_utf8_lossy(&out.stderr));

    let driver = Driver::start().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": program("EXCHANGE_TEST_CHROMIUM", "/usr/bin/chromium"),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1400,1000", format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session");

    let outcome = async {
        browser.goto(&format!("http://127.0.0.1:{cron_port}/?lang=zh-CN")).await?;
        browser.wait().at_most(WAIT).for_element(Locator::Id("login-username")).await?.send_keys("page_admin").await?;
        browser.find(Locator::Id("login-password")).await?.send_keys(PASSWORD).await?;
        browser.find(Locator::Id("login-submit")).await?.click().await?;

        // The task list shows the example task, its schedule in words and as an expression.
        let row =
            browser.wait().at_most(WAIT).for_element(Locator::Css(r#"#tasks tr[data-task="example-hello"]"#)).await?;
        let text = row.text().await?;
        assert!(text.contains("0 */1 * * * *") && text.contains("每分钟"), "task row: {text}");
        row.find(Locator::Css("button.run-now")).await?.click().await?;

        // The manual run appears in the history and succeeds.
        let run =
            Locator::Css(r#"#runs tr[data-task="example-hello"][data-trigger="manual"] [data-status="succeeded"]"#);
        browser.wait().at_most(WAIT).for_element(run).await?;

        // The page speaks English too.
        browser.find(Locator::Id("lang-toggle")).await?.click().await?;
        let title = browser.find(Locator::Css("header h1")).await?.text().await?;
        assert_eq!(title, "Scheduled tasks");
        if let Ok(path) = std::env::var("EXCHANGE_TEST_SCREENSHOT") {
            std::fs::write(path, browser.screenshot().await?).expect("write the screenshot");
        }
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = browser.close().await;
    outcome.unwrap_or_else(|e| panic!("browser flow failed: {e}\n{}", world.server.output()));
}
