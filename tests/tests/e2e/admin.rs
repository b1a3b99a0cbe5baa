//! The admin API end to end on both compositions: every operation, role rules, session revocation,
//! settings, audit log and statistics.

use e2e::{Api, Composition, ServerBuilder, Tokens, World};
use serde_json::{Value, json};

on_both!(
    admin_manages_users,
    role_rules_hold,
    settings_are_typed_audited_and_applied,
    audit_and_stats_reflect_admin_writes
);

const PASSWORD: &str = "correct-horse-battery-staple";

/// Creates the super admin with `exchange init-admin` (as an operator would) and signs in.
pub async fn super_admin(world: &World, api: &Api) -> Tokens {
    let out =
        world.run(&["init-admin", "--username", "root_admin", "--email", "root@example.com", "--password", PASSWORD]);
    assert!(out.status.success(), "init-admin: {}", String::from_utf8_lossy(&out.stderr));
    api.login("root_admin", PASSWORD).await
}

async fn create(api: &Api, token: &str, username: &str, role: &str) -> Value {
    let r = api
        .post("/api/v1/admin/users", Some(token), json!({"username": username, "email": format!("{username}@example.com"), "password": PASSWORD, "role": role}))
        .await;
    assert_eq!(r.status, 201, "create {username}: {:?}", r.body);
    r.body
}

fn id(user: &Value) -> String {
    user["id"].as_str().unwrap().to_owned()
}

async fn admin_manages_users(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let root = super_admin(&world, &api).await;
    let root = root.access.as_str();

    let dave = create(&api, root, "dave", "user").await;
    for name in ["erin", "frank", "张伟明"] {
        create(&api, root, name, "user").await;
    }
    let dave_id = id(&dave);

    // List: search (case-insensitive, literal), filters, sort, paging, totals.
    let all = api.get("/api/v1/admin/users?size=2&page=1&sort=username&order=asc", Some(root)).await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    assert_eq!((all.body["total"].as_u64(), all.body["items"].as_array().unwrap().len()), (Some(5), 2));
    assert_eq!(all.body["items"][0]["username"], "dave");
    let page3 = api.get("/api/v1/admin/users?size=2&page=3&sort=username&order=asc", Some(root)).await;
    assert_eq!(page3.body["items"].as_array().unwrap().len(), 1);
    let found = api.get("/api/v1/admin/users?search=DAV", Some(root)).await;
    assert_eq!(found.body["total"], 1);
    let cjk = api.get(&format!("/api/v1/admin/users?search={}", "%E5%BC%A0"), Some(root)).await;
    assert_eq!(cjk.body["items"][0]["username"], "张伟明");
    let wildcard = api.get("/api/v1/admin/users?search=%25", Some(root)).await;
    assert_eq!(wildcard.body["total"], 0, "`%` is matched literally");
    let supers = api.get("/api/v1/admin/users?role=super_admin", Some(root)).await;
    assert_eq!(supers.body["total"], 1);
    let too_big = api.get("/api/v1/admin/users?size=101", Some(root)).await;
    assert_eq!((too_big.status, too_big.code()), (400, "validation.out_of_range"));
    assert_eq!(too_big.body["details"]["field"], "size");
    let bad_role = api.get("/api/v1/admin/users?role=emperor", Some(root)).await;
    assert_eq!((bad_role.status, bad_role.code()), (400, "validation.not_one_of"));

    let one = api.get(&format!("/api/v1/admin/users/{dave_id}"), Some(root)).await;
    assert_eq!(one.body["username"], "dave");
    let missing = api.get(&format!("/api/v1/admin/users/{}", uuid::Uuid::now_v7()), Some(root)).await;
    assert_eq!((missing.status, missing.code()), (404, "user.not_found"));

    // Disable: dave's token stops working at the very next request, and he cannot sign in.
    let dave_tokens = api.login("dave", PASSWORD).await;
    assert_eq!(api.get("/api/v1/users/me", Some(&dave_tokens.access)).await.status, 200);
    let disabled = api
        .call("PUT", &format!("/api/v1/admin/users/{dave_id}/status"), Some(root), Some(json!({"status": "disabled"})))
        .await;
    assert_eq!((disabled.status, disabled.body["status"].as_str()), (200, Some("disabled")));
    assert_eq!(api.get("/api/v1/users/me", Some(&dave_tokens.access)).await.code(), "auth.session_revoked");
    let refused = api.post("/api/v1/auth/login", None, json!({"username": "dave", "password": PASSWORD})).await;
    assert_eq!((refused.status, refused.code()), (403, "auth.account_disabled"));
    let enabled = api
        .call("PUT", &format!("/api/v1/admin/users/{dave_id}/status"), Some(root), Some(json!({"status": "active"})))
        .await;
    assert_eq!(enabled.body["status"], "active");
    let dave_tokens = api.login("dave", PASSWORD).await;

    // Soft delete: gone from ordinary lists and login, names still reserved, restorable.
    let deleted = api.call("DELETE", &format!("/api/v1/admin/users/{dave_id}"), Some(root), None).await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    assert!(deleted.body["deleted_at"].is_string());
    assert_eq!(api.get("/api/v1/users/me", Some(&dave_tokens.access)).await.code(), "auth.session_revoked");
    assert_eq!(api.get("/api/v1/admin/users?search=dave", Some(root)).await.body["total"], 0);
    assert_eq!(api.get("/api/v1/admin/users?search=dave&deleted=only", Some(root)).await.body["total"], 1);
    assert_eq!(
        api.post("/api/v1/auth/login", None, json!({"username": "dave", "password": PASSWORD})).await.status,
        401
    );
    let taken = api
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": "DAVE", "email": "new@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!((taken.status, taken.code()), (409, "user.username_taken"));
    let twice = api.call("DELETE", &format!("/api/v1/admin/users/{dave_id}"), Some(root), None).await;
    assert_eq!((twice.status, twice.code()), (409, "user.already_deleted"));
    let restored = api.post(&format!("/api/v1/admin/users/{dave_id}/restore"), Some(root), json!({})).await;
    assert_eq!((restored.status, restored.body["deleted_at"].clone()), (200, Value::Null));
    let again = api.post(&format!("/api/v1/admin/users/{dave_id}/restore"), Some(root), json!({})).await;
    assert_eq!((again.status, again.code()), (409, "user.not_deleted"));

    // Reset password: every session of dave ends, the new password works, a weak one is refused.
    let dave_tokens = api.login("dave", PASSWORD).await;
    let weak = api
        .call(
            "PUT",
            &format!("/api/v1/admin/users/{dave_id}/password"),
            Some(root),
            Some(json!({"password": "12345678"})),
        )
        .await;
    assert_eq!((weak.status, weak.code()), (400, "validation.too_weak"));
    let reset = api
        .call(
            "PUT",
            &format!("/api/v1/admin/users/{dave_id}/password"),
            Some(root),
            Some(json!({"password": "glacier-mosaic-lantern-7"})),
        )
        .await;
    assert_eq!(reset.status, 200, "{:?}", reset.body);
    assert_eq!(api.get("/api/v1/users/me", Some(&dave_tokens.access)).await.code(), "auth.session_revoked");
    api.login("dave", "glacier-mosaic-lantern-7").await;

    // Admins cannot disable or delete themselves.
    let root_id = api.get("/api/v1/users/me", Some(root)).await.body["id"].as_str().unwrap().to_owned();
    let own = api.call("DELETE", &format!("/api/v1/admin/users/{root_id}"), Some(root), None).await;
    assert_eq!((own.status, own.code()), (403, "admin.self_target"));
}

async fn role_rules_hold(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let root = super_admin(&world, &api).await;
    let root = root.access.as_str();
    let admin = create(&api, root, "ada_admin", "admin").await;
    let user = create(&api, root, "uma_user", "user").await;
    let admin_tokens = api.login("ada_admin", PASSWORD).await;
    let user_tokens = api.login("uma_user", PASSWORD).await;

    // A plain user gets 403 on every admin route.
    for (method, path) in [
        ("GET", "/api/v1/admin/users"),
        ("GET", "/api/v1/admin/settings"),
        ("GET", "/api/v1/admin/audit"),
        ("GET", "/api/v1/admin/stats"),
    ] {
        let r = api.call(method, path, Some(&user_tokens.access), None).await;
        assert_eq!((r.status, r.code()), (403, "auth.forbidden"), "{path}");
    }
    let no_token = api.get("/api/v1/admin/users", None).await;
    assert_eq!((no_token.status, no_token.code()), (401, "auth.token_missing"));

    // An admin manages users but not admins, and cannot grant admin.
    let grant = api
        .call(
            "PUT",
            &format!("/api/v1/admin/users/{}/role", id(&user)),
            Some(&admin_tokens.access),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!((grant.status, grant.code()), (403, "admin.super_admin_required"));
    let make_admin = api
        .post(
            "/api/v1/admin/users",
            Some(&admin_tokens.access),
            json!({"username": "sneaky", "email": "s@example.com", "password": PASSWORD, "role": "admin"}),
        )
        .await;
    assert_eq!((make_admin.status, make_admin.code()), (403, "admin.super_admin_required"));
    let peer = api
        .call(
            "PUT",
            &format!("/api/v1/admin/users/{}/status", id(&admin)),
            Some(&admin_tokens.access),
            Some(json!({"status": "disabled"})),
        )
        .await;
    assert_eq!(peer.status, 403);
    let disable_user = api
        .call(
            "PUT",
            &format!("/api/v1/admin/users/{}/status", id(&user)),
            Some(&admin_tokens.access),
            Some(json!({"status": "disabled"})),
        )
        .await;
    assert_eq!(disable_user.status, 200);

    // The super admin grants admin; a demoted admin loses admin rights at once, token or not.
    let promoted = api
        .call("PUT", &format!("/api/v1/admin/users/{}/role", id(&user)), Some(root), Some(json!({"role": "admin"})))
        .await;
    assert_eq!(promoted.body["role"], "admin");
    let demoted = api
        .call("PUT", &format!("/api/v1/admin/users/{}/role", id(&admin)), Some(root), Some(json!({"role": "user"})))
        .await;
    assert_eq!(demoted.body["role"], "user");
    let stale = api.get("/api/v1/admin/users", Some(&admin_tokens.access)).await;
    assert_eq!((stale.status, stale.code()), (403, "auth.forbidden"));

    // Nobody demotes the last super admin; with a second one, demotion works.
    let root_id = api.get("/api/v1/users/me", Some(root)).await.body["id"].as_str().unwrap().to_owned();
    let last = api
        .lang("en")
        .call("PUT", &format!("/api/v1/admin/users/{root_id}/role"), Some(root), Some(json!({"role": "admin"})))
        .await;
    assert_eq!((last.status, last.code()), (409, "user.last_super_admin"));
    assert!(last.body["message"].as_str().unwrap().contains("last super admin"));
    let second = create(&api, root, "sam_super", "super_admin").await;
    let demote_second = api
        .call("PUT", &format!("/api/v1/admin/users/{}/role", id(&second)), Some(root), Some(json!({"role": "user"})))
        .await;
    assert_eq!(demote_second.status, 200);
}

async fn settings_are_typed_audited_and_applied(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let root = super_admin(&world, &api).await;
    let root = root.access.as_str();

    let list = api.get("/api/v1/admin/settings", Some(root)).await;
    assert_eq!(list.status, 200);
    let find = |body: &Value, key: &str| body.as_array().unwrap().iter().find(|s| s["key"] == key).cloned().unwrap();
    let open = find(&list.body, "auth.registration_open");
    assert_eq!((open["type"].as_str(), open["value"].as_bool()), (Some("bool"), Some(true)));
    let limit = find(&list.body, "rate_limit.login_failures");
    assert_eq!((limit["min"].as_i64(), limit["max"].as_i64()), (Some(1), Some(1000)));

    // One bad value refuses the whole change: nothing is written.
    let mixed = api
        .call(
            "PATCH",
            "/api/v1/admin/settings",
            Some(root),
            Some(json!({"values": {"site.name": "ok", "rate_limit.login_failures": 0}})),
        )
        .await;
    assert_eq!((mixed.status, mixed.code()), (400, "validation.out_of_range"));
    assert_eq!(mixed.body["details"]["field"], "settings.rate_limit.login_failures");
    assert_eq!(find(&api.get("/api/v1/admin/settings", Some(root)).await.body, "site.name")["value"], "exchange");
    let unknown =
        api.call("PATCH", "/api/v1/admin/settings", Some(root), Some(json!({"values": {"site.colour": "red"}}))).await;
    assert_eq!((unknown.status, unknown.code()), (400, "validation.not_one_of"));
    let wrong_type = api
        .call("PATCH", "/api/v1/admin/settings", Some(root), Some(json!({"values": {"auth.registration_open": "no"}})))
        .await;
    assert_eq!((wrong_type.status, wrong_type.code()), (400, "validation.wrong_type"));

    // SQL-looking and CJK text is stored verbatim; closing registration takes effect at once.
    let name = "交易所'; DROP TABLE users; --";
    let changed = api
        .call(
            "PATCH",
            "/api/v1/admin/settings",
            Some(root),
            Some(json!({"values": {"site.name": name, "auth.registration_open": false}})),
        )
        .await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(find(&changed.body, "site.name")["value"], name);
    assert!(find(&changed.body, "site.name")["updated_by"].is_string());
    let closed = api
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": "late_comer", "email": "late@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!((closed.status, closed.code()), (403, "auth.registration_closed"));
    let reset = api.call("DELETE", "/api/v1/admin/settings/auth.registration_open", Some(root), None).await;
    assert_eq!(find(&reset.body, "auth.registration_open")["value"], true);
    api.register("late_comer", "late@example.com", PASSWORD).await;

    // The default locale setting decides the language of requests that name none.
    api.call("PATCH", "/api/v1/admin/settings", Some(root), Some(json!({"values": {"i18n.default_locale": "en"}})))
        .await;
    let nf = api.get("/api/v1/nothing", None).await;
    assert_eq!(nf.body["message"], "No resource at this address.");
}

async fn audit_and_stats_reflect_admin_writes(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let root = super_admin(&world, &api).await;
    let root = root.access.as_str();
    let gina = create(&api, root, "gina", "user").await;
    api.call(
        "PUT",
        &format!("/api/v1/admin/users/{}/status", id(&gina)),
        Some(root),
        Some(json!({"status": "disabled"})),
    )
    .await;
    api.call("PATCH", "/api/v1/admin/settings", Some(root), Some(json!({"values": {"site.name": "Exchange HQ"}})))
        .await;
    api.register("hank", "hank@example.com", PASSWORD).await;
    api.login("hank", PASSWORD).await;

    let audit = api.get("/api/v1/admin/audit", Some(root)).await;
    assert_eq!(audit.status, 200, "{:?}", audit.body);
    let actions: Vec<&str> =
        audit.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.starts_with(&["setting.update", "user.disable", "user.create"]), "{actions:?}");
    let disable = &audit.body["items"][1];
    assert_eq!(disable["actor_name"], "root_admin");
    assert_eq!(disable["target"], format!("user:{}", id(&gina)));
    assert_eq!(
        (disable["before"]["status"].as_str(), disable["after"]["status"].as_str()),
        (Some("active"), Some("disabled"))
    );
    assert!(disable["request_id"].is_string() && disable["ip"].is_string());
    assert!(!disable.to_string().contains("argon2"), "no password hashes in the audit log");
    let filtered = api.get("/api/v1/admin/audit?action=setting.update", Some(root)).await;
    assert_eq!(filtered.body["total"], 1);
    assert_eq!(filtered.body["items"][0]["after"], "Exchange HQ");

    let stats = api.get("/api/v1/admin/stats", Some(root)).await;
    assert_eq!(stats.status, 200);
    let users = &stats.body["users"];
    assert_eq!(users["total"], 3);
    assert_eq!(users["new_today"], 3);
    assert_eq!(users["active_24h"], 2, "root and hank signed in: {users}");
    assert_eq!(users["by_role"]["super_admin"], 1);
    assert_eq!(users["by_status"]["disabled"], 1);
}
