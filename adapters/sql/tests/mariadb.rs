//! Every contract suite, and the SQL-specific checks, against the MariaDB/MySQL server named by
//! `EXCHANGE_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`): a fresh database per test, dropped
//! afterwards. An unreachable server fails these tests; it never skips them.

mod common;

use adapter_sql::testing::{TestDatabase, mysql_server_options, or_fail};
use adapter_sql::{SqlOptions, create_mysql_database};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

async fn fresh() -> TestDatabase {
    or_fail(TestDatabase::mysql().await)
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

async fn scalar(t: &TestDatabase, sql: &str) -> Vec<String> {
    let rows = t
        .db()
        .connection()
        .query_all_raw(Statement::from_string(DbBackend::MySql, sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter().map(|r| r.try_get_by_index::<String>(0).expect("string column")).collect()
}

/// Times keep microseconds (`DATETIME(6)`), and every text column compares in binary, no-pad order so
/// equality and sorting match SQLite and the memory adapters.
#[tokio::test]
async fn schema_uses_microsecond_times_and_binary_collation() {
    let t = fresh().await;
    let precision = scalar(
        &t,
        "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME, '=', COLUMN_TYPE) FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE = 'datetime' ORDER BY 1",
    )
    .await;
    assert_eq!(
        precision,
        [
            "audit_log.at=datetime(6)",
            "cron_runs.finished_at=datetime(6)",
            "cron_runs.fire_time=datetime(6)",
            "cron_runs.started_at=datetime(6)",
            "daily_stats.computed_at=datetime(6)",
            "direct_conversations.created_at=datetime(6)",
            "groups.created_at=datetime(6)",
            "groups.updated_at=datetime(6)",
            "group_members.joined_at=datetime(6)",
            "messages.created_at=datetime(6)",
            "messages.edited_at=datetime(6)",
            "messages.recalled_at=datetime(6)",
            "settings.updated_at=datetime(6)",
            "users.created_at=datetime(6)",
            "users.deleted_at=datetime(6)",
            "users.last_login_at=datetime(6)",
            "users.updated_at=datetime(6)",
        ]
    );
    let collations = scalar(
        &t,
        "SELECT DISTINCT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
         AND TABLE_NAME <> 'seaql_migrations' AND COLLATION_NAME IS NOT NULL \
         AND DATA_TYPE IN ('varchar', 'text')",
    )
    .await;
    assert!(
        collations.iter().all(|c| c == "utf8mb4_nopad_bin" || c == "utf8mb4_0900_bin"),
        "text columns must be binary and NO PAD: {collations:?}"
    );
    let charsets = scalar(
        &t,
        "SELECT DISTINCT CHARACTER_SET_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
         AND CHARACTER_SET_NAME IS NOT NULL",
    )
    .await;
    assert_eq!(charsets, ["utf8mb4"]);
}

/// `create_mysql_database` creates a missing database once and then leaves it alone.
#[tokio::test]
async fn create_mysql_database_is_idempotent() {
    // Borrow a fresh name from a test database, drop it, and recreate it through the public helper.
    let t = fresh().await;
    let options: SqlOptions = t.options().clone();
    t.db().connection().execute_unprepared(&format!("DROP DATABASE `{}`", options.database)).await.expect("drop");
    assert!(create_mysql_database(&options).await.expect("create"), "missing database is created");
    assert!(!create_mysql_database(&options).await.expect("create again"), "existing database is kept");
    let server = mysql_server_options().expect("server options");
    assert!(server.database.is_empty());
}

/// A batch containing a row the server refuses (a key longer than its column) writes none of its rows, and
/// over-long values are refused rather than silently truncated (sessions run in strict mode).
#[tokio::test]
async fn put_many_is_all_or_nothing_and_nothing_is_truncated() {
    use domain::settings::{SettingsStore, StoredSetting};
    let t = fresh().await;
    let store = t.db().settings_store();
    let fine = StoredSetting {
        key: "site.name".into(),
        value: serde_json::json!("交易所"),
        updated_at: chrono::Utc::now(),
        updated_by: None,
    };
    let too_long = StoredSetting { key: "k".repeat(300), ..fine.clone() };
    let err = store.put_many(&[fine.clone(), too_long.clone()]).await.expect_err("batch with a bad row");
    assert!(matches!(err, domain::InfraError::Unexpected { backend: "database", .. }), "{err:?}");
    assert!(store.load_all().await.expect("load").is_empty(), "no row of a failed batch is written");
    store.put(&too_long).await.expect_err("an over-long key is refused, not truncated");
    assert!(store.load_all().await.expect("load").is_empty());
    store.put_many(&[]).await.expect("an empty batch is fine");
}
