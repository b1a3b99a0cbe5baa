//! Contract of `domain::chat::PresenceStore`, checked with two handles on one backend: two "instances".
//!
//! Expiry is decided by the `now` each call passes, so checks move time by hand and never sleep. The
//! factory must return an empty store: `counts` and `sweep` see every user.

use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use domain::InfraError;
use domain::chat::{ConnectionId, PresenceChange, PresenceStore};
use domain::ids::UserId;
use std::collections::HashSet;
use std::time::Duration;

const TTL: Duration = Duration::from_secs(30);

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000, 0).unwrap() + Span::seconds(secs)
}

async fn connect(p: &dyn PresenceStore, user: UserId, now: DateTime<Utc>) -> (ConnectionId, PresenceChange) {
    let conn = ConnectionId::new();
    let change = p.connect(user, conn, TTL, now).await.expect("connect");
    (conn, change)
}

/// The first connection brings a user online, further ones change nothing; only closing the last one
/// takes the user offline. Unknown connections change nothing.
pub async fn first_connect_and_last_disconnect_change_presence(a: &dyn PresenceStore, b: &dyn PresenceStore) {
    let user = UserId::new();
    let (first, change) = connect(a, user, t(0)).await;
    assert_eq!(change, PresenceChange::CameOnline);
    let (second, change) = connect(b, user, t(1)).await;
    assert_eq!(change, PresenceChange::Unchanged, "a second tab is not news");
    assert_eq!(a.online(&[user], t(2)).await.expect("online"), vec![user]);
    assert_eq!(a.disconnect(user, first, t(3)).await.expect("disconnect"), PresenceChange::Unchanged);
    assert_eq!(b.online(&[user], t(3)).await.expect("online"), vec![user]);
    assert_eq!(a.disconnect(user, ConnectionId::new(), t(3)).await.expect("unknown"), PresenceChange::Unchanged);
    assert_eq!(b.disconnect(user, second, t(4)).await.expect("disconnect"), PresenceChange::WentOffline);
    assert!(a.online(&[user], t(4)).await.expect("online").is_empty());
    assert_eq!(a.disconnect(user, second, t(5)).await.expect("again"), PresenceChange::Unchanged);
    assert!(a.sweep(t(100)).await.expect("sweep").is_empty(), "a reported offline user is not reported again");
    assert_eq!(connect(b, user, t(6)).await.1, PresenceChange::CameOnline);
}

/// `heartbeat` extends a live connection and says false for unknown or expired ones (without reviving them).
pub async fn heartbeat_extends_live_connections_only(a: &dyn PresenceStore, b: &dyn PresenceStore) {
    let user = UserId::new();
    let (conn, _) = connect(a, user, t(0)).await;
    assert!(b.heartbeat(user, conn, TTL, t(20)).await.expect("heartbeat"));
    assert_eq!(a.online(&[user], t(45)).await.expect("online"), vec![user], "extended to t(50)");
    assert!(a.sweep(t(45)).await.expect("sweep").is_empty());
    assert!(!a.heartbeat(user, ConnectionId::new(), TTL, t(45)).await.expect("unknown"));
    assert!(!a.heartbeat(UserId::new(), conn, TTL, t(45)).await.expect("someone else's"));
    assert!(!b.heartbeat(user, conn, TTL, t(50)).await.expect("expired at its deadline"));
    assert!(a.online(&[user], t(50)).await.expect("online").is_empty(), "not revived");
    assert_eq!(b.sweep(t(50)).await.expect("sweep"), vec![user]);
}

/// A connection not heartbeated expires at its deadline: `online` drops the user, and one sweep at or
/// after the deadline reports them, once.
pub async fn expiry_takes_users_offline_once(a: &dyn PresenceStore, b: &dyn PresenceStore) {
    let (gone, stays) = (UserId::new(), UserId::new());
    connect(a, gone, t(0)).await;
    let (stays_old, _) = connect(a, stays, t(0)).await;
    connect(b, stays, t(20)).await;
    assert_eq!(b.online(&[gone, stays], t(29)).await.expect("online"), vec![gone, stays]);
    assert!(a.sweep(t(29)).await.expect("sweep").is_empty(), "nothing expired yet");
    assert_eq!(a.online(&[gone, stays], t(30)).await.expect("online"), vec![stays], "expired at the deadline");
    assert_eq!(b.sweep(t(30)).await.expect("sweep"), vec![gone], "a user with a live connection stays");
    assert!(a.sweep(t(31)).await.expect("sweep").is_empty(), "reported once");
    assert!(!a.heartbeat(stays, stays_old, TTL, t(31)).await.expect("heartbeat"), "the expired one is gone");
    assert_eq!(a.counts(t(31)).await.expect("counts"), (1, 1));
    assert_eq!(b.sweep(t(50)).await.expect("sweep"), vec![stays]);
    assert_eq!(connect(a, gone, t(60)).await.1, PresenceChange::CameOnline);
}

/// Whoever removes a user's last connection reports the offline transition, exactly once: a `disconnect`
/// of an expired but unswept last connection and a later sweep never both report it.
pub async fn offline_is_reported_once_by_disconnect_or_sweep(a: &dyn PresenceStore, b: &dyn PresenceStore) {
    let user = UserId::new();
    let (conn, _) = connect(a, user, t(0)).await;
    let by_disconnect = b.disconnect(user, conn, t(40)).await.expect("disconnect after expiry");
    let by_sweep = a.sweep(t(41)).await.expect("sweep");
    let reports = usize::from(by_disconnect == PresenceChange::WentOffline) + by_sweep.len();
    assert_eq!(reports, 1, "disconnect said {by_disconnect:?}, sweep said {by_sweep:?}");
    assert!(by_sweep.iter().all(|u| *u == user));

    // Reconnecting before the sweep: the user is online again and no sweep reports them.
    let (old, _) = connect(a, user, t(100)).await;
    let (_, change) = connect(b, user, t(140)).await;
    assert_eq!(change, PresenceChange::CameOnline, "the only other connection had expired");
    assert!(a.sweep(t(141)).await.expect("sweep").is_empty());
    assert!(!a.heartbeat(user, old, TTL, t(141)).await.expect("heartbeat"));
    assert_eq!(a.online(&[user], t(141)).await.expect("online"), vec![user]);
}

/// Concurrent connects of one user across both instances: exactly one `CameOnline`; concurrent
/// disconnects of all of them: exactly one `WentOffline`.
pub async fn concurrent_connects_announce_once(a: &dyn PresenceStore, b: &dyn PresenceStore) {
    let user = UserId::new();
    let conns: Vec<ConnectionId> = (0..16).map(|_| ConnectionId::new()).collect();
    let handle = |i: usize| if i.is_multiple_of(2) { a } else { b };
    let changes =
        futures::future::join_all(conns.iter().enumerate().map(|(i, c)| handle(i).connect(user, *c, TTL, t(0)))).await;
    let online = changes.iter().filter(|c| matches!(c, Ok(PresenceChange::CameOnline))).count();
    assert_eq!(online, 1, "{changes:?}");
    assert!(changes.iter().all(|c| matches!(c, Ok(PresenceChange::CameOnline | PresenceChange::Unchanged))));
    assert_eq!(a.counts(t(1)).await.expect("counts"), (1, 16));

    let changes =
        futures::future::join_all(conns.iter().enumerate().map(|(i, c)| handle(i).disconnect(user, *c, t(2)))).await;
    let offline = changes.iter().filter(|c| matches!(c, Ok(PresenceChange::WentOffline))).count();
    assert_eq!(offline, 1, "{changes:?}");
    assert_eq!(b.counts(t(3)).await.expect("counts"), (0, 0));
}

/// Two instances sweeping at once report each expired user exactly once between them.
pub async fn concurrent_sweeps_report_each_user_once(a: &dyn PresenceStore, b: &dyn PresenceStore) {
    let users: Vec<UserId> = (0..40).map(|_| UserId::new()).collect();
    for (i, user) in users.iter().enumerate() {
        connect(if i.is_multiple_of(2) { a } else { b }, *user, t(0)).await;
        if i % 3 == 0 {
            connect(a, *user, t(1)).await;
        }
    }
    let live = UserId::new();
    connect(b, live, t(50)).await;
    let (from_a, from_b) = futures::join!(a.sweep(t(60)), b.sweep(t(60)));
    let (from_a, from_b) = (from_a.expect("sweep a"), from_b.expect("sweep b"));
    let mut all: Vec<UserId> = from_a.iter().chain(&from_b).copied().collect();
    let distinct: HashSet<UserId> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "a user was reported twice: a={from_a:?} b={from_b:?}");
    all.sort();
    let mut expected = users.clone();
    expected.sort();
    assert_eq!(all, expected);
    assert_eq!(a.online(&[live], t(60)).await.expect("online"), vec![live]);
}

/// `online` answers the subset of the given users that are online, in the given order.
pub async fn online_keeps_the_given_order(a: &dyn PresenceStore, b: &dyn PresenceStore) {
    let users: Vec<UserId> = (0..6).map(|_| UserId::new()).collect();
    for user in [users[4], users[1], users[3]] {
        connect(a, user, t(0)).await;
    }
    let asked = [users[5], users[3], users[0], users[1], users[4], users[2]];
    assert_eq!(b.online(&asked, t(1)).await.expect("online"), vec![users[3], users[1], users[4]]);
    assert!(b.online(&[], t(1)).await.expect("online of none").is_empty());
    assert_eq!(a.counts(t(1)).await.expect("counts"), (3, 3));
    assert_eq!(a.counts(t(40)).await.expect("counts after expiry"), (0, 0));
}

/// For adapters that can be cut off: with the backend gone, every method reports `Unavailable`.
/// Not part of `presence_suite!`.
pub async fn every_method_is_unavailable(p: &dyn PresenceStore) {
    fn check<T: std::fmt::Debug>(what: &str, r: Result<T, InfraError>) {
        assert!(matches!(r, Err(InfraError::Unavailable { .. })), "{what}: expected Unavailable, got {r:?}");
    }
    let (user, conn) = (UserId::new(), ConnectionId::new());
    check("connect", p.connect(user, conn, TTL, t(0)).await);
    check("heartbeat", p.heartbeat(user, conn, TTL, t(0)).await);
    check("disconnect", p.disconnect(user, conn, t(0)).await);
    check("online", p.online(&[user], t(0)).await);
    check("counts", p.counts(t(0)).await);
    check("sweep", p.sweep(t(0)).await);
}

/// Expands to one `#[tokio::test]` per check of the presence contract. `$make` evaluates to a future of a
/// pair `(a, b)` of things that deref to a `PresenceStore`, sharing one fresh, empty backend.
#[macro_export]
macro_rules! presence_suite {
    (@checks $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let (a, b) = $make.await;
                $crate::presence::$check(&*a, &*b).await;
            }
        )*
    };
    ($make:expr) => {
        mod presence_contract {
            #[allow(unused_imports)]
            use super::*;

            $crate::presence_suite!(@checks $make;
                first_connect_and_last_disconnect_change_presence,
                heartbeat_extends_live_connections_only,
                expiry_takes_users_offline_once,
                offline_is_reported_once_by_disconnect_or_sweep,
                concurrent_connects_announce_once,
                concurrent_sweeps_report_each_user_once,
                online_keeps_the_given_order,
            );
        }
    };
}
