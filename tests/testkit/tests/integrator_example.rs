// An integrator's test on the test kit: the example docs/testing.md shows (a test there checks that the
// page quotes this file verbatim, so the documentation cannot drift from what runs).
use chrono::{Duration, TimeZone, Utc};
use domain::schedule::RunStatus;
use exchange_testkit::models::Status;
use exchange_testkit::{PASSWORD, TestApp};

#[tokio::test]
async fn disabled_then_deleted_accounts_are_purged_after_thirty_days() -> anyhow::Result<()> {
    // The whole application in-process on memory adapters, on 127.0.0.1, with a manual clock.
    let app = TestApp::start().await?;

    // Accounts come signed in: tokens plus a typed client that sends them.
    let admin = app.create_admin("ops_admin").await?;
    let alice = app.create_user("alice").await?;
    assert_eq!(alice.api.me().await?.username, "alice");

    // The admin disables Alice: her session ends at once and she cannot sign in again.
    admin.api.set_status(alice.id(), Status::Disabled).await?;
    let err = alice.api.me().await.expect_err("signed out");
    assert_eq!((err.status(), err.code()), (401, "auth.session_revoked"));
    let err = app.api().login("alice", PASSWORD).await.expect_err("disabled");
    assert_eq!((err.status(), err.code()), (403, "auth.account_disabled"));

    // A soft delete keeps the account for `users.purge_after_days` (30) days.
    admin.api.delete_user(alice.id()).await?;

    // Time moves only when the test moves it; a cron task runs only when the test fires its tick.
    let purge_time = Utc.with_ymd_and_hms(2030, 2, 1, 3, 0, 0).single().expect("a valid instant");
    let runs = app.fire_cron("purge-deleted-users", purge_time).await?;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Succeeded);

    // A month passed on the clock, so the admin's access token expired too: sign in again.
    app.clock().advance(Duration::minutes(1));
    let admin = app.login("ops_admin", PASSWORD).await?;
    let err = admin.api.get_user(alice.id()).await.expect_err("purged for good");
    assert_eq!((err.status(), err.code()), (404, "user.not_found"));
    Ok(())
}
