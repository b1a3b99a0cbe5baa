//! Contract of `domain::settings::SettingsStore`.

use chrono::{DateTime, TimeZone, Utc};
use domain::ids::UserId;
use domain::settings::{SettingsStore, StoredSetting};
use serde_json::json;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

fn row(key: &str, value: serde_json::Value, secs: i64) -> StoredSetting {
    StoredSetting { key: key.to_owned(), value, updated_at: at(secs), updated_by: Some(UserId::new()) }
}

async fn find(store: &dyn SettingsStore, key: &str) -> Option<StoredSetting> {
    store.load_all().await.expect("load_all").into_iter().find(|s| s.key == key)
}

/// `put` then `load_all` returns the row exactly, unicode and nested JSON included.
pub async fn put_then_load_round_trips(store: &dyn SettingsStore) {
    let key = crate::unique("site.name");
    let written = row(&key, json!({"zh": "交易所 \"引号\" '; DROP TABLE settings; --", "n": [1, 2.5, null]}), 1);
    store.put(&written).await.expect("put");
    assert_eq!(find(store, &key).await, Some(written));
}

/// A second `put` replaces the first; there is still exactly one row for the key.
pub async fn put_replaces(store: &dyn SettingsStore) {
    let key = crate::unique("auth.registration_open");
    store.put(&row(&key, json!(true), 1)).await.expect("put");
    let second = StoredSetting { updated_by: None, ..row(&key, json!(false), 2) };
    store.put(&second).await.expect("put again");
    let rows: Vec<_> = store.load_all().await.expect("load").into_iter().filter(|s| s.key == key).collect();
    assert_eq!(rows, vec![second]);
}

/// `delete` removes the row; deleting an absent key is fine.
pub async fn delete_removes_and_tolerates_absent(store: &dyn SettingsStore) {
    let key = crate::unique("rate_limit.auth_per_minute");
    store.put(&row(&key, json!(10), 1)).await.expect("put");
    store.delete(&key).await.expect("delete");
    assert_eq!(find(store, &key).await, None);
    store.delete(&key).await.expect("deleting an absent key is not an error");
}

/// `put_many` writes every row; each is then loaded exactly as written.
pub async fn put_many_writes_all(store: &dyn SettingsStore) {
    let keys: Vec<String> = (0..3).map(|i| crate::unique(&format!("batch{i}"))).collect();
    let rows: Vec<_> = keys.iter().enumerate().map(|(i, k)| row(k, json!(i), i as i64)).collect();
    store.put_many(&rows).await.expect("put_many");
    for written in rows {
        assert_eq!(find(store, &written.key).await, Some(written));
    }
}

/// Concurrent writers to one key leave exactly one of their rows, never a mix or a duplicate.
pub async fn concurrent_puts_leave_one_row(store: &dyn SettingsStore) {
    let key = crate::unique("site.name");
    let writes: Vec<_> = (0..8).map(|i| row(&key, json!(format!("v{i}")), i)).collect();
    let results = futures::future::join_all(writes.iter().map(|w| store.put(w))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let rows: Vec<_> = store.load_all().await.expect("load").into_iter().filter(|s| s.key == key).collect();
    assert_eq!(rows.len(), 1);
    assert!(writes.iter().any(|w| *w == rows[0]), "row is one of the writes: {:?}", rows[0]);
}

/// Expands to one `#[tokio::test]` per check of the settings contract; `$make` builds a fresh store
/// (any expression evaluating to a future of something that derefs to a `SettingsStore`).
#[macro_export]
macro_rules! settings_suite {
    ($make:expr) => {
        mod settings_contract {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn put_then_load_round_trips() {
                let store = $make.await;
                $crate::settings::put_then_load_round_trips(&*store).await;
            }

            #[tokio::test]
            async fn put_replaces() {
                let store = $make.await;
                $crate::settings::put_replaces(&*store).await;
            }

            #[tokio::test]
            async fn delete_removes_and_tolerates_absent() {
                let store = $make.await;
                $crate::settings::delete_removes_and_tolerates_absent(&*store).await;
            }

            #[tokio::test]
            async fn put_many_writes_all() {
                let store = $make.await;
                $crate::settings::put_many_writes_all(&*store).await;
            }

            #[tokio::test]
            async fn concurrent_puts_leave_one_row() {
                let store = $make.await;
                $crate::settings::concurrent_puts_leave_one_row(&*store).await;
            }
        }
    };
}
