//! Contract of `domain::cache::Cache`.

use domain::cache::Cache;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(60);

/// Values are opaque bytes: binary, invalid UTF-8, empty and large values round-trip unchanged.
pub async fn values_round_trip_unchanged(cache: &dyn Cache) {
    let values: Vec<Vec<u8>> = vec![
        (0..=255).collect(),
        vec![0xff, 0xfe, 0x00, 0xc3, 0x28],
        b"42".to_vec(),
        "交易所 \"引号\"".as_bytes().to_vec(),
        Vec::new(),
        vec![7; 512 * 1024],
    ];
    for (i, value) in values.iter().enumerate() {
        let key = crate::unique(&format!("value-{i}"));
        cache.set(&key, value, LONG).await.expect("set");
        assert_eq!(cache.get(&key).await.expect("get").as_ref(), Some(value), "value {i}");
    }
}

/// A key never set is `None`.
pub async fn a_missing_key_is_none(cache: &dyn Cache) {
    assert_eq!(cache.get(&crate::unique("missing")).await.expect("get"), None);
}

/// A second `set` replaces the value and its TTL.
pub async fn set_replaces(cache: &dyn Cache) {
    let key = crate::unique("replace");
    cache.set(&key, b"first", Duration::from_millis(300)).await.expect("set");
    cache.set(&key, b"second", LONG).await.expect("set again");
    assert_eq!(cache.get(&key).await.expect("get"), Some(b"second".to_vec()));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(cache.get(&key).await.expect("get"), Some(b"second".to_vec()), "the new TTL applies");
}

/// A value is there until its TTL passes, then `None`.
pub async fn values_expire_after_their_ttl(cache: &dyn Cache) {
    let key = crate::unique("ttl");
    let ttl = Duration::from_millis(300);
    cache.set(&key, b"soon gone", ttl).await.expect("set");
    assert_eq!(cache.get(&key).await.expect("get"), Some(b"soon gone".to_vec()));
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    assert_eq!(cache.get(&key).await.expect("get after ttl"), None);
}

/// `delete` removes the value; deleting an absent key is fine; other keys stay.
pub async fn delete_removes_and_tolerates_absent(cache: &dyn Cache) {
    let (key, other) = (crate::unique("delete"), crate::unique("keep"));
    cache.set(&key, b"v", LONG).await.expect("set");
    cache.set(&other, b"w", LONG).await.expect("set other");
    cache.delete(&key).await.expect("delete");
    assert_eq!(cache.get(&key).await.expect("get"), None);
    cache.delete(&key).await.expect("deleting an absent key is not an error");
    assert_eq!(cache.get(&other).await.expect("get other"), Some(b"w".to_vec()));
}

/// Expands to one `#[tokio::test]` per check of the cache contract; `$make` builds a cache
/// (any expression evaluating to a future of something that derefs to a `Cache`).
#[macro_export]
macro_rules! cache_suite {
    ($make:expr) => {
        mod cache_contract {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn values_round_trip_unchanged() {
                let cache = $make.await;
                $crate::cache::values_round_trip_unchanged(&*cache).await;
            }

            #[tokio::test]
            async fn a_missing_key_is_none() {
                let cache = $make.await;
                $crate::cache::a_missing_key_is_none(&*cache).await;
            }

            #[tokio::test]
            async fn set_replaces() {
                let cache = $make.await;
                $crate::cache::set_replaces(&*cache).await;
            }

            #[tokio::test]
            async fn values_expire_after_their_ttl() {
                let cache = $make.await;
                $crate::cache::values_expire_after_their_ttl(&*cache).await;
            }

            #[tokio::test]
            async fn delete_removes_and_tolerates_absent() {
                let cache = $make.await;
                $crate::cache::delete_removes_and_tolerates_absent(&*cache).await;
            }
        }
    };
}
