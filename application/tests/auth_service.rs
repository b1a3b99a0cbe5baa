//! AuthService over memory stores: login throttling per account and IP, and rehashing of legacy hashes.

mod support;

use application::RequestMeta;
use application::auth::{AuthError, LoginInput};
use domain::user::{Role, UserRepository};
use support::{LEGACY, PASSWORD, World};

fn from(ip: &str) -> RequestMeta {
    RequestMeta { ip: Some(ip.into()), ..RequestMeta::default() }
}

fn login(login: &str, password: &str) -> LoginInput {
    LoginInput { login: login.into(), password: password.into() }
}

#[tokio::test]
async fn every_spelling_of_one_account_shares_one_failure_budget() {
    let world = World::new();
    world.seed("budget_user", Role::User, &format!("plain${PASSWORD}")).await;
    let ip = from("192.0.2.1");
    for name in ["budget_user", "BUDGET_USER", "budget_user", "budget_user@example.com", " Budget_User@Example.com "] {
        let err = world.auth.login(login(name, "wrong-wrong-wrong"), &ip).await.expect_err("wrong password");
        assert!(matches!(err, AuthError::InvalidCredentials), "{name}: {err:?}");
    }
    for name in ["budget_user@example.com", "budget_user"] {
        let err = world.auth.login(login(name, PASSWORD), &ip).await.expect_err("locked");
        assert!(matches!(err, AuthError::LoginLocked { .. }), "{name}: {err:?}");
    }
    world.auth.login(login("budget_user@example.com", PASSWORD), &from("192.0.2.2")).await.expect("other IP");
}

#[tokio::test]
async fn unknown_logins_lock_out_too() {
    let world = World::new();
    let ip = from("192.0.2.3");
    for _ in 0..5 {
        let err = world.auth.login(login("ghost_user", "whatever"), &ip).await.expect_err("unknown");
        assert!(matches!(err, AuthError::InvalidCredentials), "{err:?}");
    }
    let err = world.auth.login(login("GHOST_USER", "whatever"), &ip).await.expect_err("locked");
    assert!(matches!(err, AuthError::LoginLocked { .. }), "{err:?}");
}

#[tokio::test]
async fn a_legacy_hash_is_replaced_on_the_next_successful_login_only() {
    let world = World::new();
    let user = world.seed("legacy_user", Role::User, &format!("{LEGACY}{PASSWORD}")).await;
    let ip = from("192.0.2.4");
    world.auth.login(login("legacy_user", "wrong-wrong-wrong"), &ip).await.expect_err("wrong");
    let stored = world.users.by_id(user.id).await.expect("read").expect("there");
    assert!(stored.password_hash.as_str().starts_with(LEGACY), "a failed login rehashes nothing");
    world.auth.login(login("legacy_user", PASSWORD), &ip).await.expect("signs in");
    let stored = world.users.by_id(user.id).await.expect("read").expect("there");
    assert_eq!(stored.password_hash.as_str(), format!("plain${PASSWORD}"), "rehashed with today's hasher");
    assert!(stored.last_login_at.is_some());
    world.auth.login(login("legacy_user", PASSWORD), &ip).await.expect("the new hash verifies");
    assert_eq!(world.hasher.hashes(), 1, "rehashed once");
}

#[tokio::test]
async fn the_cached_profile_shows_every_change_made_through_the_services() {
    use application::Actor;
    use application::auth::{Principal, ProfileChanges};
    let world = World::new();
    let alice = world.seed("alice", Role::User, LEGACY).await;
    let root = world.seed("root_admin", Role::SuperAdmin, LEGACY).await;
    let me = Principal { user_id: alice.id, role: alice.role, session_id: domain::ids::SessionId::new() };
    assert_eq!(world.auth.me(&me).await.expect("profile").email.as_str(), "alice@example.com");

    let changes = ProfileChanges { email: Some("alice@example.org".into()), locale: None };
    world.auth.update_me(&me, changes).await.expect("own change");
    assert_eq!(world.auth.me(&me).await.expect("profile").email.as_str(), "alice@example.org", "own change shown");

    let actor = Actor { id: root.id, username: root.username.as_str().to_owned(), role: root.role };
    world.admin.set_role(&actor, alice.id, Role::Admin, &RequestMeta::default()).await.expect("admin change");
    assert_eq!(world.auth.me(&me).await.expect("profile").role, Role::Admin, "an admin's change shown");
}
