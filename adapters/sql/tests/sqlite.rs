//! Every contract suite, and the SQL-specific checks, against SQLite: a fresh temporary file per test.

mod common;

use adapter_sql::testing::{TestDatabase, or_fail};

async fn fresh() -> TestDatabase {
    or_fail(TestDatabase::sqlite().await)
}

adapter_contracts::settings_suite!(async { fresh().await.hold(|db| db.settings_store()) });
adapter_contracts::users_suite!(async { fresh().await.hold(|db| db.user_repository()) });
adapter_contracts::audit_suite!(async { fresh().await.hold(|db| db.audit_log()) });
adapter_contracts::runs_suite!(async { fresh().await.hold(|db| db.run_store()) });
adapter_contracts::daily_stats_suite!(async { fresh().await.hold(|db| db.daily_stats_store()) });
adapter_contracts::messages_suite!(async { fresh().await.hold(|db| db.message_store()) });
adapter_contracts::groups_suite!(async { fresh().await.hold(|db| db.group_store()) });
adapter_contracts::conversations_suite!(async { fresh().await.hold(|db| db.conversation_store()) });

#[tokio::test]
async fn migrate_twice_is_a_noop() {
    common::migrate_twice_is_a_noop(fresh().await).await;
}

#[tokio::test]
async fn migration_bodies_are_idempotent() {
    common::migration_bodies_are_idempotent(fresh().await).await;
}

#[tokio::test]
async fn every_index_exists() {
    common::every_index_exists(fresh().await).await;
}

#[tokio::test]
async fn legacy_usernames_are_put_in_nfc() {
    common::legacy_usernames_are_put_in_nfc(fresh().await).await;
}

#[tokio::test]
async fn health_probe_reports_unavailable_after_close() {
    common::health_probe_reports_unavailable_after_close(fresh().await).await;
}

#[tokio::test]
async fn closed_pool_makes_every_port_unavailable() {
    common::closed_pool_makes_every_port_unavailable(fresh().await).await;
}
