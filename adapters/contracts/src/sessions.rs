//! Contract of `domain::session::SessionStore`.
//!
//! Times are taken around the real clock (stores with TTLs, like Redis, drop a session at its real expiry) and
//! truncated to the millisecond (stores may keep no finer precision). "Later" moments are passed as `now`
//! arguments, so nothing here sleeps.

use chrono::{DateTime, Duration, DurationRound, Utc};
use domain::ids::{SessionId, UserId};
use domain::session::{Rotation, Session, SessionStore, TokenHash};

/// The current time, truncated to the millisecond.
fn now() -> DateTime<Utc> {
    Utc::now().duration_trunc(Duration::milliseconds(1)).expect("truncating now to ms")
}

/// A random token hash (two UUID v7s give 148 random bits, plenty to never collide in a test).
fn token() -> TokenHash {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::now_v7().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::now_v7().as_bytes());
    TokenHash(bytes)
}

/// A fresh live session of `user` created at `at`, living one hour.
fn session(user: UserId, at: DateTime<Utc>) -> Session {
    Session {
        id: SessionId::new(),
        user_id: user,
        created_at: at,
        last_used_at: at,
        expires_at: at + Duration::hours(1),
        revoked_at: None,
        generation: 0,
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) \"交易所\" ;--".into()),
        ip: Some("2001:db8::1".into()),
    }
}

async fn create(store: &dyn SessionStore, user: UserId, at: DateTime<Utc>) -> (Session, TokenHash) {
    let s = session(user, at);
    let t = token();
    store.create(&s, &t).await.expect("create");
    (s, t)
}

async fn get(store: &dyn SessionStore, id: SessionId) -> Session {
    store.get(id).await.expect("get").expect("session exists")
}

/// `create` then `get` returns the session exactly; an unknown id is `None`.
pub async fn create_then_get_round_trips(store: &dyn SessionStore) {
    let (created, _) = create(store, UserId::new(), now()).await;
    assert_eq!(store.get(created.id).await.expect("get"), Some(created.clone()));

    let bare = Session { user_agent: None, ip: None, ..session(UserId::new(), now()) };
    store.create(&bare, &token()).await.expect("create without client info");
    assert_eq!(get(store, bare.id).await, bare);

    assert_eq!(store.get(SessionId::new()).await.expect("get unknown"), None);
}

/// Presenting the current token rotates: `last_used_at = now`, `expires_at = new_expiry`, generation + 1,
/// nothing else changes; the new token is then the current one.
pub async fn rotating_the_current_token_rotates(store: &dyn SessionStore) {
    let start = now();
    let (created, t0) = create(store, UserId::new(), start).await;
    let (t1, t2) = (token(), token());
    let (at1, exp1) = (start + Duration::seconds(10), start + Duration::hours(2));

    let rotated = match store.rotate(&t0, &t1, at1, exp1).await.expect("rotate") {
        Rotation::Rotated(s) => s,
        other => panic!("expected Rotated, got {other:?}"),
    };
    let expected = Session { last_used_at: at1, expires_at: exp1, generation: 1, ..created.clone() };
    assert_eq!(rotated, expected);
    assert_eq!(get(store, created.id).await, expected);

    let (at2, exp2) = (start + Duration::seconds(20), start + Duration::hours(3));
    match store.rotate(&t1, &t2, at2, exp2).await.expect("rotate again") {
        Rotation::Rotated(s) => {
            assert_eq!(s, Session { last_used_at: at2, expires_at: exp2, generation: 2, ..created });
        }
        other => panic!("expected Rotated, got {other:?}"),
    }
}

/// A rotated-away token (one or several generations old) is `Reused`: the family is revoked at `now`, and
/// afterwards every token of it, the current one included, gets `Revoked`.
pub async fn reusing_a_rotated_away_token_revokes_the_family(store: &dyn SessionStore) {
    let start = now();
    let (created, t0) = create(store, UserId::new(), start).await;
    let (t1, t2) = (token(), token());
    let expiry = start + Duration::hours(1);
    assert!(matches!(store.rotate(&t0, &t1, start, expiry).await.expect("rotate"), Rotation::Rotated(_)));
    assert!(matches!(store.rotate(&t1, &t2, start, expiry).await.expect("rotate"), Rotation::Rotated(_)));

    let theft = start + Duration::seconds(30);
    match store.rotate(&t0, &token(), theft, expiry + Duration::hours(1)).await.expect("reuse") {
        Rotation::Reused(s) => {
            assert_eq!(s.id, created.id);
            assert_eq!(s.revoked_at, Some(theft));
            assert_eq!(s.generation, 2, "a reuse does not rotate");
            assert_eq!(s.expires_at, expiry, "a reuse does not extend");
        }
        other => panic!("expected Reused, got {other:?}"),
    }
    assert_eq!(get(store, created.id).await.revoked_at, Some(theft));

    for presented in [&t2, &t1, &t0] {
        let later = theft + Duration::seconds(1);
        assert_eq!(store.rotate(presented, &token(), later, expiry).await.expect("rotate"), Rotation::Revoked);
    }
    assert_eq!(get(store, created.id).await.revoked_at, Some(theft), "the first revocation time is kept");
}

/// A token no family knows is `Unknown`.
pub async fn an_unknown_token_is_unknown(store: &dyn SessionStore) {
    let _ = create(store, UserId::new(), now()).await;
    assert_eq!(
        store.rotate(&token(), &token(), now(), now() + Duration::hours(1)).await.expect("rotate"),
        Rotation::Unknown
    );
}

/// Presenting the current token of an expired family is `Expired` and changes nothing; so is an old one.
pub async fn an_expired_family_is_expired(store: &dyn SessionStore) {
    let start = now();
    let (created, t0) = create(store, UserId::new(), start).await;
    let t1 = token();
    assert!(matches!(store.rotate(&t0, &t1, start, created.expires_at).await.expect("rotate"), Rotation::Rotated(_)));
    let before = get(store, created.id).await;

    let after_expiry = created.expires_at + Duration::seconds(1);
    for presented in [&t1, &t0] {
        let outcome = store.rotate(presented, &token(), after_expiry, after_expiry + Duration::hours(1)).await;
        assert_eq!(outcome.expect("rotate"), Rotation::Expired);
    }
    assert_eq!(
        store.rotate(&t1, &token(), created.expires_at, after_expiry).await.expect("rotate"),
        Rotation::Expired,
        "expiry is exclusive"
    );
    assert_eq!(get(store, created.id).await, before, "nothing changed");
}

/// `revoke` says whether it revoked a live session; the first revocation time is kept; unknown and expired
/// sessions are not revoked; a revoked family refuses rotation.
pub async fn revoke_reports_and_keeps_the_first_time(store: &dyn SessionStore) {
    let start = now();
    let (created, t0) = create(store, UserId::new(), start).await;
    let first = start + Duration::seconds(5);
    assert!(store.revoke(created.id, first).await.expect("revoke"));
    assert!(!store.revoke(created.id, first + Duration::seconds(5)).await.expect("revoke again"));
    let revoked = get(store, created.id).await;
    assert_eq!(revoked, Session { revoked_at: Some(first), ..created });
    assert!(!revoked.is_live(first));
    assert_eq!(
        store.rotate(&t0, &token(), first, first + Duration::hours(1)).await.expect("rotate"),
        Rotation::Revoked
    );

    assert!(!store.revoke(SessionId::new(), start).await.expect("revoke unknown"));

    let (other, _) = create(store, UserId::new(), start).await;
    let after_expiry = other.expires_at + Duration::seconds(1);
    assert!(!store.revoke(other.id, after_expiry).await.expect("revoke expired"), "an expired session is not live");
    assert_eq!(get(store, other.id).await.revoked_at, None);
}

/// `revoke_all_for_user` revokes every live session of the user but `except`, returns the count, and touches
/// neither other users nor sessions already revoked or expired.
pub async fn revoke_all_spares_the_exception_and_others(store: &dyn SessionStore) {
    let start = now();
    let user = UserId::new();
    let (a, _) = create(store, user, start).await;
    let (b, _) = create(store, user, start).await;
    let (keep, keep_token) = create(store, user, start).await;
    let (already, _) = create(store, user, start).await;
    let short = Session { expires_at: start + Duration::minutes(1), ..session(user, start) };
    store.create(&short, &token()).await.expect("create short-lived");
    let (stranger, _) = create(store, UserId::new(), start).await;

    let early = start + Duration::seconds(1);
    assert!(store.revoke(already.id, early).await.expect("revoke"));

    let at = start + Duration::minutes(2);
    assert_eq!(store.revoke_all_for_user(user, Some(keep.id), at).await.expect("revoke all"), 2);
    assert_eq!(get(store, a.id).await.revoked_at, Some(at));
    assert_eq!(get(store, b.id).await.revoked_at, Some(at));
    assert_eq!(get(store, keep.id).await.revoked_at, None);
    assert_eq!(get(store, already.id).await.revoked_at, Some(early), "already revoked keeps its time");
    assert_eq!(get(store, short.id).await.revoked_at, None, "an expired session is not counted");
    assert_eq!(get(store, stranger.id).await.revoked_at, None);
    assert!(matches!(
        store.rotate(&keep_token, &token(), at, at + Duration::hours(1)).await.expect("rotate"),
        Rotation::Rotated(_)
    ));

    assert_eq!(store.revoke_all_for_user(user, Some(keep.id), at).await.expect("again"), 0);
    assert_eq!(store.revoke_all_for_user(user, None, at).await.expect("all"), 1);
    assert_eq!(store.revoke_all_for_user(UserId::new(), None, at).await.expect("nobody"), 0);
}

/// `list_for_user` returns the user's live sessions, newest first, and nothing revoked, expired or foreign.
pub async fn list_for_user_returns_live_sessions_newest_first(store: &dyn SessionStore) {
    let start = now();
    let user = UserId::new();
    let (oldest, _) = create(store, user, start - Duration::seconds(30)).await;
    let (middle, middle_token) = create(store, user, start - Duration::seconds(20)).await;
    let (newest, _) = create(store, user, start - Duration::seconds(10)).await;
    let (revoked, _) = create(store, user, start - Duration::seconds(5)).await;
    assert!(store.revoke(revoked.id, start).await.expect("revoke"));
    let short = Session { expires_at: start + Duration::minutes(1), ..session(user, start) };
    store.create(&short, &token()).await.expect("create short-lived");
    let _ = create(store, UserId::new(), start).await;

    let rotated = match store.rotate(&middle_token, &token(), start, start + Duration::hours(2)).await.expect("rotate")
    {
        Rotation::Rotated(s) => s,
        other => panic!("expected Rotated, got {other:?}"),
    };

    let at = start + Duration::minutes(2);
    let listed = store.list_for_user(user, at).await.expect("list");
    assert_eq!(listed, vec![newest, rotated, oldest.clone()]);

    let later = start + Duration::minutes(90);
    let listed = store.list_for_user(user, later).await.expect("list later");
    assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), vec![middle.id], "only the rotated one still lives");
    assert!(store.list_for_user(UserId::new(), at).await.expect("list nobody").is_empty());
}

/// `purge_expired` keeps live sessions usable; whatever it drops can never rotate again.
pub async fn purge_keeps_live_sessions(store: &dyn SessionStore) {
    let start = now();
    let (live, live_token) = create(store, UserId::new(), start).await;
    let short = Session { expires_at: start + Duration::seconds(2), ..session(UserId::new(), start) };
    let short_token = token();
    store.create(&short, &short_token).await.expect("create short-lived");

    let at = start + Duration::seconds(3);
    store.purge_expired(at).await.expect("purge");
    assert_eq!(get(store, live.id).await, live);
    assert!(matches!(
        store.rotate(&live_token, &token(), at, at + Duration::hours(1)).await.expect("rotate"),
        Rotation::Rotated(_)
    ));
    let outcome = store.rotate(&short_token, &token(), at, at + Duration::hours(1)).await.expect("rotate purged");
    assert!(matches!(outcome, Rotation::Expired | Rotation::Unknown), "{outcome:?}");
    if let Some(kept) = store.get(short.id).await.expect("get") {
        assert_eq!(kept, short, "a kept expired session is unchanged");
    }
}

/// Reuse in one family leaves the user's other families alone.
pub async fn families_are_independent(store: &dyn SessionStore) {
    let start = now();
    let user = UserId::new();
    let (first, f0) = create(store, user, start).await;
    let (second, s0) = create(store, user, start).await;
    let expiry = start + Duration::hours(1);
    assert!(matches!(store.rotate(&f0, &token(), start, expiry).await.expect("rotate"), Rotation::Rotated(_)));
    assert!(matches!(store.rotate(&f0, &token(), start, expiry).await.expect("reuse"), Rotation::Reused(_)));
    assert!(get(store, first.id).await.revoked_at.is_some());
    assert_eq!(get(store, second.id).await.revoked_at, None);
    assert!(matches!(store.rotate(&s0, &token(), start, expiry).await.expect("rotate"), Rotation::Rotated(_)));
}

/// Two concurrent rotations presenting one current token: exactly one `Rotated` and one `Reused`, and the
/// family is revoked afterwards (the winner's new token included). Repeated on many families at once.
pub async fn concurrent_rotations_one_wins_one_revokes(store: &dyn SessionStore) {
    const FAMILIES: usize = 16;
    let start = now();
    let expiry = start + Duration::hours(2);
    let mut families = Vec::new();
    for _ in 0..FAMILIES {
        let (s, t) = create(store, UserId::new(), start).await;
        families.push((s, t, token(), token()));
    }
    let races = families.iter().map(|(_, t0, a, b)| async move {
        futures::join!(store.rotate(t0, a, start, expiry), store.rotate(t0, b, start, expiry))
    });
    let outcomes = futures::future::join_all(races).await;

    for ((session, _, a, b), (first, second)) in families.iter().zip(outcomes) {
        let (first, second) = (first.expect("rotate"), second.expect("rotate"));
        let winner = match (&first, &second) {
            (Rotation::Rotated(_), Rotation::Reused(_)) => a,
            (Rotation::Reused(_), Rotation::Rotated(_)) => b,
            other => panic!("expected one Rotated and one Reused, got {other:?}"),
        };
        assert!(get(store, session.id).await.revoked_at.is_some(), "the family is revoked");
        let after = store.rotate(winner, &token(), start, expiry).await.expect("rotate winner");
        assert_eq!(after, Rotation::Revoked);
    }
}

/// Expands to one `#[tokio::test]` per check of the session contract; `$make` builds a fresh store
/// (any expression evaluating to a future of something that derefs to a `SessionStore`).
#[macro_export]
macro_rules! sessions_suite {
    ($make:expr) => {
        mod sessions_contract {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn create_then_get_round_trips() {
                let store = $make.await;
                $crate::sessions::create_then_get_round_trips(&*store).await;
            }

            #[tokio::test]
            async fn rotating_the_current_token_rotates() {
                let store = $make.await;
                $crate::sessions::rotating_the_current_token_rotates(&*store).await;
            }

            #[tokio::test]
            async fn reusing_a_rotated_away_token_revokes_the_family() {
                let store = $make.await;
                $crate::sessions::reusing_a_rotated_away_token_revokes_the_family(&*store).await;
            }

            #[tokio::test]
            async fn an_unknown_token_is_unknown() {
                let store = $make.await;
                $crate::sessions::an_unknown_token_is_unknown(&*store).await;
            }

            #[tokio::test]
            async fn an_expired_family_is_expired() {
                let store = $make.await;
                $crate::sessions::an_expired_family_is_expired(&*store).await;
            }

            #[tokio::test]
            async fn revoke_reports_and_keeps_the_first_time() {
                let store = $make.await;
                $crate::sessions::revoke_reports_and_keeps_the_first_time(&*store).await;
            }

            #[tokio::test]
            async fn revoke_all_spares_the_exception_and_others() {
                let store = $make.await;
                $crate::sessions::revoke_all_spares_the_exception_and_others(&*store).await;
            }

            #[tokio::test]
            async fn list_for_user_returns_live_sessions_newest_first() {
                let store = $make.await;
                $crate::sessions::list_for_user_returns_live_sessions_newest_first(&*store).await;
            }

            #[tokio::test]
            async fn purge_keeps_live_sessions() {
                let store = $make.await;
                $crate::sessions::purge_keeps_live_sessions(&*store).await;
            }

            #[tokio::test]
            async fn families_are_independent() {
                let store = $make.await;
                $crate::sessions::families_are_independent(&*store).await;
            }

            #[tokio::test]
            async fn concurrent_rotations_one_wins_one_revokes() {
                let store = $make.await;
                $crate::sessions::concurrent_rotations_one_wins_one_revokes(&*store).await;
            }
        }
    };
}
