//! `by_id`, `by_id_any` and `by_login`: soft-deleted users are hidden from ordinary lookups only.

use super::fixtures::{at, create, user, user_with};
use domain::ids::UserId;
use domain::user::{User, UserRepository};

/// `by_login` finds a user by username in any case, or by e-mail; nothing else matches.
pub async fn by_login_matches_username_any_case_or_email(repo: &dyn UserRepository) {
    let ivy = user_with("Ivy_Chen", "ivy.chen@example.com");
    let cjk = user_with("王小明", "wang@example.com");
    create(repo, &ivy).await;
    create(repo, &cjk).await;
    for login in ["Ivy_Chen", "ivy_chen", "IVY_CHEN", "ivy.chen@example.com"] {
        assert_eq!(repo.by_login(login).await.expect("by_login"), Some(ivy.clone()), "{login}");
    }
    assert_eq!(repo.by_login("王小明").await.expect("by_login"), Some(cjk));
    for miss in ["ivy", "Ivy_Che", "ivy.chen", "ivy_chen@example.com", "%", "_vy_chen", "' OR '1'='1", ""] {
        assert_eq!(repo.by_login(miss).await.expect("by_login"), None, "{miss:?}");
    }
}

/// Soft-deleted users are invisible to `by_id` and `by_login` but returned by `by_id_any`.
pub async fn soft_deleted_users_are_hidden_except_from_by_id_any(repo: &dyn UserRepository) {
    let kept = user("jack");
    let gone = user_with("Kate", "kate@example.com");
    create(repo, &kept).await;
    create(repo, &gone).await;
    let deleted = User { deleted_at: Some(at(3)), ..gone.clone() };
    repo.update(&deleted).await.expect("soft delete");
    assert_eq!(repo.by_id(gone.id).await.expect("by_id"), None);
    assert_eq!(repo.by_login("kate").await.expect("by_login"), None);
    assert_eq!(repo.by_login("kate@example.com").await.expect("by_login"), None);
    assert_eq!(repo.by_id_any(gone.id).await.expect("by_id_any"), Some(deleted));
    assert_eq!(repo.by_id(kept.id).await.expect("by_id"), Some(kept.clone()));
    assert_eq!(repo.by_id_any(kept.id).await.expect("by_id_any"), Some(kept));
    assert_eq!(repo.by_id(UserId::new()).await.expect("by_id"), None);
    assert_eq!(repo.by_id_any(UserId::new()).await.expect("by_id_any"), None);
}
