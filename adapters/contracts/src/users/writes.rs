//! `create` and `update`: uniqueness (soft-deleted rows included), nothing written on failure, and every
//! field round-tripping verbatim.

use super::fixtures::{at, at_us, create, everyone, user, user_with};
use domain::locale::Locale;
use domain::user::{
    Email, PasswordHash, Role, UniqueField, User, UserRepository, UserStatus, UserStoreError, Username,
};

fn assert_duplicate(result: Result<(), UserStoreError>, field: UniqueField) {
    match result {
        Err(UserStoreError::Duplicate(f)) => assert_eq!(f, field, "collided on the wrong field"),
        other => panic!("expected Duplicate({field:?}), got {other:?}"),
    }
}

/// A created user reads back identical through `by_id` and `by_id_any`: CJK name, quotes and SQL-looking
/// text in the hash, microsecond times, every optional field set.
pub async fn create_then_read_round_trips(repo: &dyn UserRepository) {
    let written = User {
        password_hash: PasswordHash::new("'; DROP TABLE users; -- \"quoted\" 密码 \\ %_"),
        role: Role::Admin,
        locale: Locale::En,
        created_at: at_us(1, 123_456),
        updated_at: at_us(2, 654_321),
        last_login_at: Some(at_us(3, 1)),
        ..user("张三丰_Zhang")
    };
    create(repo, &written).await;
    assert_eq!(repo.by_id(written.id).await.expect("by_id"), Some(written.clone()));
    assert_eq!(repo.by_id_any(written.id).await.expect("by_id_any"), Some(written));
}

/// A username differing only in case is a duplicate; the refused user is not stored.
pub async fn duplicate_username_is_refused_case_insensitively(repo: &dyn UserRepository) {
    create(repo, &user_with("Alice_01", "alice@example.com")).await;
    let clash = user_with("aLICE_01", "other@example.com");
    assert_duplicate(repo.create(&clash).await, UniqueField::Username);
    assert_eq!(repo.by_id_any(clash.id).await.expect("by_id_any"), None, "nothing written on failure");
    assert_eq!(repo.by_login("other@example.com").await.expect("by_login"), None);
    assert_eq!(everyone(repo).await.len(), 1);
}

/// The same e-mail under another name is a duplicate; the refused user is not stored.
pub async fn duplicate_email_is_refused(repo: &dyn UserRepository) {
    create(repo, &user_with("bob", "bob@example.com")).await;
    let clash = user_with("robert", "bob@example.com");
    assert_duplicate(repo.create(&clash).await, UniqueField::Email);
    assert_eq!(repo.by_id_any(clash.id).await.expect("by_id_any"), None, "nothing written on failure");
    assert_eq!(repo.by_login("robert").await.expect("by_login"), None);
    assert_eq!(everyone(repo).await.len(), 1);
}

/// A soft-deleted user keeps its username and e-mail reserved.
pub async fn soft_deleted_users_keep_their_names(repo: &dyn UserRepository) {
    let gone = user_with("Carol", "carol@example.com");
    create(repo, &gone).await;
    repo.update(&User { deleted_at: Some(at(5)), ..gone.clone() }).await.expect("soft delete");
    assert_duplicate(repo.create(&user_with("CAROL", "new@example.com")).await, UniqueField::Username);
    assert_duplicate(repo.create(&user_with("caroline", "carol@example.com")).await, UniqueField::Email);
    assert_eq!(everyone(repo).await.len(), 1);
}

/// Distinct CJK names (including characters outside the Basic Multilingual Plane) never collide, and
/// neither do names that differ in more than ASCII case.
pub async fn distinct_cjk_names_do_not_collide(repo: &dyn UserRepository) {
    for name in ["张三丰", "张三峰", "\u{20000}\u{20001}x", "\u{20002}\u{20003}x", "山田_taro", "김철수"] {
        create(repo, &user(name)).await;
    }
    assert_eq!(everyone(repo).await.len(), 6);
}

/// `update` replaces every field, unicode and SQL-looking text verbatim, and can clear optional fields.
pub async fn update_replaces_every_field(repo: &dyn UserRepository) {
    let original = User { last_login_at: Some(at(9)), ..user("dora") };
    create(repo, &original).await;
    let changed = User {
        id: original.id,
        username: Username::parse("Dora_李").unwrap(),
        email: Email::parse("o'dora+tag@example.org").unwrap(),
        password_hash: PasswordHash::new("'; DROP TABLE users; --"),
        role: Role::Admin,
        status: UserStatus::Disabled,
        locale: Locale::En,
        created_at: at_us(100, 5),
        updated_at: at_us(200, 999_999),
        last_login_at: None,
        deleted_at: Some(at_us(300, 42)),
    };
    repo.update(&changed).await.expect("update");
    assert_eq!(repo.by_id_any(original.id).await.expect("by_id_any"), Some(changed.clone()));
    let back = User { deleted_at: None, last_login_at: Some(at_us(400, 7)), status: UserStatus::Active, ..changed };
    repo.update(&back).await.expect("update back");
    assert_eq!(repo.by_id(original.id).await.expect("by_id"), Some(back));
}

/// Updating an id that was never stored fails with `NotFound` and stores nothing.
pub async fn update_of_unknown_user_is_not_found(repo: &dyn UserRepository) {
    let ghost = user("ghost");
    assert!(matches!(repo.update(&ghost).await, Err(UserStoreError::NotFound)));
    assert_eq!(repo.by_id_any(ghost.id).await.expect("by_id_any"), None);
}

/// Renaming onto another user's username (any case) or e-mail fails with `Duplicate`, soft-deleted owners
/// included, and leaves the row unchanged.
pub async fn update_onto_taken_names_is_duplicate(repo: &dyn UserRepository) {
    let owner = user_with("erin", "erin@example.com");
    let deleted_owner = User { deleted_at: Some(at(1)), ..user_with("frank", "frank@example.com") };
    let mover = user_with("gina", "gina@example.com");
    for u in [&owner, &deleted_owner, &mover] {
        create(repo, u).await;
    }
    for (name, email, field) in [
        ("ERIN", "gina@example.com", UniqueField::Username),
        ("gina", "erin@example.com", UniqueField::Email),
        ("Frank", "gina@example.com", UniqueField::Username),
        ("gina", "frank@example.com", UniqueField::Email),
    ] {
        let attempt = User {
            username: Username::parse(name).unwrap(),
            email: Email::parse(email).unwrap(),
            role: Role::Admin,
            ..mover.clone()
        };
        assert_duplicate(repo.update(&attempt).await, field);
        assert_eq!(repo.by_id(mover.id).await.expect("by_id"), Some(mover.clone()), "nothing written on failure");
    }
}

/// A soft-deleted user can be updated, and restored by clearing `deleted_at`.
pub async fn soft_deleted_users_can_be_updated_and_restored(repo: &dyn UserRepository) {
    let u = user("hank");
    create(repo, &u).await;
    let deleted = User { deleted_at: Some(at(10)), updated_at: at(10), ..u.clone() };
    repo.update(&deleted).await.expect("soft delete");
    assert_eq!(repo.by_id(u.id).await.expect("by_id"), None);
    let edited = User { locale: Locale::En, ..deleted };
    repo.update(&edited).await.expect("update while deleted");
    assert_eq!(repo.by_id_any(u.id).await.expect("by_id_any"), Some(edited.clone()));
    let restored = User { deleted_at: None, updated_at: at(11), ..edited };
    repo.update(&restored).await.expect("restore");
    assert_eq!(repo.by_id(u.id).await.expect("by_id"), Some(restored));
}
