//! Contract of `domain::audit::AuditLog`.
//!
//! The factory must return an empty log: totals count every entry. Times are whole microseconds, the finest
//! precision every adapter keeps.

use chrono::{DateTime, TimeZone, Utc};
use domain::InfraError;
use domain::audit::{AuditEntry, AuditLog, AuditQuery};
use domain::ids::{AuditId, UserId};
use domain::page::PageRequest;
use serde_json::json;
use uuid::Uuid;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

fn entry(action: &str, target: &str, actor: Option<UserId>, at: DateTime<Utc>) -> AuditEntry {
    AuditEntry {
        id: AuditId::new(),
        actor_id: actor,
        actor_name: actor.map_or("system".to_owned(), |_| "admin".to_owned()),
        action: action.to_owned(),
        target: target.to_owned(),
        before: None,
        after: None,
        request_id: None,
        ip: None,
        at,
    }
}

fn all(page: u32, size: u32) -> AuditQuery {
    AuditQuery { page: PageRequest::new(page, size).unwrap(), ..Default::default() }
}

async fn append(log: &dyn AuditLog, e: &AuditEntry) {
    log.append(e).await.unwrap_or_else(|err| panic!("append {}: {err:?}", e.action));
}

async fn ids(log: &dyn AuditLog, query: &AuditQuery) -> (Vec<AuditId>, u64) {
    let page = log.list(query).await.unwrap_or_else(|e| panic!("list {query:?}: {e:?}"));
    assert_eq!((page.page, page.size), (query.page.page(), query.page.size()));
    (page.items.iter().map(|e| e.id).collect(), page.total)
}

/// Entries come back exactly as appended: nested JSON, JSON null, unicode, quotes and SQL-looking text,
/// absent optional fields, microsecond times.
pub async fn append_then_list_round_trips(log: &dyn AuditLog) {
    let full = AuditEntry {
        id: AuditId::new(),
        actor_id: Some(UserId::new()),
        actor_name: "张三丰 \"root\"".into(),
        action: "user.update".into(),
        target: "user:'; DROP TABLE audit_log; --".into(),
        before: Some(json!({"role": "admin", "tags": ["a", "é", "漢字"], "n": 1.5, "nested": {"x": null}})),
        after: Some(json!(null)),
        request_id: Some("req-01HZX".into()),
        ip: Some("2001:db8::1".into()),
        at: Utc.timestamp_opt(1_700_000_000, 123_456_000).unwrap(),
    };
    let bare = entry("setting.update", "setting:site.name", None, at(1));
    append(log, &full).await;
    append(log, &bare).await;
    let page = log.list(&all(1, 100)).await.expect("list");
    assert_eq!(page.total, 2);
    assert_eq!(page.items, vec![bare, full]);
}

/// Appending never alters or drops earlier entries.
pub async fn append_keeps_earlier_entries(log: &dyn AuditLog) {
    let mut written = Vec::new();
    for i in 0..5 {
        let e =
            AuditEntry { after: Some(json!({ "i": i })), ..entry("user.disable", &format!("user:{i}"), None, at(i)) };
        append(log, &e).await;
        written.insert(0, e);
        let page = log.list(&all(1, 100)).await.expect("list");
        assert_eq!(page.items, written, "after {} appends", i + 1);
    }
}

/// Newest first; entries at the same instant are ordered by id, newest (largest) first.
pub async fn list_is_newest_first_with_id_tiebreak(log: &dyn AuditLog) {
    let id = |n: u128| AuditId(Uuid::from_u128((0x0190_0000_0000_7000_8000_0000_0000_0000) + n));
    let entries = [
        AuditEntry { id: id(2), ..entry("a", "t", None, at(10)) },
        AuditEntry { id: id(9), ..entry("a", "t", None, at(5)) },
        AuditEntry { id: id(1), ..entry("a", "t", None, at(10)) },
        AuditEntry { id: id(3), ..entry("a", "t", None, at(20)) },
        AuditEntry { id: id(7), ..entry("a", "t", None, at(10)) },
    ];
    for e in &entries {
        append(log, e).await;
    }
    let (got, total) = ids(log, &all(1, 100)).await;
    assert_eq!(got, vec![id(3), id(7), id(2), id(1), id(9)]);
    assert_eq!(total, 5);
}

/// Each filter alone and combined: actor, exact action, exact target (case and trailing spaces matter),
/// `from` inclusive, `to` exclusive.
pub async fn list_applies_every_filter(log: &dyn AuditLog) {
    let alice = Some(UserId::new());
    let bob = Some(UserId::new());
    let e = [
        entry("user.disable", "user:abc", alice, at(10)),
        entry("user.disable", "User:abc", bob, at(20)),
        entry("user.restore", "user:abc ", alice, at(30)),
        entry("setting.update", "setting:site.name", None, at(40)),
        entry("user.disable", "user:abc", bob, at(50)),
    ];
    for x in &e {
        append(log, x).await;
    }
    let q = |f: fn(&mut AuditQuery)| {
        let mut query = all(1, 100);
        f(&mut query);
        query
    };
    let expect = |idx: &[usize]| idx.iter().map(|&i| e[i].id).collect::<Vec<_>>();
    let mut by_alice = all(1, 100);
    by_alice.actor_id = alice;
    assert_eq!(ids(log, &by_alice).await, (expect(&[2, 0]), 2));
    assert_eq!(ids(log, &q(|q| q.action = Some("user.disable".into()))).await, (expect(&[4, 1, 0]), 3));
    assert_eq!(ids(log, &q(|q| q.action = Some("user.".into()))).await, (vec![], 0), "action is exact, not a prefix");
    assert_eq!(ids(log, &q(|q| q.target = Some("user:abc".into()))).await, (expect(&[4, 0]), 2));
    assert_eq!(ids(log, &q(|q| q.from = Some(at(20)))).await, (expect(&[4, 3, 2, 1]), 4), "from is inclusive");
    assert_eq!(ids(log, &q(|q| q.to = Some(at(30)))).await, (expect(&[1, 0]), 2), "to is exclusive");
    assert_eq!(
        ids(
            log,
            &q(|q| {
                q.from = Some(at(20));
                q.to = Some(at(50));
            })
        )
        .await,
        (expect(&[3, 2, 1]), 3)
    );
    let mut combined = q(|q| {
        q.action = Some("user.disable".into());
        q.target = Some("user:abc".into());
        q.from = Some(at(11));
    });
    combined.actor_id = bob;
    assert_eq!(ids(log, &combined).await, (expect(&[4]), 1));
    let mut nobody = all(1, 100);
    nobody.actor_id = Some(UserId::new());
    assert_eq!(ids(log, &nobody).await, (vec![], 0));
}

/// `from` and `to` are exact to the microsecond, and whole seconds order before their fractions.
pub async fn list_time_bounds_are_exact_to_the_microsecond(log: &dyn AuditLog) {
    let us = |secs: i64, micros: u32| Utc.timestamp_opt(1_700_000_000 + secs, micros * 1_000).unwrap();
    let e = [
        entry("a", "t", None, us(1, 0)),
        entry("a", "t", None, us(1, 1)),
        entry("a", "t", None, us(1, 500_000)),
        entry("a", "t", None, us(0, 999_999)),
    ];
    for x in &e {
        append(log, x).await;
    }
    let expect = |idx: &[usize]| idx.iter().map(|&i| e[i].id).collect::<Vec<_>>();
    assert_eq!(ids(log, &all(1, 10)).await, (expect(&[2, 1, 0, 3]), 4));
    let mut from = all(1, 10);
    from.from = Some(us(1, 1));
    assert_eq!(ids(log, &from).await, (expect(&[2, 1]), 2));
    let mut to = all(1, 10);
    to.to = Some(us(1, 1));
    assert_eq!(ids(log, &to).await, (expect(&[0, 3]), 2));
}

/// Pages split the newest-first list without gaps or repeats; every page reports the full total.
pub async fn list_pages_and_reports_the_total(log: &dyn AuditLog) {
    let mut written: Vec<AuditEntry> =
        (0..7).map(|i| entry("user.create", &format!("user:{i}"), None, at(i))).collect();
    for e in &written {
        append(log, e).await;
    }
    written.reverse();
    let mut seen = Vec::new();
    for page in 1..=4 {
        let (got, total) = ids(log, &all(page, 3)).await;
        assert_eq!(total, 7, "page {page}");
        assert_eq!(got.len(), [3, 3, 1, 0][page as usize - 1], "page {page}");
        seen.extend(got);
    }
    assert_eq!(seen, written.iter().map(|e| e.id).collect::<Vec<_>>());
}

/// For adapters that can be cut off: with the backend gone, both methods report `InfraError::Unavailable`.
/// Not part of `audit_suite!`; the caller supplies a log whose backend is already unreachable.
pub async fn every_method_is_unavailable(log: &dyn AuditLog) {
    let append = log.append(&entry("user.create", "user:x", None, at(0))).await;
    assert!(matches!(append, Err(InfraError::Unavailable { .. })), "append: {append:?}");
    let list = log.list(&all(1, 10)).await;
    assert!(matches!(list, Err(InfraError::Unavailable { .. })), "list: {list:?}");
}

/// Expands to one `#[tokio::test]` per check of the audit log contract; `$make` builds a fresh, empty log
/// (any expression evaluating to a future of something that derefs to an `AuditLog`).
#[macro_export]
macro_rules! audit_suite {
    ($make:expr) => {
        mod audit_contract {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn append_then_list_round_trips() {
                let log = $make.await;
                $crate::audit::append_then_list_round_trips(&*log).await;
            }

            #[tokio::test]
            async fn append_keeps_earlier_entries() {
                let log = $make.await;
                $crate::audit::append_keeps_earlier_entries(&*log).await;
            }

            #[tokio::test]
            async fn list_is_newest_first_with_id_tiebreak() {
                let log = $make.await;
                $crate::audit::list_is_newest_first_with_id_tiebreak(&*log).await;
            }

            #[tokio::test]
            async fn list_applies_every_filter() {
                let log = $make.await;
                $crate::audit::list_applies_every_filter(&*log).await;
            }

            #[tokio::test]
            async fn list_time_bounds_are_exact_to_the_microsecond() {
                let log = $make.await;
                $crate::audit::list_time_bounds_are_exact_to_the_microsecond(&*log).await;
            }

            #[tokio::test]
            async fn list_pages_and_reports_the_total() {
                let log = $make.await;
                $crate::audit::list_pages_and_reports_the_total(&*log).await;
            }
        }
    };
}
