//! The chat REST API end to end on both compositions: groups and membership rules (403 for non-members,
//! 404s, ownership transfer), the member limit setting, history paging in both directions, unread counts
//! after marking read, presence, and localized errors in zh-CN and en.
//!
//! Messages come from group events (each rename stores a system message), so most scenarios need no
//! WebSocket; the last one checks that REST and the WebSocket agree on conversations, unread counts, live
//! group notices and read marks.

use crate::admin::super_admin;
use e2e::ws::WsClient;
use e2e::{Api, Composition, ServerBuilder, World};
use serde_json::{Value, json};

on_both!(
    groups_and_membership_rules,
    member_limit_comes_from_the_setting,
    history_pages_and_unread_counts,
    rest_and_websocket_see_the_same_conversations
);

const PASSWORD: &str = "correct-horse-battery-staple";

/// Registers and signs in `name`; returns (user id, access token).
async fn account(api: &Api, name: &str) -> (String, String) {
    let user = api.register(name, &format!("{name}@example.com"), PASSWORD).await;
    let tokens = api.login(name, PASSWORD).await;
    (user["id"].as_str().expect("id").to_owned(), tokens.access)
}

fn seqs(history: &Value) -> Vec<u64> {
    history["items"].as_array().expect("items").iter().filter_map(|m| m["seq"].as_u64()).collect()
}

async fn groups_and_membership_rules(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let en = api.lang("en");
    let (alice_id, alice) = account(&api, "alice").await;
    let (bob_id, bob) = account(&api, "bob").await;
    let (mallory_id, mallory) = account(&api, "mallory").await;

    let created =
        api.post("/api/v1/groups", Some(&alice), json!({"name": "  Release team ", "members": [bob_id]})).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let g = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["name"], "Release team");
    assert_eq!((created.body["my_role"].as_str(), created.body["member_count"].as_u64()), (Some("owner"), Some(2)));
    assert_eq!(created.body["conversation"], format!("g:{g}"));
    let mine = api.get("/api/v1/groups", Some(&bob)).await;
    assert_eq!(mine.body["items"][0]["id"], g.as_str());

    // Outsiders: 403 on the group, its members and its history, localized in both languages.
    let outsider = api.get(&format!("/api/v1/groups/{g}"), Some(&mallory)).await;
    assert_eq!((outsider.status, outsider.code()), (403, "group.members_only"));
    assert_eq!(outsider.body["message"], "只有该群组成员可以执行此操作。");
    let outsider_en = en.get(&format!("/api/v1/groups/{g}/members"), Some(&mallory)).await;
    assert_eq!((outsider_en.status, outsider_en.code()), (403, "group.members_only"));
    assert_eq!(outsider_en.body["message"], "Only members of this group can do this.");
    let history = en.get(&format!("/api/v1/conversations/g:{g}/messages"), Some(&mallory)).await;
    assert_eq!((history.status, history.code()), (403, "conversation.forbidden"));
    assert!(history.body["message"].as_str().unwrap().contains("conversation"), "{:?}", history.body);
    let direct_of_others =
        if alice_id < bob_id { format!("d:{alice_id}:{bob_id}") } else { format!("d:{bob_id}:{alice_id}") };
    let peek = api.get(&format!("/api/v1/conversations/{direct_of_others}/messages"), Some(&mallory)).await;
    assert_eq!((peek.status, peek.code()), (403, "conversation.forbidden"));

    // 404s and malformed ids.
    let missing = uuid::Uuid::now_v7();
    let no_group = api.get(&format!("/api/v1/groups/{missing}"), Some(&alice)).await;
    assert_eq!((no_group.status, no_group.code()), (404, "group.not_found"));
    let no_history = api.get(&format!("/api/v1/conversations/g:{missing}/messages"), Some(&alice)).await;
    assert_eq!((no_history.status, no_history.code()), (404, "group.not_found"));
    let bad_id = api.get("/api/v1/conversations/x:1/messages", Some(&alice)).await;
    assert_eq!((bad_id.status, bad_id.code()), (400, "validation.invalid_format"));
    let ghost = api.post(&format!("/api/v1/groups/{g}/members"), Some(&alice), json!({"user_id": missing})).await;
    assert_eq!((ghost.status, ghost.code()), (404, "user.not_found"));
    let blank = en.post("/api/v1/groups", Some(&alice), json!({"name": "   "})).await;
    assert_eq!(
        (blank.status, blank.code(), blank.body["details"]["field"].as_str()),
        (400, "validation.required", Some("name"))
    );
    assert_eq!(blank.body["message"], "Name is required.");
    let no_token = api.get("/api/v1/groups", None).await;
    assert_eq!(no_token.status, 401);

    // Roles: members cannot rename or add; the owner can.
    let rename = api.call("PATCH", &format!("/api/v1/groups/{g}"), Some(&bob), Some(json!({"name": "mine"}))).await;
    assert_eq!((rename.status, rename.code()), (403, "group.owner_only"));
    let add = api.post(&format!("/api/v1/groups/{g}/members"), Some(&bob), json!({"user_id": mallory_id})).await;
    assert_eq!((add.status, add.code()), (403, "group.admins_only"));
    let renamed = api.call("PATCH", &format!("/api/v1/groups/{g}"), Some(&alice), Some(json!({"name": "Ops"}))).await;
    assert_eq!((renamed.status, renamed.body["name"].as_str()), (200, Some("Ops")));
    let added = api.post(&format!("/api/v1/groups/{g}/members"), Some(&alice), json!({"user_id": mallory_id})).await;
    assert_eq!((added.status, added.body["role"].as_str()), (201, Some("member")));
    let twice = api.post(&format!("/api/v1/groups/{g}/members"), Some(&alice), json!({"user_id": mallory_id})).await;
    assert_eq!((twice.status, twice.code()), (409, "group.already_member"));
    let members = api.get(&format!("/api/v1/groups/{g}/members?size=2"), Some(&mallory)).await;
    assert_eq!((members.status, members.body["total"].as_u64()), (200, Some(3)));
    assert_eq!(members.body["items"][0]["user_id"], alice_id.as_str(), "owner first");
    let left = api.post(&format!("/api/v1/groups/{g}/leave"), Some(&mallory), json!({})).await;
    assert_eq!(left.status, 204, "{:?}", left.body);
    assert_eq!(api.get(&format!("/api/v1/groups/{g}"), Some(&mallory)).await.status, 403);

    // The owner transfers ownership before leaving.
    let stuck = api.post(&format!("/api/v1/groups/{g}/leave"), Some(&alice), json!({})).await;
    assert_eq!((stuck.status, stuck.code()), (409, "group.owner_must_transfer"));
    assert!(stuck.body["message"].as_str().unwrap().contains("群主"), "{:?}", stuck.body);
    let transfer = api
        .call("PATCH", &format!("/api/v1/groups/{g}/members/{bob_id}"), Some(&alice), Some(json!({"role": "owner"})))
        .await;
    assert_eq!((transfer.status, transfer.body["role"].as_str()), (200, Some("owner")));
    let remove_owner = api.call("DELETE", &format!("/api/v1/groups/{g}/members/{bob_id}"), Some(&alice), None).await;
    assert_eq!((remove_owner.status, remove_owner.code()), (403, "group.cannot_remove"));
    assert_eq!(api.post(&format!("/api/v1/groups/{g}/leave"), Some(&alice), json!({})).await.status, 204);

    // Presence: nobody has a WebSocket open; unknown users are 404.
    let presence = api.get(&format!("/api/v1/users/{alice_id}/presence"), Some(&bob)).await;
    assert_eq!((presence.status, presence.body["online"].as_bool()), (200, Some(false)));
    let nobody = api.get(&format!("/api/v1/users/{missing}/presence"), Some(&bob)).await;
    assert_eq!((nobody.status, nobody.code()), (404, "user.not_found"));

    // Delete: owner only; the group and its history are gone.
    let delete = api.call("DELETE", &format!("/api/v1/groups/{g}"), Some(&bob), None).await;
    assert_eq!(delete.status, 204, "{:?}", delete.body);
    assert_eq!(api.get(&format!("/api/v1/groups/{g}"), Some(&bob)).await.code(), "group.not_found");
    assert_eq!(api.get(&format!("/api/v1/conversations/g:{g}/messages"), Some(&bob)).await.status, 404);
}

async fn member_limit_comes_from_the_setting(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let root = super_admin(&world, &api).await;
    let set = api
        .call(
            "PATCH",
            "/api/v1/admin/settings",
            Some(&root.access),
            Some(json!({"values": {"chat.group_member_limit": 3}})),
        )
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let (_, alice) = account(&api, "alice").await;
    let mut ids = Vec::new();
    for name in ["bob", "carol", "dave"] {
        ids.push(account(&api, name).await.0);
    }
    let too_many = api.post("/api/v1/groups", Some(&alice), json!({"name": "big", "members": ids})).await;
    assert_eq!((too_many.status, too_many.code()), (409, "group.full"));
    assert_eq!(too_many.body["details"]["limit"], "3");
    let created = api.post("/api/v1/groups", Some(&alice), json!({"name": "small", "members": &ids[..2]})).await;
    assert_eq!((created.status, created.body["member_limit"].as_u64()), (201, Some(3)));
    let g = created.body["id"].as_str().unwrap().to_owned();
    let full =
        api.lang("en").post(&format!("/api/v1/groups/{g}/members"), Some(&alice), json!({"user_id": ids[2]})).await;
    assert_eq!((full.status, full.code()), (409, "group.full"));
    assert_eq!(full.body["message"], "The group is full (3 members).");
    let full_zh = api.post(&format!("/api/v1/groups/{g}/members"), Some(&alice), json!({"user_id": ids[2]})).await;
    assert_eq!(full_zh.body["message"], "群组已满（3 人）。");
}

async fn history_pages_and_unread_counts(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let (_, alice) = account(&api, "alice").await;
    let (bob_id, bob) = account(&api, "bob").await;
    let created = api.post("/api/v1/groups", Some(&alice), json!({"name": "n0", "members": [bob_id]})).await;
    let g = created.body["id"].as_str().unwrap().to_owned();
    // seq 1 is the creation notice; 30 renames add seq 2..=31.
    for i in 1..=30 {
        let r = api
            .call("PATCH", &format!("/api/v1/groups/{g}"), Some(&alice), Some(json!({"name": format!("n{i}")})))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let path = format!("/api/v1/conversations/g:{g}/messages");
    let all = api.get(&path, Some(&bob)).await;
    assert_eq!((all.status, seqs(&all.body), all.body["latest_seq"].as_u64()), (200, (1..=31).collect(), Some(31)));
    let first = &all.body["items"][0];
    assert_eq!((first["kind"].as_str(), first.get("sender_id")), (Some("system"), None));
    assert_eq!(first["body"], "alice 创建了群组「n0」");

    // Backwards from the newest, then forwards from the start, 10 at a time.
    let newest = api.get(&format!("{path}?limit=10"), Some(&bob)).await;
    assert_eq!(seqs(&newest.body), (22..=31).collect::<Vec<_>>());
    let back = api.get(&format!("{path}?limit=10&before=22"), Some(&bob)).await;
    assert_eq!(seqs(&back.body), (12..=21).collect::<Vec<_>>());
    let oldest = api.get(&format!("{path}?limit=10&before=3"), Some(&bob)).await;
    assert_eq!(seqs(&oldest.body), vec![1, 2]);
    let forward = api.get(&format!("{path}?limit=10&after=25"), Some(&bob)).await;
    assert_eq!(seqs(&forward.body), (26..=31).collect::<Vec<_>>());
    let between = api.get(&format!("{path}?after=4&before=8"), Some(&bob)).await;
    assert_eq!(seqs(&between.body), vec![5, 6, 7]);
    for (bad, code) in [
        ("limit=101", "validation.out_of_range"),
        ("limit=0", "validation.out_of_range"),
        ("after=-1", "validation.wrong_type"),
        ("before=x", "validation.wrong_type"),
    ] {
        let r = api.get(&format!("{path}?{bad}"), Some(&bob)).await;
        assert_eq!((r.status, r.code()), (400, code), "{bad}: {:?}", r.body);
        assert_eq!(r.body["details"]["field"].as_str(), bad.split('=').next(), "{bad}");
    }

    // Unread counts follow the read position, which only moves forward and stops at the newest message.
    let unread = |list: &Value| {
        list["items"].as_array().unwrap().iter().find(|c| c["conversation"] == format!("g:{g}")).cloned().unwrap()
    };
    let list = api.get("/api/v1/conversations", Some(&bob)).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let entry = unread(&list.body);
    assert_eq!((entry["unread"].as_u64(), entry["latest_seq"].as_u64()), (Some(31), Some(31)));
    assert_eq!(entry["last_message"]["body"], "alice 将群组改名为「n30」");
    assert_eq!(entry["group"]["name"], "n30");
    let read_path = format!("/api/v1/conversations/g:{g}/read");
    let read = api.call("PUT", &read_path, Some(&bob), Some(json!({"seq": 20}))).await;
    assert_eq!(
        (read.status, read.body["last_read_seq"].as_u64(), read.body["unread"].as_u64()),
        (200, Some(20), Some(11))
    );
    assert_eq!(unread(&api.get("/api/v1/conversations", Some(&bob)).await.body)["unread"], 11);
    let back = api.call("PUT", &read_path, Some(&bob), Some(json!({"seq": 5}))).await;
    assert_eq!(back.body["last_read_seq"], 20, "never moves back");
    let past = api.call("PUT", &read_path, Some(&bob), Some(json!({"seq": 1000}))).await;
    assert_eq!((past.body["last_read_seq"].as_u64(), past.body["unread"].as_u64()), (Some(31), Some(0)));
    let alice_view = unread(&api.get("/api/v1/conversations", Some(&alice)).await.body);
    assert_eq!(alice_view["unread"], 31, "read positions are per user");
    let bad = api.call("PUT", &read_path, Some(&bob), Some(json!({"seq": "x"}))).await;
    assert_eq!(
        (bad.status, bad.code(), bad.body["details"]["field"].as_str()),
        (400, "validation.wrong_type", Some("seq"))
    );
    let (_, mallory) = account(&api, "mallory").await;
    let outsider = api.call("PUT", &read_path, Some(&mallory), Some(json!({"seq": 1}))).await;
    assert_eq!((outsider.status, outsider.code()), (403, "conversation.forbidden"));
}

#[tokio::test]
async fn chat_operations_are_in_the_spec_with_examples_and_error_responses() {
    let server = ServerBuilder::new().spawn().await;
    let (status, _, spec) = crate::get_json(&server.url("/openapi.json"), &[]).await;
    assert_eq!(status, 200);
    let expected = [
        ("get", "/api/v1/conversations"),
        ("get", "/api/v1/conversations/{id}/messages"),
        ("put", "/api/v1/conversations/{id}/read"),
        ("post", "/api/v1/groups"),
        ("get", "/api/v1/groups"),
        ("get", "/api/v1/groups/{id}"),
        ("patch", "/api/v1/groups/{id}"),
        ("delete", "/api/v1/groups/{id}"),
        ("get", "/api/v1/groups/{id}/members"),
        ("post", "/api/v1/groups/{id}/members"),
        ("patch", "/api/v1/groups/{id}/members/{user_id}"),
        ("delete", "/api/v1/groups/{id}/members/{user_id}"),
        ("post", "/api/v1/groups/{id}/leave"),
        ("get", "/api/v1/users/{id}/presence"),
    ];
    for (method, path) in expected {
        let op = &spec["paths"][path][method];
        assert!(op.is_object(), "{method} {path} missing");
        assert_eq!(op["tags"][0], "Chat", "{method} {path}");
        for code in ["400", "401", "403", "404", "409", "503"] {
            let schema = &op["responses"][code]["content"]["application/json; charset=utf-8"]["schema"]["$ref"];
            assert_eq!(schema, "#/components/schemas/ErrorBody", "{method} {path} {code}");
        }
    }
    let schemas = &spec["components"]["schemas"];
    for name in [
        "GroupDto",
        "MemberDto",
        "MessageDto",
        "ConversationDto",
        "HistoryDto",
        "ReadStateDto",
        "PresenceDto",
        "CreateGroupRequest",
        "AddMemberRequest",
        "SetRoleRequest",
        "ReadRequest",
    ] {
        assert!(schemas[name]["example"].is_object(), "{name} has no example");
    }
    assert_eq!(schemas["CreateGroupRequest"]["additionalProperties"], false, "request bodies are closed");
}

async fn rest_and_websocket_see_the_same_conversations(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let (alice_id, alice) = account(&api, "alice").await;
    let (bob_id, bob) = account(&api, "bob").await;
    let mut a = WsClient::connect(&world.server.base, &alice).await;
    let mut b = WsClient::connect(&world.server.base, &bob).await;

    // A direct message sent over the socket is in bob's REST conversation list, unread, and in the history.
    a.send(json!({"type": "send", "id": "f1", "to": bob_id, "client_msg_id": "c1", "body": "hello bob"})).await;
    let ack = a.next_of("ack").await;
    let conversation = ack["conversation"].as_str().unwrap().to_owned();
    assert_eq!(b.next_of("message").await["body"], "hello bob");
    let list = api.get("/api/v1/conversations", Some(&bob)).await;
    let direct = &list.body["items"][0];
    assert_eq!(
        (direct["conversation"].as_str(), direct["kind"].as_str()),
        (Some(conversation.as_str()), Some("direct"))
    );
    assert_eq!((direct["peer_id"].as_str(), direct["unread"].as_u64()), (Some(alice_id.as_str()), Some(1)));
    assert_eq!(direct["last_message"]["body"], "hello bob");
    let history = api.get(&format!("/api/v1/conversations/{conversation}/messages"), Some(&bob)).await;
    assert_eq!(
        (seqs(&history.body), history.body["items"][0]["sender_id"].as_str()),
        (vec![1], Some(alice_id.as_str()))
    );

    // A REST read mark reaches the peer's socket as a `read` frame.
    let read = api
        .call("PUT", &format!("/api/v1/conversations/{conversation}/read"), Some(&bob), Some(json!({"seq": 1})))
        .await;
    assert_eq!(read.body["unread"], 0, "{:?}", read.body);
    let seen = a.next_of("read").await;
    assert_eq!((seen["user_id"].as_str(), seen["seq"].as_u64()), (Some(bob_id.as_str()), Some(1)));

    // Group notices made over REST arrive live on members' sockets, as system messages.
    let created = api.post("/api/v1/groups", Some(&alice), json!({"name": "live", "members": [bob_id]})).await;
    let g = created.body["id"].as_str().unwrap().to_owned();
    let notice = b.next_of("message").await;
    assert_eq!(
        (notice["conversation"].as_str(), notice["kind"].as_str()),
        (Some(format!("g:{g}").as_str()), Some("system"))
    );
    assert_eq!(notice["body"], "alice 创建了群组「live」");
    api.call("PATCH", &format!("/api/v1/groups/{g}"), Some(&alice), Some(json!({"name": "renamed"}))).await;
    let renamed = b.next_of("message").await;
    assert_eq!((renamed["seq"].as_u64(), renamed["body"].as_str()), (Some(2), Some("alice 将群组改名为「renamed」")));
}
