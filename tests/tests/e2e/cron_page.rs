//! The cron page in a real browser: Debian's headless Chromium driven through chromedriver (WebDriver) by
//! fantoccini. Log in as an admin, see a task, press "run now", see the new run appear.
//!
//! The browser comes from `e2e::browser` (shared with the admin console's test).

use e2e::ServerBuilder;
use e2e::backends::{Composition, World};
use e2e::browser::{Browser, WAIT};
use fantoccini::Locator;

const PASSWORD: &str = "Cron-Operator-2026!";

#[tokio::test]
async fn an_admin_logs_in_presses_run_now_and_sees_the_run() {
    let cron_port = e2e::free_port();
    let builder = ServerBuilder::new().arg("--with-cron").env("EXCHANGE__CRON__WEB_PORT", cron_port.to_string());
    let world = World::start(Composition::Embedded, builder).await;
    let out =
        world.run(&["init-admin", "--username", "page_admin", "--email", "page@example.com", "--password", PASSWORD]);
    assert!(out.status.success(), "init-admin: {}", String::from_utf8_lossy(&out.stderr));

    let session = Browser::start().await;
    let browser = &session.client;

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
    session.close().await;
    outcome.unwrap_or_else(|e| panic!("browser flow failed: {e}\n{}", world.server.output()));
}
