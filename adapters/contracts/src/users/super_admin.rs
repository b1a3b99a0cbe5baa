//! The "never zero active super admins" invariant of `update`, alone and under concurrent demotions.

use super::fixtures::{active_super_admins, at, create, super_admin, user};
use domain::locale::Locale;
use domain::user::{Role, User, UserRepository, UserStatus, UserStoreError};
use futures::future::join_all;

fn assert_last_super_admin(result: Result<(), UserStoreError>) {
    assert!(matches!(result, Err(UserStoreError::LastSuperAdmin)), "expected LastSuperAdmin, got {result:?}");
}

/// The only active super admin cannot be demoted, disabled or soft-deleted, and stays unchanged; other
/// edits to it are fine.
pub async fn last_super_admin_cannot_be_demoted_disabled_or_deleted(repo: &dyn UserRepository) {
    let root = super_admin("root");
    create(repo, &root).await;
    create(repo, &user("someone")).await;
    for attempt in [
        User { role: Role::Admin, ..root.clone() },
        User { role: Role::User, ..root.clone() },
        User { status: UserStatus::Disabled, ..root.clone() },
        User { deleted_at: Some(at(1)), ..root.clone() },
    ] {
        assert_last_super_admin(repo.update(&attempt).await);
        assert_eq!(repo.by_id(root.id).await.expect("by_id"), Some(root.clone()), "nothing written on refusal");
    }
    let edited = User { locale: Locale::En, last_login_at: Some(at(2)), ..root.clone() };
    repo.update(&edited).await.expect("editing other fields of the last super admin");
    assert_eq!(repo.by_id(root.id).await.expect("by_id"), Some(edited));
}

/// With a second active super admin the first may step down; then the second is the last one.
pub async fn a_second_super_admin_allows_a_demotion(repo: &dyn UserRepository) {
    let first = super_admin("first");
    let second = super_admin("second");
    create(repo, &first).await;
    create(repo, &second).await;
    let demoted = User { role: Role::Admin, ..first.clone() };
    repo.update(&demoted).await.expect("demoting one of two super admins");
    assert_eq!(repo.by_id(first.id).await.expect("by_id"), Some(demoted));
    assert_last_super_admin(repo.update(&User { status: UserStatus::Disabled, ..second.clone() }).await);
    // Promoting someone else makes room again.
    let promoted = User { role: Role::SuperAdmin, ..first };
    repo.update(&promoted).await.expect("promote");
    repo.update(&User { deleted_at: Some(at(3)), ..second }).await.expect("now the second may go");
    assert_eq!(active_super_admins(repo).await, vec![promoted]);
}

/// Disabled or soft-deleted super admins do not count towards the invariant.
pub async fn inactive_super_admins_do_not_count(repo: &dyn UserRepository) {
    let active = super_admin("active_root");
    let disabled = User { status: UserStatus::Disabled, ..super_admin("disabled_root") };
    let deleted = User { deleted_at: Some(at(1)), ..super_admin("deleted_root") };
    for u in [&active, &disabled, &deleted] {
        create(repo, u).await;
    }
    assert_last_super_admin(repo.update(&User { role: Role::User, ..active.clone() }).await);
    // Re-enabling the disabled one gives the first a colleague.
    repo.update(&User { status: UserStatus::Active, ..disabled }).await.expect("re-enable");
    repo.update(&User { role: Role::User, ..active }).await.expect("demote with a colleague");
    assert_eq!(active_super_admins(repo).await.len(), 1);
}

/// Two super admins stepping each other down at the same time (demotion, disabling, soft delete): exactly
/// one succeeds, the other is refused, and one active super admin remains. Repeated so a race can show.
pub async fn concurrent_mutual_demotion_leaves_one_super_admin(repo: &dyn UserRepository) {
    let mut survivor = super_admin("race_root");
    create(repo, &survivor).await;
    for round in 0..6 {
        let rival = super_admin(&format!("race_{round}"));
        create(repo, &rival).await;
        let step_down = |u: &User, how: usize| match how % 3 {
            0 => User { role: Role::Admin, ..u.clone() },
            1 => User { status: UserStatus::Disabled, ..u.clone() },
            _ => User { deleted_at: Some(at(round as i64)), ..u.clone() },
        };
        let (first, second) = (step_down(&survivor, round), step_down(&rival, round + 1));
        let results = join_all([repo.update(&first), repo.update(&second)]).await;
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let refused = results.iter().filter(|r| matches!(r, Err(UserStoreError::LastSuperAdmin))).count();
        assert_eq!((ok, refused), (1, 1), "round {round}: {results:?}");
        let left = active_super_admins(repo).await;
        assert_eq!(left.len(), 1, "round {round}: {left:?}");
        survivor = left.into_iter().next().unwrap();
    }
}

/// Several super admins all stepping down at once: all but one succeed.
pub async fn concurrent_mass_demotion_keeps_one(repo: &dyn UserRepository) {
    let admins: Vec<User> = (0..4).map(|i| super_admin(&format!("mass_{i}"))).collect();
    for a in &admins {
        create(repo, a).await;
    }
    let demoted: Vec<User> = admins.iter().map(|a| User { role: Role::Admin, ..a.clone() }).collect();
    let results = join_all(demoted.iter().map(|u| repo.update(u))).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let refused = results.iter().filter(|r| matches!(r, Err(UserStoreError::LastSuperAdmin))).count();
    assert_eq!((ok, refused), (3, 1), "{results:?}");
    assert_eq!(active_super_admins(repo).await.len(), 1);
}
