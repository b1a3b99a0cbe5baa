//! AdminService over memory stores: permission comes before any password work.

mod support;

use application::admin::AdminError;
use application::{Actor, RequestMeta};
use domain::user::{Role, UserRepository};
use support::{PASSWORD, World};

fn actor(user: &domain::user::User) -> Actor {
    Actor { id: user.id, username: user.username.as_str().to_owned(), role: user.role }
}

#[tokio::test]
async fn an_admin_resetting_a_super_admin_is_refused_before_the_password_is_looked_at() {
    let world = World::new();
    let root = world.seed("root_admin", Role::SuperAdmin, "plain$x").await;
    let admin = world.seed("plain_admin", Role::Admin, "plain$x").await;
    let meta = RequestMeta::default();
    for password in ["weak", PASSWORD] {
        let err = world.admin.reset_password(&actor(&admin), root.id, password, &meta).await.expect_err("refused");
        assert!(matches!(err, AdminError::SuperAdminRequired), "{password}: {err:?}");
    }
    assert_eq!(world.hasher.hashes(), 0, "no hash is computed for a refused caller");
    let stored = world.users.by_id(root.id).await.expect("read").expect("still there");
    assert_eq!(stored.password_hash.as_str(), "plain$x", "nothing written");
}

#[tokio::test]
async fn a_super_admin_resets_an_admin_and_the_policy_still_applies() {
    let world = World::new();
    let root = world.seed("root_admin", Role::SuperAdmin, "plain$x").await;
    let admin = world.seed("plain_admin", Role::Admin, "plain$x").await;
    let meta = RequestMeta::default();
    let weak = world.admin.reset_password(&actor(&root), admin.id, "password1", &meta).await.expect_err("weak");
    assert!(matches!(weak, AdminError::Invalid(_)), "{weak:?}");
    world.admin.reset_password(&actor(&root), admin.id, PASSWORD, &meta).await.expect("reset");
    assert_eq!(world.hasher.hashes(), 1);
    let stored = world.users.by_id(admin.id).await.expect("read").expect("there");
    assert_eq!(stored.password_hash.as_str(), format!("plain${PASSWORD}"));
}

#[tokio::test]
async fn a_plain_user_cannot_reset_anyone() {
    let world = World::new();
    let user = world.seed("someone", Role::User, "plain$x").await;
    let other = world.seed("other_one", Role::User, "plain$x").await;
    let err = world
        .admin
        .reset_password(&actor(&user), other.id, PASSWORD, &RequestMeta::default())
        .await
        .expect_err("not an admin");
    assert!(matches!(err, AdminError::Forbidden(_)), "{err:?}");
    assert_eq!(world.hasher.hashes(), 0);
}

#[tokio::test]
async fn the_user_search_finds_a_name_by_either_spelling_of_its_ideographs() {
    let world = World::new();
    let root = world.seed("root_admin", Role::SuperAdmin, "plain$x").await;
    let named = world.seed("\u{8C48}\u{8C48}\u{8C48}", Role::User, "plain$x").await;
    for needle in ["\u{F900}\u{F900}", "\u{8C48}\u{8C48}"] {
        let query = domain::user::UserQuery { search: Some(needle.to_owned()), ..Default::default() };
        let page = world.admin.list_users(&actor(&root), &query).await.expect("list");
        let ids: Vec<_> = page.items.iter().map(|u| u.id).collect();
        assert_eq!(ids, vec![named.id], "{needle:?}");
    }
}
