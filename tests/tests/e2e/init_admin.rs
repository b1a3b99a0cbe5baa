//! `exchange init-admin` as an operator runs it, on both compositions: weak passwords refused with nothing
//! written, the password from EXCHANGE_ADMIN_PASSWORD, idempotent re-runs, conflicts refused, and a clear
//! message when no password can be had.

use e2e::{Api, Composition, ServerBuilder, World};
use serde_json::json;
use std::process::Output;

on_both!(init_admin_keeps_its_promises);

const PASSWORD: &str = "correct-horse-battery-staple";

/// Runs `init-admin` against the world's backends with extra environment.
fn init_admin(world: &World, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut all: Vec<(&str, &str)> = world.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    all.extend_from_slice(env);
    let mut argv = vec!["init-admin"];
    argv.extend_from_slice(args);
    e2e::run_once(world.server.dir(), &argv, &all)
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

async fn login_status(api: &Api, login: &str, password: &str) -> (u16, String) {
    let r = api.post("/api/v1/auth/login", None, json!({"username": login, "password": password})).await;
    (r.status, r.code().to_owned())
}

async fn init_admin_keeps_its_promises(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base).lang("en");
    let who = ["--username", "root_admin", "--email", "root@example.com"];

    // A weak password: refused, the rule named, nothing written.
    let weak = init_admin(&world, &[&who[..], &["--password", "password1"]].concat(), &[]);
    assert_eq!(weak.status.code(), Some(1), "{}", text(&weak));
    assert!(
        text(&weak).contains("too easy to guess") && text(&weak).contains("validation.too_weak"),
        "{}",
        text(&weak)
    );
    assert_eq!(login_status(&api, "root_admin", "password1").await, (401, "auth.invalid_credentials".into()));

    // No password anywhere and no terminal: a clear message, no prompt that hangs.
    let none = init_admin(&world, &who, &[]);
    assert_ne!(none.status.code(), Some(0), "{}", text(&none));
    assert!(text(&none).contains("EXCHANGE_ADMIN_PASSWORD") && text(&none).contains("no password"), "{}", text(&none));

    // The password from the environment: created (so the weak attempt wrote nothing), and it signs in.
    let created = init_admin(&world, &who, &[("EXCHANGE_ADMIN_PASSWORD", PASSWORD)]);
    assert!(created.status.success(), "{}", text(&created));
    assert!(text(&created).contains("created super admin root_admin"), "{}", text(&created));
    let tokens = api.login("root_admin", PASSWORD).await;
    let me = api.get("/api/v1/users/me", Some(&tokens.access)).await;
    assert_eq!((me.status, me.body["role"].as_str()), (200, Some("super_admin")), "{:?}", me.body);

    // Again, even with another password: nothing changes, and the first password still works.
    let again = init_admin(&world, &[&who[..], &["--password", "another-strong-passphrase-42"]].concat(), &[]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(text(&again).contains("nothing changed"), "{}", text(&again));
    api.login("root@example.com", PASSWORD).await;

    // A typo in either name is a conflict, never a second super admin or a promotion.
    let plain = api.register("plain_user", "plain@example.com", PASSWORD).await;
    for (args, code) in [
        (["--username", "root_admin", "--email", "other@example.com"], "user.username_taken"),
        (["--username", "other_root", "--email", "root@example.com"], "user.email_taken"),
        (["--username", "plain_user", "--email", "plain@example.com"], "user.username_taken"),
        (["--username", "PLAIN_USER", "--email", "new@example.com"], "user.username_taken"),
    ] {
        let out = init_admin(&world, &args, &[("EXCHANGE_ADMIN_PASSWORD", PASSWORD)]);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(code), "{args:?}: {}", text(&out));
    }
    let plain_tokens = api.login("plain_user", PASSWORD).await;
    let me = api.get("/api/v1/users/me", Some(&plain_tokens.access)).await;
    assert_eq!(me.body["role"], "user", "not promoted: {plain:?}");
    let users = api.get("/api/v1/admin/users?role=super_admin", Some(&tokens.access)).await;
    assert_eq!(users.body["total"], 1, "{:?}", users.body);
}
