//! The admin console page (`/admin`) in a real browser (headless Chromium through chromedriver, see
//! `e2e::browser`) against the real binary: sign in, survive an expired access token (refresh), create an
//! account, change its role and reset its password, find a user by search, disable them and see their API
//! token stop working, see a refused action's localized error, restore a deleted user, change a setting
//! (client-side check first), see the audit entry as a diff, switch language, sign out; on a laptop and a
//! phone-sized window. A screenshot of each main page goes to `target/screenshots/console-*.png`; with
//! `EXCHANGE_REFRESH_SCREENSHOTS=1` they are also copied to `docs/screenshots/` for the README.

use e2e::backends::{Composition, World};
use e2e::browser::{Browser, WAIT, screenshot_dir};
use e2e::{Api, ServerBuilder};
use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

on_both!(console_endpoints_serve_the_page);

const PASSWORD: &str = "Console-Admin-2026!";
const USER_PASSWORD: &str = "Victim-Passw0rd-2026!";

/// Waits until the JavaScript expression is true in the page.
async fn until(browser: &Client, what: &str, expr: &str) -> Result<(), CmdError> {
    let deadline = Instant::now() + WAIT;
    loop {
        if browser.execute(&format!("return Boolean({expr});"), vec![]).await? == Value::Bool(true) {
            return Ok(());
        }
        if Instant::now() > deadline {
            panic!("timed out waiting for {what} ({expr})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A copy of `token` that expired a minute ago, signed with the key of `configs/test.json` (else the
/// embedded default's), so the page's refresh path can be exercised without waiting for expiry.
fn expired_copy(token: &str) -> String {
    use domain::token::TokenIssuer;
    let key_of = |name: &str| -> Option<String> {
        let text = std::fs::read_to_string(e2e::workspace_root().join("configs").join(name)).ok()?;
        let json: Value = serde_json::from_str(&text).ok()?;
        json["auth"]["token_secret_key"].as_str().map(str::to_owned)
    };
    let key = key_of("test.json").or_else(|| key_of("default.json")).expect("a token key in configs/");
    let issuer = adapter_crypto::PasetoIssuer::new(&key, &[]).expect("the test key");
    let mut claims = issuer.verify(token, chrono::Utc::now()).expect("the page's token verifies");
    let now = chrono::Utc::now();
    claims.iat = now - chrono::Duration::minutes(2);
    claims.nbf = claims.iat;
    claims.exp = now - chrono::Duration::minutes(1);
    issuer.issue(&claims).expect("sign")
}

/// Stores rolled-up statistics rows for the 29 days before today in the server's SQLite file (as the
/// `roll-up-daily-stats` task would have), so the charts show history; returns (day, new users) of a few.
async fn seed_history(world: &World) -> Vec<(String, u64)> {
    use domain::stats::{DailyStats, DailyStatsStore};
    let path = world.server.dir().join("data/test.db");
    let db = adapter_sql::connect(&adapter_sql::SqlOptions::sqlite(path)).await.expect("open SQLite");
    let store = db.daily_stats_store();
    let today = chrono::Utc::now().date_naive();
    let mut seeded = Vec::new();
    for back in 1..30u64 {
        let day = today - chrono::Duration::days(back as i64);
        let users_new = (back * 7) % 11 + 1;
        let row = DailyStats {
            day,
            users_total: 200 - back,
            users_new,
            users_active: (back * 5) % 17 + 3,
            users_deleted: 2,
            computed_at: chrono::Utc::now(),
        };
        store.put(&row).await.expect("store a daily row");
        // Not yesterday: the scheduler in this process rolls yesterday up again on its own schedule.
        if back % 10 == 2 {
            seeded.push((day.to_string(), users_new));
        }
    }
    db.close().await.expect("close SQLite");
    seeded
}

/// Evaluates a JavaScript expression in the page.
async fn js(browser: &Client, expr: &str) -> Result<Value, CmdError> {
    browser.execute(&format!("return {expr};"), vec![]).await
}

/// Saves a screenshot as `target/screenshots/console-<name>.png` (and under `docs/screenshots/` when asked).
async fn shoot(browser: &Client, name: &str) -> Result<(), CmdError> {
    browser.execute("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur();", vec![]).await?;
    let png = browser.screenshot().await?;
    assert!(png.len() > 1000, "a real screenshot of {name}");
    let file = format!("console-{name}.png");
    std::fs::write(screenshot_dir().join(&file), &png).expect("write the screenshot");
    if std::env::var_os("EXCHANGE_REFRESH_SCREENSHOTS").is_some() {
        let docs = e2e::workspace_root().join("docs/screenshots");
        std::fs::create_dir_all(&docs).expect("docs/screenshots");
        std::fs::write(docs.join(&file), &png).expect("refresh the README's screenshot");
    }
    Ok(())
}

async fn open(browser: &Client, view: &str) -> Result<(), CmdError> {
    browser.find(Locator::Css(&format!(r#"#nav a[data-view="{view}"]"#))).await?.click().await?;
    until(browser, &format!("the {view} view"), &format!(r#"document.body.dataset.ready === "{view}""#)).await
}

/// Moves to a view by its address fragment (no reload, so the page's state and listeners stay).
async fn visit(browser: &Client, hash: &str) -> Result<(), CmdError> {
    browser.execute("location.hash = arguments[0];", vec![Value::String(hash.to_owned())]).await.map(|_| ())
}

async fn confirm(browser: &Client) -> Result<(), CmdError> {
    until(browser, "the confirmation dialog", "document.querySelector('#confirm-dialog').open").await?;
    browser.find(Locator::Id("confirm-ok")).await?.click().await
}

#[tokio::test]
async fn an_operator_manages_users_settings_and_audit_from_the_page() {
    let cron_port = e2e::free_port();
    let builder = ServerBuilder::new().arg("--with-cron").env("EXCHANGE__CRON__WEB_PORT", cron_port.to_string());
    let world = World::start(Composition::Embedded, builder).await;
    let out = world.run(&[
        "init-admin",
        "--username",
        "console_admin",
        "--email",
        "console@example.com",
        "--password",
        PASSWORD,
    ]);
    assert!(out.status.success(), "init-admin: {}", String::from_utf8_lossy(&out.stderr));
    let api = Api::new(&world.server.base);
    let admin = api.login("console_admin", PASSWORD).await;

    // Accounts to manage: a victim signed in through the API, a deleted one, and a few for the screenshots.
    let victim = api.register("victim_user", "victim@example.com", USER_PASSWORD).await;
    let victim_token = api.login("victim_user", USER_PASSWORD).await.access;
    let ghost = api.register("ghost_user", "ghost@example.com", USER_PASSWORD).await;
    let ghost_id = ghost["id"].as_str().expect("id").to_owned();
    let deleted = api.call("DELETE", &format!("/api/v1/admin/users/{ghost_id}"), Some(&admin.access), None).await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    let mut alice_id = String::new();
    for (name, email) in
        [("张伟强", "zhangwei@example.com"), ("李娜娜", "lina@example.com"), ("alice_w", "alice@example.com")]
    {
        alice_id = api.register(name, email, USER_PASSWORD).await["id"].as_str().unwrap_or_default().to_owned();
    }
    // Three chat messages today, for the messages chart.
    let mut socket = e2e::ws::WsClient::connect(&world.server.base, &victim_token).await;
    for n in 1..=3 {
        let ack = socket.send_text(("to", &alice_id), &format!("c-{n}"), "你好").await;
        assert_eq!(ack["type"], "ack", "{ack}");
    }
    socket.close().await;
    assert_eq!(api.get("/api/v1/users/me", Some(&victim_token)).await.status, 200, "the victim's token works");
    let history = seed_history(&world).await;

    let session = Browser::start().await;
    let browser = &session.client;
    let base = world.server.base.clone();
    let outcome = async {
        // Sign in.
        browser.goto(&format!("{base}/admin?lang=zh-CN")).await?;
        browser.wait().at_most(WAIT).for_element(Locator::Id("login-username")).await?.send_keys("console_admin").await?;
        browser.find(Locator::Id("login-password")).await?.send_keys(PASSWORD).await?;
        browser.find(Locator::Id("login-submit")).await?.click().await?;
        until(browser, "the dashboard", r#"document.body.dataset.ready === "dashboard""#).await?;

        // Dashboard: numbers and charts; the scheduler page is linked.
        let total = browser.find(Locator::Css(r#"[data-stat="users_total"] strong"#)).await?.text().await?;
        assert_eq!(total, "5", "five accounts are not deleted");
        let today = chrono::Utc::now().date_naive();
        let messages = js(browser, "[...document.querySelectorAll('#chart-messages rect.bar title')].map(t => t.textContent)").await?;
        assert!(messages.as_array().is_some_and(|m| m.iter().any(|t| t == &format!("{today}: 3"))), "today's messages: {messages}");
        let bars = js(browser, "[...document.querySelectorAll('#chart-new-users rect.bar title')].map(t => t.textContent)").await?;
        for (day, new_users) in &history {
            let label = format!("{day}: {new_users}");
            assert!(bars.as_array().is_some_and(|b| b.iter().any(|t| t == &label)), "rolled-up day {label} in {bars}");
        }
        browser.find(Locator::Css("#chart-active-users svg path.line")).await?;
        let cron = browser.find(Locator::Id("cron-link")).await?;
        let href = cron.attr("href").await?.unwrap_or_default();
        assert!(href.ends_with(&format!(":{cron_port}/")) && cron.is_displayed().await?, "cron link: {href}");
        let url = browser.current_url().await?;
        let stored = js(browser, "sessionStorage.getItem('console.tokens')").await?;
        let token = serde_json::from_str::<Value>(stored.as_str().unwrap_or("null")).unwrap_or_default();
        let access = token["access_token"].as_str().unwrap_or_default().to_owned();
        assert!(access.starts_with("v4.public."), "the page holds a PASETO access token");
        assert!(!url.as_str().contains(&access), "the token stays out of the URL: {url}");
        shoot(browser, "dashboard").await?;

        // An expired access token is refreshed once and the call retried: store an expired copy of the
        // page's token (signed with the test key) and reload.
        let expired = expired_copy(&access);
        let swap = format!("const t = JSON.parse(sessionStorage.getItem('console.tokens')); t.access_token = '{expired}'; sessionStorage.setItem('console.tokens', JSON.stringify(t));");
        browser.execute(&swap, vec![]).await?;
        assert_eq!(api.get("/api/v1/admin/console", Some(&expired)).await.code(), "auth.token_expired");
        browser.refresh().await?;
        until(browser, "the dashboard after a reload", r#"document.body.dataset.ready === "dashboard""#).await?;
        let renewed = js(browser, "JSON.parse(sessionStorage.getItem('console.tokens'))").await?;
        let renewed_access = renewed["access_token"].as_str().unwrap_or_default().to_owned();
        assert!(renewed_access != expired && renewed_access != access, "a new access token");
        assert_ne!(renewed["refresh_token"], token["refresh_token"], "the refresh token rotated");
        assert_eq!(api.get("/api/v1/admin/console", Some(&renewed_access)).await.status, 200);
        let access = renewed_access;
        // From here on the page is not reloaded: collect any Content-Security-Policy violation it causes.
        browser
            .execute(
                "window.cspViolations = []; document.addEventListener('securitypolicyviolation', \
                 (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));",
                vec![],
            )
            .await?;

        // Users: find the victim by search.
        open(browser, "users").await?;
        browser.find(Locator::Id("user-search")).await?.send_keys("victim").await?;
        until(browser, "one search result", r#"document.querySelectorAll('#users tbody tr').length === 1
            && document.querySelector('#users tbody tr[data-username="victim_user"]')"#)
        .await?;
        browser.find(Locator::Id("user-search")).await?.clear().await?;
        browser.execute("document.querySelector('#user-search').dispatchEvent(new Event('input'))", vec![]).await?;
        until(browser, "every user listed", "document.querySelectorAll('#users tbody tr').length === 5").await?;
        shoot(browser, "users").await?;

        // Create an account from the form: a too-short name is caught on the page, a taken e-mail by the API
        // (its message under the field). Then make it an admin and reset its password (a weak one is refused
        // by the API, in the dialog).
        browser.find(Locator::Id("user-new")).await?.click().await?;
        let username = browser.wait().at_most(WAIT).for_element(Locator::Id("create-username")).await?;
        username.send_keys("ab").await?;
        let email = browser.find(Locator::Id("create-email")).await?;
        email.send_keys("victim@example.com").await?;
        browser.find(Locator::Id("create-password")).await?.send_keys(USER_PASSWORD).await?;
        browser.find(Locator::Id("create-submit")).await?.click().await?;
        until(browser, "the username's error", r#"document.querySelector('#create-username').getAttribute('aria-invalid') === "true""#).await?;
        username.send_keys("_new_hire").await?;
        browser.find(Locator::Id("create-submit")).await?.click().await?;
        until(browser, "the e-mail's error", r#"document.querySelector('#banner').dataset.code === "user.email_taken""#).await?;
        let under_email = js(browser, "document.querySelector('#create-email').parentElement.querySelector('.field-error').textContent").await?;
        let taken = api.lang("zh-CN").post("/api/v1/admin/users", Some(&admin.access), json!({"username": "ab_new_hire", "email": "victim@example.com", "password": USER_PASSWORD})).await;
        assert_eq!((taken.status, under_email.as_str()), (409, taken.body["message"].as_str()), "the API's message under the field");
        email.clear().await?;
        email.send_keys("new_hire@example.com").await?;
        browser.find(Locator::Id("create-submit")).await?.click().await?;
        until(browser, "the new user's page", r#"document.querySelector('#user-title').textContent === "ab_new_hire"
            && document.body.dataset.ready === "user""#).await?;
        browser.find(Locator::Id("detail-role")).await?.select_by_value("admin").await?;
        browser.find(Locator::Css(".act-role")).await?.click().await?;
        confirm(browser).await?;
        until(browser, "the new role", r#"document.querySelector('#user-detail dd[data-field="role"]').textContent === "管理员""#).await?;
        let password = browser.find(Locator::Id("detail-password")).await?;
        password.send_keys("aaaaaaaaaa").await?;
        browser.find(Locator::Css(".act-password")).await?.click().await?;
        confirm(browser).await?;
        until(browser, "the weak password's refusal", r#"document.querySelector('#confirm-error').dataset.code === "validation.too_weak""#).await?;
        browser.find(Locator::Id("confirm-cancel")).await?.click().await?;
        password.clear().await?;
        password.send_keys("Fresh-Start-Passw0rd!").await?;
        browser.find(Locator::Css(".act-password")).await?.click().await?;
        confirm(browser).await?;
        until(browser, "the reset notice", "!document.querySelector('#notice').hidden").await?;
        let hired = api.login("ab_new_hire", "Fresh-Start-Passw0rd!").await;
        let hired_me = api.get("/api/v1/users/me", Some(&hired.access)).await;
        assert_eq!(hired_me.body["role"], "admin", "{:?}", hired_me.body);

        // Disable the victim: confirmed, then their API token stops working at once.
        let victim_id = victim["id"].as_str().expect("id");
        visit(browser, &format!("#/users/{victim_id}")).await?;
        until(browser, "the victim's page", r#"document.querySelector('#view-user').dataset.status === "active""#).await?;
        browser.find(Locator::Css(".act-disable")).await?.click().await?;
        confirm(browser).await?;
        until(browser, "disabled", r#"document.querySelector('#view-user').dataset.status === "disabled""#).await?;
        let me = api.get("/api/v1/users/me", Some(&victim_token)).await;
        assert_eq!(me.status, 401, "the disabled user's token is refused: {:?}", me.body);
        until(browser, "the audit entry on the user's page", r#"document.querySelector('#user-audit tr[data-action="user.disable"]')"#).await?;
        shoot(browser, "user").await?;

        // A refused action shows the API's localized error in the dialog: admins cannot disable themselves.
        let own = api.get("/api/v1/admin/console", Some(&admin.access)).await;
        let own_id = own.body["me"]["id"].as_str().expect("me.id").to_owned();
        visit(browser, &format!("#/users/{own_id}")).await?;
        until(browser, "the admin's own page", r#"document.querySelector('#user-title').textContent === "console_admin""#).await?;
        browser.find(Locator::Css(".act-disable")).await?.click().await?;
        confirm(browser).await?;
        until(browser, "the refusal", r#"document.querySelector('#confirm-error').dataset.code === "admin.self_target""#).await?;
        let refusal = browser.find(Locator::Id("confirm-error")).await?.text().await?;
        let expected = api.lang("zh-CN").call("PUT", &format!("/api/v1/admin/users/{own_id}/status"), Some(&admin.access), Some(json!({"status": "disabled"}))).await;
        assert_eq!(refusal, expected.body["message"].as_str().unwrap_or("?"), "the API's zh-CN message is shown");
        browser.find(Locator::Id("confirm-cancel")).await?.click().await?;

        // Restore the deleted user, found through the "deleted only" filter.
        open(browser, "users").await?;
        browser.find(Locator::Id("user-filter-deleted")).await?.select_by_value("only").await?;
        until(browser, "the deleted user", r#"document.querySelectorAll('#users tbody tr').length === 1
            && document.querySelector('#users tbody tr[data-username="ghost_user"][data-status="deleted"]')"#)
        .await?;
        browser.find(Locator::Css(r#"#users tbody tr[data-username="ghost_user"] a"#)).await?.click().await?;
        until(browser, "the ghost's page", r#"document.querySelector('#view-user').dataset.status === "deleted""#).await?;
        browser.find(Locator::Css(".act-restore")).await?.click().await?;
        confirm(browser).await?;
        until(browser, "restored", r#"document.querySelector('#view-user').dataset.status === "active""#).await?;
        let ghost_now = api.get(&format!("/api/v1/admin/users/{ghost_id}"), Some(&admin.access)).await;
        assert!(ghost_now.body["deleted_at"].is_null(), "restored: {:?}", ghost_now.body);
        api.login("ghost_user", USER_PASSWORD).await;

        // Settings: an out-of-range value is caught on the page and nothing is sent; a valid change is saved.
        open(browser, "settings").await?;
        let label = browser.find(Locator::Css(r#".setting[data-key="site.name"] .name"#)).await?.text().await?;
        assert_eq!(label, "站点名称", "settings are labelled by translated names");
        let failures = browser.find(Locator::Id("setting-rate_limit_login_failures")).await?;
        failures.clear().await?;
        failures.send_keys("0").await?;
        browser.find(Locator::Id("settings-save")).await?.click().await?;
        until(browser, "the field's error", r#"document.querySelector('.setting[data-key="rate_limit.login_failures"] .field-error').textContent.includes("1")"#).await?;
        let unchanged = api.get("/api/v1/admin/settings", Some(&admin.access)).await;
        let value = |body: &Value, key: &str| body.as_array().and_then(|a| a.iter().find(|s| s["key"] == key)).map(|s| s["value"].clone());
        assert_eq!(value(&unchanged.body, "rate_limit.login_failures"), Some(json!(5)), "nothing was sent");
        failures.clear().await?;
        failures.send_keys("7").await?;
        let name = browser.find(Locator::Id("setting-site_name")).await?;
        name.clear().await?;
        name.send_keys("交易所控制台").await?;
        browser.find(Locator::Id("settings-save")).await?.click().await?;
        until(browser, "the saved notice", "!document.querySelector('#notice').hidden").await?;
        let saved = api.get("/api/v1/admin/settings", Some(&admin.access)).await;
        assert_eq!(value(&saved.body, "site.name"), Some(json!("交易所控制台")));
        assert_eq!(value(&saved.body, "rate_limit.login_failures"), Some(json!(7)));
        shoot(browser, "settings").await?;

        // Audit log: the setting change, shown as a before/after diff, and filterable.
        open(browser, "audit").await?;
        browser.find(Locator::Id("audit-filter-action")).await?.select_by_value("setting.update").await?;
        until(browser, "only setting changes", r#"document.querySelectorAll('#audit > tbody > tr').length === 2
            && [...document.querySelectorAll('#audit > tbody > tr')].every(r => r.dataset.action === "setting.update")"#)
        .await?;
        let row = browser.find(Locator::Css(r#"#audit > tbody > tr[data-target="setting:site.name"]"#)).await?;
        let (old, new) = (row.find(Locator::Css("td.old")).await?.text().await?, row.find(Locator::Css("td.new")).await?.text().await?);
        assert_eq!((old.as_str(), new.as_str()), ("exchange", "交易所控制台"), "the diff shows before and after");
        browser.find(Locator::Id("audit-export")).await?.click().await?;
        until(browser, "the export notice", r#"document.querySelector('#notice').textContent.includes("2")"#).await?;
        browser.find(Locator::Id("audit-filter-action")).await?.select_by_value("").await?;
        until(browser, "every entry", "document.querySelectorAll('#audit > tbody > tr').length >= 5").await?;
        shoot(browser, "audit").await?;

        // Language: switching re-labels the page and the API's messages follow.
        browser.find(Locator::Id("lang-toggle")).await?.click().await?;
        until(browser, "English", r#"document.documentElement.lang === "en""#).await?;
        let nav = browser.find(Locator::Css(r#"#nav a[data-view="users"]"#)).await?.text().await?;
        assert_eq!(nav, "Users");
        open(browser, "dashboard").await?;
        let caption = browser.find(Locator::Css("#chart-new-users figcaption")).await?.text().await?;
        assert_eq!(caption, "New users per day");
        shoot(browser, "dashboard-en").await?;
        visit(browser, &format!("#/users/{own_id}")).await?;
        until(browser, "the admin's own page", r#"document.querySelector('#user-title').textContent === "console_admin""#).await?;
        browser.find(Locator::Css(".act-delete")).await?.click().await?;
        confirm(browser).await?;
        until(browser, "the refusal", r#"document.querySelector('#confirm-error').dataset.code === "admin.self_target""#).await?;
        let refusal = browser.find(Locator::Id("confirm-error")).await?.text().await?;
        let english = api.lang("en").call("DELETE", &format!("/api/v1/admin/users/{own_id}"), Some(&admin.access), None).await;
        assert_eq!(refusal, english.body["message"].as_str().unwrap_or("?"), "the API's English message is shown");
        browser.find(Locator::Id("confirm-cancel")).await?.click().await?;

        // A phone-sized window: the page fits without sideways scrolling.
        browser.set_window_size(390, 844).await?;
        open(browser, "users").await?;
        browser.find(Locator::Id("user-filter-deleted")).await?.select_by_value("exclude").await?;
        until(browser, "every user again", "document.querySelectorAll('#users tbody tr').length === 7").await?;
        let fits = js(browser, "document.documentElement.scrollWidth <= window.innerWidth + 1").await?;
        assert_eq!(fits, Value::Bool(true), "no horizontal overflow on a phone");
        shoot(browser, "users-phone").await?;
        // Paging: five per page, then the second page.
        browser.find(Locator::Id("user-size")).await?.select_by_value("5").await?;
        until(browser, "a page of five", "document.querySelectorAll('#users tbody tr').length === 5").await?;
        browser.find(Locator::Id("users-next")).await?.click().await?;
        until(browser, "the second page", "document.querySelectorAll('#users tbody tr').length === 2").await?;
        let pager = browser.find(Locator::Id("users-page")).await?.text().await?;
        assert_eq!(pager, "Page 2 of 2, 7 in all");
        browser.set_window_size(1400, 1000).await?;

        // Nothing was fetched from another origin, and nothing the page did broke its own policy.
        let foreign = js(browser, "performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))").await?;
        assert_eq!(foreign, json!([]), "every resource comes from this server");
        assert_eq!(js(browser, "window.cspViolations").await?, json!([]), "no CSP violation");

        // Sign out: the session ends on the server too.
        browser.find(Locator::Id("logout")).await?.click().await?;
        until(browser, "the sign-in form", "!document.querySelector('#login-view').hidden").await?;
        let after = api.get("/api/v1/admin/console", Some(&access)).await;
        assert_eq!(after.status, 401, "the page's token is revoked: {:?}", after.body);
        Ok::<(), CmdError>(())
    }
    .await;
    session.close().await;
    outcome.unwrap_or_else(|e| panic!("browser flow failed: {e}\n{}", world.server.output()));
}

/// The endpoints the page relies on, over HTTP on both compositions: console facts (with `cron.page_url`),
/// the daily series and its bounds, the CSV export with the list's filters, empty optional parameters, and
/// the admin-only rule.
async fn console_endpoints_serve_the_page(composition: Composition) {
    let builder = ServerBuilder::new().env("EXCHANGE__CRON__PAGE_URL", "https://cron.example.com/");
    let world = World::start(composition, builder).await;
    let out = world.run(&[
        "init-admin",
        "--username",
        "page_root",
        "--email",
        "page_root@example.com",
        "--password",
        PASSWORD,
    ]);
    assert!(out.status.success(), "init-admin: {}", String::from_utf8_lossy(&out.stderr));
    let api = Api::new(&world.server.base).lang("en");
    let admin = api.login("page_root", PASSWORD).await.access;
    let plain = api.register("plain_user", "plain@example.com", USER_PASSWORD).await;
    let plain_token = api.login("plain_user", USER_PASSWORD).await.access;

    // Console facts.
    let info = api.get("/api/v1/admin/console", Some(&admin)).await;
    assert_eq!(info.status, 200, "{:?}", info.body);
    assert_eq!(info.body["me"]["username"], "page_root");
    assert_eq!(info.body["me"]["role"], "super_admin");
    assert_eq!(info.body["cron_page_url"], "https://cron.example.com/");
    assert!(info.body["cron_port"].is_null(), "no scheduler in this process");
    assert_eq!(info.body["locales"], json!(["zh-CN", "en"]));
    assert_eq!((info.body["max_days"].as_u64(), info.body["export_cap"].as_u64()), (Some(92), Some(10_000)));

    // The daily series ends today (UTC) and counts today's sign-ups live.
    let daily = api.get("/api/v1/admin/stats/daily?days=7", Some(&admin)).await;
    assert_eq!(daily.status, 200, "{:?}", daily.body);
    let points = daily.body["points"].as_array().expect("points");
    assert_eq!(points.len(), 7);
    let today = points.last().expect("today");
    assert_eq!(today["day"], chrono::Utc::now().date_naive().to_string());
    assert_eq!(today["users_new"], 2, "the admin and plain_user: {today}");
    assert_eq!(today["users_total"], 2);
    assert_eq!(
        (today["runs_succeeded"].as_u64(), today["runs_failed"].as_u64()),
        (Some(0), Some(0)),
        "run history is read"
    );
    assert_eq!(today["messages"].as_u64(), Some(0), "the message store is read: {today}");
    let defaulted = api.get("/api/v1/admin/stats/daily?days=", Some(&admin)).await;
    assert_eq!(defaulted.status, 200, "an empty optional parameter is absent: {:?}", defaulted.body);
    assert_eq!(defaulted.body["points"].as_array().map(Vec::len), Some(30));
    for days in ["0", "93"] {
        let refused = api.get(&format!("/api/v1/admin/stats/daily?days={days}"), Some(&admin)).await;
        assert_eq!((refused.status, refused.code()), (400, "validation.out_of_range"), "{:?}", refused.body);
        assert_eq!(refused.body["details"]["field"], "days");
        assert_eq!(refused.body["message"], "Days must be between 1 and 92.");
    }

    // Empty optional filters, as a form sends them, are ignored.
    let listed =
        api.get("/api/v1/admin/users?search=&role=&status=&deleted=&sort=&order=&page=&size=", Some(&admin)).await;
    assert_eq!((listed.status, listed.body["total"].as_u64()), (200, Some(2)), "{:?}", listed.body);

    // The CSV export applies the list's filters.
    let plain_id = plain["id"].as_str().expect("id");
    let disabled = api
        .call(
            "PUT",
            &format!("/api/v1/admin/users/{plain_id}/status"),
            Some(&admin),
            Some(json!({"status": "disabled"})),
        )
        .await;
    assert_eq!(disabled.status, 200, "{:?}", disabled.body);
    let http = reqwest::Client::new();
    let export = |query: &str| {
        http.get(world.server.url(&format!("/api/v1/admin/audit/export{query}"))).bearer_auth(&admin).send()
    };
    let resp = export("?action=user.disable&target=").await.expect("export");
    assert_eq!(resp.status(), 200);
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert!(
        header("content-disposition").starts_with("attachment; filename=\"audit-"),
        "{}",
        header("content-disposition")
    );
    assert_eq!((header("x-total-count"), header("x-truncated")), ("1".to_owned(), "false".to_owned()));
    let csv = resp.text().await.expect("csv");
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 2, "header and one entry: {csv}");
    assert!(lines[0].ends_with("at,actor_id,actor_name,action,target,before,after,request_id,ip,id"), "{csv}");
    assert!(lines[1].contains(",page_root,user.disable,") && lines[1].contains(&format!("user:{plain_id}")), "{csv}");
    let all = export("").await.expect("export").text().await.expect("csv");
    assert_eq!(all.trim_end().split("\r\n").count(), 3, "header, user.create, user.disable: {all}");

    // Admins only.
    for path in ["/api/v1/admin/console", "/api/v1/admin/stats/daily", "/api/v1/admin/audit/export"] {
        let refused = api.get(path, Some(&plain_token)).await;
        assert_eq!(refused.status, 401, "the disabled user's session is gone ({path}): {:?}", refused.body);
    }
    let other = api.register("other_user", "other@example.com", USER_PASSWORD).await;
    assert!(other["id"].is_string());
    let other_token = api.login("other_user", USER_PASSWORD).await.access;
    for path in ["/api/v1/admin/console", "/api/v1/admin/stats/daily", "/api/v1/admin/audit/export"] {
        let refused = api.get(path, Some(&other_token)).await;
        assert_eq!((refused.status, refused.code()), (403, "auth.forbidden"), "{path}: {:?}", refused.body);
    }
}

/// The push form in the browser, against the gateway: a notice to one user reaches their open WebSocket, one
/// to a group arrives as a stored system message, a notice to everyone online asks first, an unknown target shows the API's localized error, and the
/// dashboard counts the online user.
#[tokio::test]
async fn an_operator_pushes_notices_from_the_page() {
    let world = World::start(Composition::Embedded, ServerBuilder::new()).await;
    let out = world.run(&[
        "init-admin",
        "--username",
        "push_admin",
        "--email",
        "push_admin@example.com",
        "--password",
        PASSWORD,
    ]);
    assert!(out.status.success(), "init-admin: {}", String::from_utf8_lossy(&out.stderr));
    let api = Api::new(&world.server.base);
    let listener = api.register("listener_user", "listener@example.com", USER_PASSWORD).await;
    let listener_id = listener["id"].as_str().expect("id").to_owned();
    let token = api.login("listener_user", USER_PASSWORD).await.access;
    let mut socket = e2e::ws::WsClient::connect(&world.server.base, &token).await;

    let session = Browser::start().await;
    let browser = &session.client;
    let base = world.server.base.clone();
    let outcome = async {
        browser.goto(&format!("{base}/admin?lang=zh-CN")).await?;
        browser.wait().at_most(WAIT).for_element(Locator::Id("login-username")).await?.send_keys("push_admin").await?;
        browser.find(Locator::Id("login-password")).await?.send_keys(PASSWORD).await?;
        browser.find(Locator::Id("login-submit")).await?.click().await?;
        until(browser, "the dashboard", r#"document.body.dataset.ready === "dashboard""#).await?;
        let online = browser.find(Locator::Css(r#"[data-stat="online_users"] strong"#)).await?.text().await?;
        assert_eq!(online, "1", "the listener is online");

        // To one user.
        open(browser, "push").await?;
        browser.find(Locator::Id("push-scope")).await?.select_by_value("user").await?;
        browser.find(Locator::Id("push-target")).await?.send_keys(&listener_id).await?;
        browser.find(Locator::Id("push-text")).await?.send_keys("系统维护通知：今晚 22:00").await?;
        browser.find(Locator::Id("push-send")).await?.click().await?;
        until(browser, "delivered", r#"document.querySelector('#push-result').dataset.delivered === "1""#).await?;
        let frame = socket.next_of("push").await;
        assert_eq!(
            (frame["scope"].as_str(), frame["text"].as_str()),
            (Some("user"), Some("系统维护通知：今晚 22:00")),
            "{frame}"
        );
        shoot(browser, "push").await?;

        // An unknown user: the API's localized refusal.
        let target = browser.find(Locator::Id("push-target")).await?;
        target.clear().await?;
        target.send_keys("01a20f00-0000-7000-8000-000000000000").await?;
        browser.find(Locator::Id("push-text")).await?.send_keys("?").await?;
        browser.find(Locator::Id("push-send")).await?.click().await?;
        until(browser, "the refusal", r#"document.querySelector('#banner').dataset.code === "chat.target_not_found""#)
            .await?;

        // To a group: stored as a system message in its conversation.
        let group = api.post("/api/v1/groups", Some(&token), json!({"name": "值班群"})).await;
        assert_eq!(group.status, 201, "{:?}", group.body);
        let group_id = group.body["id"].as_str().expect("group id").to_owned();
        browser.find(Locator::Id("push-scope")).await?.select_by_value("group").await?;
        let target = browser.find(Locator::Id("push-target")).await?;
        target.clear().await?;
        target.send_keys(&group_id).await?;
        let text = browser.find(Locator::Id("push-text")).await?;
        text.clear().await?;
        text.send_keys("群公告：明早例会").await?;
        browser.find(Locator::Id("push-send")).await?.click().await?;
        until(browser, "sent to the group", "!document.querySelector('#notice').hidden").await?;
        // The group's own system messages (e.g. "created the group") may come first.
        let frame = loop {
            let frame = socket.next_of("message").await;
            if frame["body"] == "群公告：明早例会" {
                break frame;
            }
        };
        assert_eq!(
            (frame["kind"].as_str(), frame["body"].as_str()),
            (Some("system"), Some("群公告：明早例会")),
            "{frame}"
        );
        assert_eq!(frame["conversation"], format!("g:{group_id}"));

        // To everyone online, after a confirmation.
        browser.find(Locator::Id("push-scope")).await?.select_by_value("online").await?;
        let text = browser.find(Locator::Id("push-text")).await?;
        text.clear().await?;
        text.send_keys("Hello everyone").await?;
        browser.find(Locator::Id("push-send")).await?.click().await?;
        confirm(browser).await?;
        until(
            browser,
            "delivered to everyone",
            r#"Number(document.querySelector('#push-result').dataset.delivered) >= 1"#,
        )
        .await?;
        let frame = socket.next_of("push").await;
        assert_eq!(
            (frame["scope"].as_str(), frame["text"].as_str()),
            (Some("online"), Some("Hello everyone")),
            "{frame}"
        );
        Ok::<(), CmdError>(())
    }
    .await;
    session.close().await;
    socket.close().await;
    outcome.unwrap_or_else(|e| panic!("browser flow failed: {e}\n{}", world.server.output()));
}
