//! Each helper of the test kit, proved against the in-process application.

use chrono::{Duration, TimeZone, Utc};
use domain::clock::Clock;
use domain::schedule::RunStatus;
use exchange_testkit::models::{Role, Status};
use exchange_testkit::{ManualClock, PASSWORD, TestApp};
use serde_json::json;

#[tokio::test]
async fn serves_the_real_api_on_loopback() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    assert!(app.base_url().starts_with("http://127.0.0.1:"), "{}", app.base_url());
    assert_eq!(app.api().ping().await?, "pong");
    let spec = app.api().openapi().await?;
    assert!(spec["paths"]["/api/v1/users/me"]["get"].is_object(), "the served document is the API's");
    Ok(())
}

#[tokio::test]
async fn every_app_is_a_world_of_its_own() -> anyhow::Result<()> {
    let (one, two) = (TestApp::start().await?, TestApp::start().await?);
    one.create_user("only_here").await?;
    let err = two.api().login("only_here", PASSWORD).await.expect_err("unknown in the other app");
    assert_eq!((err.status(), err.code()), (401, "auth.invalid_credentials"));
    Ok(())
}

#[tokio::test]
async fn create_user_gives_a_signed_in_client() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let alice = app.create_user("alice").await?;
    assert_eq!((alice.user.username.as_str(), alice.user.role), ("alice", Role::User));
    assert_eq!(alice.user.email, "alice@example.com");
    let me = alice.api.me().await?;
    assert_eq!(me.id, alice.id());
    assert_eq!(alice.tokens.token_type, "Bearer");
    let patched = alice.api.update_me(None, Some("en")).await?;
    assert_eq!(patched.locale, "en");
    Ok(())
}

#[tokio::test]
async fn create_admin_reaches_the_admin_api_and_users_do_not() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let admin = app.create_admin("ada").await?;
    let bob = app.create_user("bob").await?;
    assert_eq!(admin.user.role, Role::Admin);

    let page = admin.api.list_users(&[("search", "bob")]).await?;
    assert_eq!((page.total, page.items[0].id.as_str()), (1, bob.id()));
    let disabled = admin.api.set_status(bob.id(), Status::Disabled).await?;
    assert_eq!(disabled.status, Status::Disabled);
    let err = bob.api.me().await.expect_err("disabling signs the user out");
    assert_eq!((err.status(), err.code()), (401, "auth.session_revoked"));

    let err = app.create_user("carol").await?.api.list_users(&[]).await.expect_err("users are not admins");
    assert_eq!((err.status(), err.code()), (403, "auth.forbidden"));

    let audit = admin.api.audit(&[("action", "user.disable")]).await?;
    assert!(audit.items.iter().any(|e| e.target.contains(bob.id())), "{audit:?}");
    let stats = admin.api.stats().await?;
    assert_eq!(stats.users.by_status.get("disabled"), Some(&1));

    let root = app.super_admin().await?;
    assert_eq!(root.user.role, Role::SuperAdmin);
    let settings = root.api.update_settings(json!({"site.name": "kit"})).await?;
    assert!(settings.iter().any(|s| s.key == "site.name" && s.value == "kit"));
    Ok(())
}

#[tokio::test]
async fn client_errors_carry_the_documented_body() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    app.create_user("dave").await?;
    let err = app.api().lang("en").login("dave", "not-the-password-1").await.expect_err("wrong password");
    let failure = err.api().expect("an API error body");
    assert_eq!((failure.status, failure.code.as_str()), (401, "auth.invalid_credentials"));
    assert!(failure.message.is_ascii(), "English was asked for: {}", failure.message);
    assert!(!failure.request_id.is_empty());
    Ok(())
}

#[tokio::test]
async fn the_manual_clock_drives_token_expiry() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let erin = app.create_user("erin").await?;
    assert_eq!(erin.tokens.expires_in, 900);
    app.clock().advance(Duration::seconds(899));
    assert_eq!(erin.api.me().await?.id, erin.id(), "still valid one second before expiry");
    app.clock().advance(Duration::seconds(2));
    let err = erin.api.me().await.expect_err("expired by the manual clock");
    assert_eq!((err.status(), err.code()), (401, "auth.token_expired"));
    let fresh = app.api().refresh(&erin.tokens.refresh_token).await?;
    assert_eq!(app.api().with_token(&fresh.access_token).me().await?.id, erin.id());
    Ok(())
}

#[tokio::test]
async fn fire_cron_runs_a_task_at_the_given_instant() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    assert!(app.cron_tasks().contains(&"purge-deleted-users".to_owned()), "{:?}", app.cron_tasks());
    let admin = app.create_admin("fran").await?;
    let gone = app.create_user("gone_soon").await?;
    admin.api.delete_user(gone.id()).await?;

    // Deleted today: the purge at 03:00 keeps it (users.purge_after_days is 30).
    let first = Utc.with_ymd_and_hms(2030, 1, 2, 3, 0, 0).single().expect("a valid instant");
    let runs = app.fire_cron("purge-deleted-users", first).await?;
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].status, runs[0].fire_time), (RunStatus::Succeeded, first));
    // A day went by on the manual clock: the admin's access token expired, so sign in again.
    let admin = app.login("fran", PASSWORD).await?;
    assert!(admin.api.get_user(gone.id()).await?.deleted_at.is_some());

    // 31 days later the same task deletes it for good.
    let later = first + Duration::days(31);
    let runs = app.fire_cron("purge-deleted-users", later).await?;
    assert_eq!(runs.iter().map(|r| r.status).collect::<Vec<_>>(), vec![RunStatus::Succeeded]);
    assert_eq!(app.clock().now(), later);
    let admin = app.login("fran", PASSWORD).await?;
    let err = admin.api.get_user(gone.id()).await.expect_err("purged");
    assert_eq!((err.status(), err.code()), (404, "user.not_found"));

    // The same tick fired twice runs once, as across instances.
    assert!(app.fire_cron("purge-deleted-users", later).await?.len() == 1, "still one record for that tick");
    assert!(app.fire_cron("no-such-task", later).await.is_err());
    Ok(())
}

#[test]
fn a_manual_clock_can_start_anywhere() {
    let start = Utc.with_ymd_and_hms(2031, 6, 1, 12, 0, 0).single().expect("a valid instant");
    let clock = ManualClock::at(start);
    assert_eq!(clock.advance(Duration::hours(1)), start + Duration::hours(1));
}
