//! Checks specific to the SQL adapters, run against each engine by `sqlite.rs` and `mariadb.rs`.

use adapter_sql::testing::TestDatabase;
use adapter_sql::{Migrator, migrate};
use domain::InfraError;
use domain::health::HealthProbe;
use domain::settings::{SettingsStore, StoredSetting};
use sea_orm_migration::MigratorTrait;

/// Running the migrations again changes nothing and fails nothing.
pub async fn migrate_twice_is_a_noop(t: TestDatabase) {
    let before = adapter_sql::migrations::applied(t.db()).await.expect("applied");
    assert_eq!(before.len(), Migrator::migrations().len(), "{before:?}");
    migrate(t.db()).await.expect("second migrate");
    migrate(t.db()).await.expect("third migrate");
    assert_eq!(adapter_sql::migrations::applied(t.db()).await.expect("applied"), before);
    assert!(Migrator::get_pending_migrations(t.db().connection()).await.expect("pending").is_empty());
}

/// Re-running each migration body on an existing schema (as after an interrupted run) is harmless.
pub async fn migration_bodies_are_idempotent(t: TestDatabase) {
    let manager = sea_orm_migration::SchemaManager::new(t.db().connection());
    for migration in Migrator::migrations() {
        migration.up(&manager).await.unwrap_or_else(|e| panic!("{} again: {e}", migration.name()));
    }
    let store = t.db().settings_store();
    store
        .put(&StoredSetting {
            key: "site.name".into(),
            value: serde_json::json!("still works"),
            updated_at: chrono::Utc::now(),
            updated_by: None,
        })
        .await
        .expect("put after re-running migrations");
}

/// The readiness probe is named `database`, passes on a live pool and reports `Unavailable` once closed.
pub async fn health_probe_reports_unavailable_after_close(t: TestDatabase) {
    let probe = t.db().health_probe();
    assert_eq!(probe.name(), "database");
    probe.check().await.expect("live database is ready");
    t.db().close().await.expect("close");
    let err = probe.check().await.expect_err("closed pool is not ready");
    assert!(matches!(err, InfraError::Unavailable { backend: "database", .. }), "{err:?}");
}

/// With the pool closed, every port reports `InfraError::Unavailable` (backend `database`).
pub async fn closed_pool_makes_every_port_unavailable(t: TestDatabase) {
    let (settings, users, audit) = (t.db().settings_store(), t.db().user_repository(), t.db().audit_log());
    let runs = t.db().run_store();
    let (messages, groups, conversations) = (t.db().message_store(), t.db().group_store(), t.db().conversation_store());
    t.db().close().await.expect("close");
    let unavailable = |what: &str, r: Result<(), InfraError>| {
        assert!(matches!(r, Err(InfraError::Unavailable { backend: "database", .. })), "{what}: {r:?}");
    };
    unavailable("settings.load_all", settings.load_all().await.map(drop));
    let row = StoredSetting {
        key: "site.name".into(),
        value: serde_json::json!("x"),
        updated_at: chrono::Utc::now(),
        updated_by: None,
    };
    unavailable("settings.put", settings.put(&row).await);
    unavailable("settings.delete", settings.delete("site.name").await);
    adapter_contracts::users::every_method_is_unavailable(&users).await;
    adapter_contracts::audit::every_method_is_unavailable(&audit).await;
    adapter_contracts::runs::every_method_is_unavailable(&runs).await;
    adapter_contracts::messages::every_method_is_unavailable(&messages).await;
    adapter_contracts::groups::every_method_is_unavailable(&groups).await;
    adapter_contracts::conversations::every_method_is_unavailable(&conversations).await;
}

/// Every index the list, lookup and super-admin queries rely on exists.
pub async fn every_index_exists(t: TestDatabase) {
    let manager = sea_orm_migration::SchemaManager::new(t.db().connection());
    for (table, index) in [
        ("users", "uq_users_username_key"),
        ("users", "uq_users_email"),
        ("users", "idx_users_deleted_created"),
        ("users", "idx_users_role"),
        ("users", "idx_users_status"),
        ("users", "idx_users_last_login"),
        ("audit_log", "idx_audit_log_at"),
        ("audit_log", "idx_audit_log_actor_at"),
        ("audit_log", "idx_audit_log_action_at"),
        ("audit_log", "idx_audit_log_target_at"),
        ("cron_runs", "uq_cron_runs_slot"),
        ("cron_runs", "idx_cron_runs_fire"),
        ("cron_runs", "idx_cron_runs_instance_status"),
        ("cron_runs", "idx_cron_runs_status_fire"),
        ("messages", "uq_messages_conversation_seq"),
        ("messages", "uq_messages_conversation_client"),
        ("messages", "idx_messages_created_at"),
        ("group_members", "idx_group_members_user"),
    ] {
        assert!(manager.has_index(table, index).await.expect("has_index"), "{table}.{index} missing");
    }
    assert!(!manager.has_index("users", "idx_does_not_exist").await.expect("has_index"));
}

/// Rows written before usernames were stored in NFC get their NFC spelling and key; one whose NFC key
/// belongs to another account is left alone and reported, and the migration does not fail.
pub async fn legacy_usernames_are_put_in_nfc(t: TestDatabase) {
    use sea_orm::{ConnectionTrait, Statement, Value};
    let conn = t.db().connection();
    let insert = |id: uuid::Uuid, name: &str, email: &str| {
        let now = chrono::Utc::now();
        Statement::from_sql_and_values(
            conn.get_database_backend(),
            "INSERT INTO users (id, username, username_key, email, password_hash, role, status, locale, created_at, \
             updated_at) VALUES (?, ?, ?, ?, 'x', 'user', 'active', 'zh-CN', ?, ?)",
            [
                Value::from(id),
                Value::from(name),
                Value::from(name),
                Value::from(email),
                Value::from(now),
                Value::from(now),
            ],
        )
    };
    let (legacy, clash, unified) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    conn.execute_raw(insert(legacy, "\u{F900}\u{F900}\u{F900}", "legacy@example.com")).await.expect("insert");
    conn.execute_raw(insert(clash, "\u{F901}\u{F901}\u{F901}", "clash@example.com")).await.expect("insert");
    conn.execute_raw(insert(unified, "\u{66F4}\u{66F4}\u{66F4}", "unified@example.com")).await.expect("insert");

    // One row per round trip, so the keyset paging crosses batches.
    let outcome = adapter_sql::migrations::normalize_usernames(conn, 1).await.expect("normalize");
    assert_eq!(outcome.renamed, 1, "{outcome:?}");
    assert_eq!(outcome.clashing, vec![(clash, "\u{F901}\u{F901}\u{F901}".to_owned())]);
    let users = t.db().user_repository();
    use domain::user::UserRepository;
    let found = users.by_login("\u{8C48}\u{8C48}\u{8C48}").await.expect("read").expect("found by its NFC name");
    assert_eq!(found.id.to_string(), legacy.to_string());
    let again = adapter_sql::migrations::normalize_usernames(conn, 1000).await.expect("normalize again");
    assert_eq!(again.renamed, 0, "nothing left to rename");
}

/// Every contract suite and every SQL-specific check, against the engine of the file that calls it: that
/// file defines `async fn fresh() -> TestDatabase`, a fresh database per test.
macro_rules! every_sql_check {
    () => {
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
    };
}
pub(crate) use every_sql_check;
