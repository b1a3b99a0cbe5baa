//! `stats` for the dashboard and `purge_deleted_before` for the purge task.

use super::fixtures::{at, create, everyone, user, user_with};
use domain::user::{Role, User, UserRepository, UserStats, UserStatus};

async fn seed(repo: &dyn UserRepository) -> Vec<User> {
    #[allow(clippy::type_complexity)]
    let specs: [(&str, Role, UserStatus, i64, Option<i64>, Option<i64>); 7] = [
        ("alice", Role::User, UserStatus::Active, 10, Some(100), None),
        ("bob", Role::Admin, UserStatus::Active, 20, None, None),
        ("carol", Role::User, UserStatus::Disabled, 20, Some(100), None),
        ("dave", Role::SuperAdmin, UserStatus::Active, 30, Some(50), None),
        ("张三丰", Role::User, UserStatus::Active, 40, None, None),
        ("erin", Role::User, UserStatus::Active, 50, Some(200), Some(300)),
        ("frank", Role::Admin, UserStatus::Disabled, 60, None, Some(310)),
    ];
    let mut users = Vec::new();
    for (name, role, status, created, login, deleted) in specs {
        let u = User {
            role,
            status,
            created_at: at(created),
            last_login_at: login.map(at),
            deleted_at: deleted.map(at),
            ..user(name)
        };
        create(repo, &u).await;
        users.push(u);
    }
    users
}

fn count<K: PartialEq + std::fmt::Debug>(pairs: &[(K, u64)], key: K) -> u64 {
    let hits: Vec<_> = pairs.iter().filter(|(k, _)| *k == key).collect();
    assert_eq!(hits.len(), 1, "{key:?} must appear exactly once in {pairs:?}");
    hits[0].1
}

/// Counters cover not-deleted users only (except `deleted`), bounds are inclusive, every role and status
/// is listed even at zero.
pub async fn stats_count_what_the_dashboard_shows(repo: &dyn UserRepository) {
    let empty = repo.stats(at(0), at(0)).await.expect("stats on an empty store");
    assert_eq!((empty.total, empty.new_since, empty.active_since, empty.deleted), (0, 0, 0, 0));
    assert_eq!(empty.by_role.len(), Role::ALL.len());
    assert_eq!(empty.by_status.len(), UserStatus::ALL.len());

    seed(repo).await;
    let s: UserStats = repo.stats(at(20), at(100)).await.expect("stats");
    assert_eq!(s.total, 5, "not-deleted users");
    assert_eq!(s.new_since, 4, "created at or after since (bob and carol sit on the bound)");
    assert_eq!(s.active_since, 2, "logged in at or after active_since, deleted erin excluded");
    assert_eq!(s.deleted, 2);
    assert_eq!(count(&s.by_role, Role::User), 3);
    assert_eq!(count(&s.by_role, Role::Admin), 1);
    assert_eq!(count(&s.by_role, Role::SuperAdmin), 1);
    assert_eq!(count(&s.by_status, UserStatus::Active), 4);
    assert_eq!(count(&s.by_status, UserStatus::Disabled), 1);

    let later = repo.stats(at(1_000), at(1_000)).await.expect("stats");
    assert_eq!((later.total, later.new_since, later.active_since, later.deleted), (5, 0, 0, 2));
}

/// Only users soft-deleted strictly before the cutoff go, for good; their names become free again.
pub async fn purge_removes_only_users_deleted_before_the_cutoff(repo: &dyn UserRepository) {
    let users = seed(repo).await;
    assert_eq!(repo.purge_deleted_before(at(300)).await.expect("purge"), 0, "the cutoff itself is not before");
    assert_eq!(repo.purge_deleted_before(at(301)).await.expect("purge"), 1);
    let erin = users.iter().find(|u| u.username.as_str() == "erin").unwrap();
    let frank = users.iter().find(|u| u.username.as_str() == "frank").unwrap();
    assert_eq!(repo.by_id_any(erin.id).await.expect("by_id_any"), None, "purged for good");
    assert_eq!(repo.by_id_any(frank.id).await.expect("by_id_any").as_ref(), Some(frank), "deleted later: kept");
    assert_eq!(repo.purge_deleted_before(at(10_000)).await.expect("purge"), 1);
    assert_eq!(repo.purge_deleted_before(at(10_000)).await.expect("purge"), 0);
    let left = everyone(repo).await;
    assert_eq!(left.len(), 5, "not-deleted users are never purged");
    assert!(left.iter().all(|u| u.deleted_at.is_none()));
    create(repo, &user_with("Erin", erin.email.as_str())).await;
}
