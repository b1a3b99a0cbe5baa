//! Accounts end to end, on the embedded composition and on MariaDB + Redis: register, login, profile,
//! refresh rotation with reuse detection, password change, logout.

use e2e::{Api, Composition, ServerBuilder, World};
use serde_json::json;

on_both!(
    user_lifecycle,
    refresh_reuse_revokes_the_session,
    password_change_signs_out_other_sessions,
    look_alike_usernames_are_one_name
);

const PASSWORD: &str = "correct-horse-battery-staple";

async fn user_lifecycle(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);

    let user = api.register("Alice_01", "Alice@Example.com", PASSWORD).await;
    assert_eq!(user["username"], "Alice_01");
    assert_eq!(user["email"], "alice@example.com", "e-mails are normalized");
    assert_eq!(user["role"], "user");
    assert!(user.get("password_hash").is_none() && !user.to_string().contains("argon2"), "{user}");

    // Login by username in any case, or by e-mail in any case.
    let by_name = api.login("alice_01", PASSWORD).await;
    let by_mail = api.login("ALICE@example.com", PASSWORD).await;
    let wrong =
        api.post("/api/v1/auth/login", None, json!({"username": "alice_01", "password": "not-it-at-all-123"})).await;
    assert_eq!((wrong.status, wrong.code()), (401, "auth.invalid_credentials"));
    let nobody = api.post("/api/v1/auth/login", None, json!({"username": "nobody_here", "password": PASSWORD})).await;
    assert_eq!(nobody.body["code"], wrong.body["code"], "unknown accounts look like wrong passwords");

    let me = api.get("/api/v1/users/me", Some(&by_name.access)).await;
    assert_eq!((me.status, me.body["id"].clone()), (200, user["id"].clone()));
    assert!(me.body["last_login_at"].is_string());

    let patched = api.call("PATCH", "/api/v1/users/me", Some(&by_mail.access), Some(json!({"locale": "en"}))).await;
    assert_eq!((patched.status, patched.body["locale"].as_str()), (200, Some("en")));
    let bad_locale = api.call("PATCH", "/api/v1/users/me", Some(&by_mail.access), Some(json!({"locale": "fr"}))).await;
    assert_eq!((bad_locale.status, bad_locale.code()), (400, "validation.not_one_of"));

    // Refresh gives a new pair that works; the token response has the OAuth2 shape.
    let refreshed = api.post("/api/v1/auth/refresh", None, json!({"refresh_token": by_name.refresh})).await;
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.body);
    assert_eq!(refreshed.body["token_type"], "Bearer");
    assert_eq!(refreshed.body["expires_in"], 900);
    let new_access = refreshed.body["access_token"].as_str().unwrap();
    assert_ne!(refreshed.body["refresh_token"].as_str().unwrap(), by_name.refresh);
    assert_eq!(api.get("/api/v1/users/me", Some(new_access)).await.status, 200);

    // Logout revokes that session at once; the other session is untouched.
    let out = api.post("/api/v1/auth/logout", Some(new_access), json!({})).await;
    assert_eq!(out.status, 204, "{:?}", out.body);
    let after = api.get("/api/v1/users/me", Some(new_access)).await;
    assert_eq!((after.status, after.code()), (401, "auth.session_revoked"));
    assert_eq!(api.get("/api/v1/users/me", Some(&by_mail.access)).await.status, 200);

    // The registered account is stored: a new server process on the same data would see it.
    let again = api
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": "alice_01", "email": "other@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!((again.status, again.code()), (409, "user.username_taken"));
}

async fn refresh_reuse_revokes_the_session(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    api.register("bob_reuse", "bob@example.com", PASSWORD).await;
    let first = api.login("bob_reuse", PASSWORD).await;
    let second = api.post("/api/v1/auth/refresh", None, json!({"refresh_token": first.refresh})).await;
    assert_eq!(second.status, 200);
    let second_access = second.body["access_token"].as_str().unwrap().to_owned();
    let second_refresh = second.body["refresh_token"].as_str().unwrap().to_owned();

    // The spent token comes back: theft is assumed and the whole family dies.
    let reused = api.lang("en").post("/api/v1/auth/refresh", None, json!({"refresh_token": first.refresh})).await;
    assert_eq!((reused.status, reused.code()), (401, "auth.refresh_reused"));
    assert!(reused.body["message"].as_str().unwrap().contains("already used"));
    let newest = api.post("/api/v1/auth/refresh", None, json!({"refresh_token": second_refresh})).await;
    assert_eq!((newest.status, newest.code()), (401, "auth.refresh_invalid"));
    for token in [&first.access, &second_access] {
        let r = api.get("/api/v1/users/me", Some(token)).await;
        assert_eq!((r.status, r.code()), (401, "auth.session_revoked"));
    }
    // Garbage refresh tokens are refused without touching anything.
    let junk = api.post("/api/v1/auth/refresh", None, json!({"refresh_token": "'; DROP TABLE sessions; --"})).await;
    assert_eq!((junk.status, junk.code()), (401, "auth.refresh_invalid"));
}

async fn password_change_signs_out_other_sessions(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    api.register("carol_pw", "carol@example.com", PASSWORD).await;
    let here = api.login("carol_pw", PASSWORD).await;
    let elsewhere = api.login("carol_pw", PASSWORD).await;
    let new_password = "tranquil-violet-harbor-42";

    let wrong = api
        .call(
            "PUT",
            "/api/v1/users/me/password",
            Some(&here.access),
            Some(json!({"current_password": "nope-nope-nope", "new_password": new_password})),
        )
        .await;
    assert_eq!((wrong.status, wrong.code()), (400, "auth.wrong_password"));
    let weak = api
        .call(
            "PUT",
            "/api/v1/users/me/password",
            Some(&here.access),
            Some(json!({"current_password": PASSWORD, "new_password": "carol_pw123"})),
        )
        .await;
    assert_eq!((weak.status, weak.code()), (400, "validation.too_weak"));
    assert_eq!(weak.body["details"]["field"], "password");

    let ok = api
        .call(
            "PUT",
            "/api/v1/users/me/password",
            Some(&here.access),
            Some(json!({"current_password": PASSWORD, "new_password": new_password})),
        )
        .await;
    assert_eq!(ok.status, 204, "{:?}", ok.body);
    assert_eq!(api.get("/api/v1/users/me", Some(&here.access)).await.status, 200, "the current session stays");
    assert_eq!(api.get("/api/v1/users/me", Some(&elsewhere.access)).await.code(), "auth.session_revoked");
    let old = api.post("/api/v1/auth/login", None, json!({"username": "carol_pw", "password": PASSWORD})).await;
    assert_eq!(old.status, 401);
    api.login("carol_pw", new_password).await;
}

/// `豈豈豈` (U+F900, a CJK compatibility ideograph) and `豈豈豈` (U+8C48, its unified twin) look the same:
/// the first is stored in NFC as the second, so the second is taken, and either spelling signs in.
async fn look_alike_usernames_are_one_name(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let (compat, unified) = ("\u{F900}\u{F900}\u{F900}", "\u{8C48}\u{8C48}\u{8C48}");
    let first = api.register(compat, "first@example.com", PASSWORD).await;
    assert_eq!(first["username"], unified, "stored in NFC");
    let second = api
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": unified, "email": "second@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!((second.status, second.code()), (409, "user.username_taken"), "{:?}", second.body);
    let tokens = api.login(compat, PASSWORD).await;
    let me = api.get("/api/v1/users/me", Some(&tokens.access)).await;
    assert_eq!((me.body["username"].as_str(), me.body["email"].as_str()), (Some(unified), Some("first@example.com")));
    api.login(unified, PASSWORD).await;
}
