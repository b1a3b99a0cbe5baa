//! The WebSocket gateway end to end: real clients against the real binary. Two users chat, retries are
//! stored once, reconnect + sync returns exactly what was missed, groups, presence, limits, every kind of
//! bad input, session revocation, admin pushes, graceful shutdown, and two instances sharing Redis and
//! MariaDB.

use chrono::Utc;
use domain::chat::{Group, GroupId, GroupMember, GroupName, GroupStore, MemberRole};
use domain::ids::UserId;
use e2e::ws::{Ended, WsClient, ws_url};
use e2e::{Api, Composition, ServerBuilder, SharedBackends, Tokens, World};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

on_both!(
    two_users_chat_and_retries_are_stored_once,
    reconnect_and_sync_return_exactly_the_missed_messages_in_order,
    bad_input_gets_an_error_frame_and_the_connection_keeps_working,
    presence_is_announced_on_first_and_last_connection,
    revoked_sessions_and_disabled_users_are_closed_and_refused,
    admin_push_reaches_users_and_stats_count_connections,
    a_group_of_several_created_over_rest_chats_live_and_outsiders_are_refused
);

const PASSWORD: &str = "correct-horse-battery-staple";

async fn user(api: &Api, name: &str) -> (String, Tokens) {
    let body = api.register(name, &format!("{name}@example.com"), PASSWORD).await;
    let id = body["id"].as_str().expect("user id").to_owned();
    (id, api.login(name, PASSWORD).await)
}

fn direct(a: &str, b: &str) -> String {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    format!("d:{lo}:{hi}")
}

async fn super_admin(world: &World, api: &Api) -> Tokens {
    let out =
        world.run(&["init-admin", "--username", "root_admin", "--email", "root@example.com", "--password", PASSWORD]);
    assert!(out.status.success(), "init-admin: {}", String::from_utf8_lossy(&out.stderr));
    api.login("root_admin", PASSWORD).await
}

async fn two_users_chat_and_retries_are_stored_once(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let (alice_id, alice) = user(&api, "alice").await;
    let (bob_id, bob) = user(&api, "bob").await;
    // token in the subprotocol header for alice, in the first frame for bob
    let mut a = WsClient::connect(&world.server.base, &alice.access).await;
    let mut b = WsClient::connect_first_frame(&world.server.base, &bob.access).await;
    assert_eq!((a.user_id(), b.user_id()), (alice_id.clone(), bob_id.clone()));
    assert_eq!(a.welcome()["limits"]["messages_per_sec"], 20);

    let ack = a.send_text(("to", &bob_id), "c-1", "你好 bob").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!((ack["seq"].as_u64(), ack["duplicate"].as_bool()), (Some(1), Some(false)));
    assert_eq!(ack["conversation"], direct(&alice_id, &bob_id));
    let got = b.next_of("message").await;
    assert_eq!((got["body"].as_str(), got["seq"].as_u64()), (Some("你好 bob"), Some(1)));
    assert_eq!(got["sender_id"], alice_id);
    assert_eq!(got["message_id"], ack["message_id"]);

    // the same client id again: same seq and id, flagged duplicate, not delivered again
    let retry = a.send_text(("to", &bob_id), "c-1", "你好 bob").await;
    assert_eq!((retry["seq"].as_u64(), retry["duplicate"].as_bool()), (Some(1), Some(true)));
    assert_eq!(retry["message_id"], ack["message_id"]);
    let reply = b.send_text(("conversation", &direct(&alice_id, &bob_id)), "c-2", "hi alice").await;
    assert_eq!(reply["seq"], 2);
    let next = a.next_of("message").await;
    assert_eq!((next["seq"].as_u64(), next["body"].as_str()), (Some(2), Some("hi alice")));
    let stray = b.roundtrip("p1").await;
    assert!(stray.iter().all(|f| f["type"] != "message"), "the retry was not delivered again: {stray:?}");

    // read marks move forward and tell the peer
    a.send(json!({"type": "read", "id": "r1", "conversation": direct(&alice_id, &bob_id), "seq": 2})).await;
    let read_ack = a.next_of("read_ack").await;
    assert_eq!((read_ack["id"].as_str(), read_ack["seq"].as_u64()), (Some("r1"), Some(2)));
    let receipt = b.next_of("read").await;
    assert_eq!((receipt["user_id"].as_str(), receipt["seq"].as_u64()), (Some(alice_id.as_str()), Some(2)));
    // typing reaches the peer only
    a.send(json!({"type": "typing", "conversation": direct(&alice_id, &bob_id)})).await;
    let typing = b.next_of("typing").await;
    assert_eq!(typing["user_id"], alice_id);
}

async fn reconnect_and_sync_return_exactly_the_missed_messages_in_order(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let (alice_id, alice) = user(&api, "alice").await;
    let (bob_id, bob) = user(&api, "bob").await;
    let conversation = direct(&alice_id, &bob_id);
    let mut a = WsClient::connect(&world.server.base, &alice.access).await;
    let mut b = WsClient::connect(&world.server.base, &bob.access).await;
    a.send_text(("to", &bob_id), "m-1", "one").await;
    assert_eq!(b.next_of("message").await["seq"], 1);
    b.close().await;
    for (i, text) in ["two", "three", "four"].iter().enumerate() {
        let ack = a.send_text(("to", &bob_id), &format!("m-{}", i + 2), text).await;
        assert_eq!(ack["seq"], i as u64 + 2);
    }
    let mut b = WsClient::connect_first_frame(&world.server.base, &bob.access).await;
    b.send(json!({"type": "sync", "id": "s1", "cursors": {conversation.clone(): 1}})).await;
    let mut replayed = Vec::new();
    let synced = loop {
        let f = b.next().await;
        match f["type"].as_str() {
            Some("message") => replayed.push((f["seq"].as_u64().unwrap(), f["body"].as_str().unwrap().to_owned())),
            Some("synced") => break f,
            _ => {}
        }
    };
    assert_eq!(replayed, vec![(2, "two".into()), (3, "three".into()), (4, "four".into())]);
    assert_eq!(synced["id"], "s1");
    assert_eq!(synced["conversations"][&conversation], 4);
    // then live
    a.send_text(("to", &bob_id), "m-5", "five").await;
    let live = b.next_of("message").await;
    assert_eq!((live["seq"].as_u64(), live["body"].as_str()), (Some(5), Some("five")));
    // a sync with an up-to-date cursor replays nothing
    b.send(json!({"type": "sync", "id": "s2", "cursors": {conversation.clone(): 5}})).await;
    let first = b.next().await;
    assert_eq!((first["type"].as_str(), first["id"].as_str()), (Some("synced"), Some("s2")), "{first}");
}

async fn bad_input_gets_an_error_frame_and_the_connection_keeps_working(composition: Composition) {
    let world = World::start(
        composition,
        ServerBuilder::new().env("EXCHANGE__WS__MAX_FRAME_BYTES", "4096").env("EXCHANGE__WS__MAX_BODY_BYTES", "1024"),
    )
    .await;
    let api = Api::new(&world.server.base);
    // a plain GET of the socket address: the API's error shape, localized
    let plain = reqwest::Client::new().get(world.server.url("/ws?lang=en")).send().await.unwrap();
    assert_eq!(plain.status().as_u16(), 426);
    let body: serde_json::Value = plain.json().await.unwrap();
    assert_eq!(body["code"], "ws.upgrade_required");
    assert!(body["message"].as_str().unwrap().contains("WebSocket endpoint"), "{body}");
    let (_alice_id, alice) = user(&api, "alice").await;
    let (bob_id, bob) = user(&api, "bob").await;
    let (carol_id, _carol) = user(&api, "carol").await;
    let (en, _) = WsClient::open(
        &format!("{}?lang=en", ws_url(&world.server.base)),
        &["exchange.v1", &format!("access_token.{}", alice.access)],
        &[],
    )
    .await
    .unwrap();
    let mut a = en;
    a.next_of("welcome").await;
    let mut b = WsClient::connect(&world.server.base, &bob.access).await;

    let cases: Vec<(Message, &str, Option<&str>)> = vec![
        (Message::text("this is not json"), "ws.invalid_json", None),
        (Message::text("[1, 2, 3]"), "ws.invalid_json", None),
        (Message::binary(vec![1u8, 2, 3]), "ws.binary_unsupported", None),
        (Message::text(json!({"id": "u1", "type": "teleport"}).to_string()), "ws.unknown_type", Some("u1")),
        (Message::text(json!({"id": "u2"}).to_string()), "ws.unknown_type", Some("u2")),
        (Message::text(json!({"id": "f1", "type": "send", "to": bob_id, "body": "x"}).to_string()), "ws.invalid_frame", Some("f1")),
        (Message::text(json!({"id": "f2", "type": "send", "client_msg_id": "x", "body": "x"}).to_string()), "ws.invalid_frame", Some("f2")),
        (Message::text(json!({"id": "f3", "type": "send", "to": "not-a-uuid", "client_msg_id": "x", "body": "x"}).to_string()), "ws.invalid_frame", Some("f3")),
        (Message::text(json!({"id": "f4", "type": "send", "to": bob_id, "client_msg_id": "x", "body": "y".repeat(2000)}).to_string()), "chat.body_too_large", Some("f4")),
        (Message::text(json!({"id": "f5", "type": "send", "to": bob_id, "client_msg_id": "", "body": "x"}).to_string()), "validation.required", Some("f5")),
        (Message::text(json!({"id": "f6", "type": "send", "conversation": direct(&bob_id, &carol_id), "client_msg_id": "x", "body": "x"}).to_string()), "chat.not_member", Some("f6")),
        (Message::text(json!({"id": "f7", "type": "send", "group": uuid::Uuid::now_v7(), "client_msg_id": "x", "body": "x"}).to_string()), "chat.not_member", Some("f7")),
        (Message::text(json!({"id": "f8", "type": "read", "conversation": "x:y", "seq": 1}).to_string()), "validation.invalid_format", Some("f8")),
        (Message::text(json!({"id": "f9", "type": "send", "to": UserId::new().to_string(), "client_msg_id": "x", "body": "x"}).to_string()), "chat.recipient_unavailable", Some("f9")),
        (Message::text(json!({"id": "f10", "type": "auth", "token": "again"}).to_string()), "ws.already_authenticated", Some("f10")),
    ];
    for (i, (frame, code, id)) in cases.into_iter().enumerate() {
        a.send_raw(frame).await;
        let err = a.next_of("error").await;
        assert_eq!(err["code"], code, "case {i}: {err}");
        assert_eq!(err["id"].as_str(), id, "case {i}: {err}");
        assert!(err["message"].as_str().is_some_and(|m| !m.is_empty() && !m.contains("errors.")), "{err}");
        // the connection still works after each refusal
        assert!(a.roundtrip(&format!("alive-{i}")).await.is_empty());
    }
    let ok = a.send_text(("to", &bob_id), "good-1", "still here").await;
    assert_eq!(ok["seq"], 1, "nothing bad was stored: {ok}");
    assert_eq!(b.next_of("message").await["body"], "still here");

    // localized: en on this socket, zh-CN by default
    a.send_raw(Message::text("nope")).await;
    assert!(a.next_of("error").await["message"].as_str().unwrap().contains("JSON object"));
    b.send_raw(Message::text("nope")).await;
    assert!(b.next_of("error").await["message"].as_str().unwrap().contains("JSON 对象"));

    // flood: over messages_per_sec frames get ws.rate_limited (pings are exempt), the rest goes through
    let mut limited = 0;
    for round in 0..20 {
        for i in 0..40 {
            let frame =
                json!({"type": "typing", "id": format!("t{round}-{i}"), "conversation": direct(&_alice_id, &bob_id)});
            a.send(frame).await;
        }
        for f in a.roundtrip(&format!("flood-{round}")).await {
            assert_eq!(f["code"], "ws.rate_limited", "{f}");
            limited += 1;
        }
        if limited >= 5 {
            break;
        }
    }
    assert!(limited >= 5, "the flood was never limited");
    let after = a.send_text(("to", &bob_id), "after-flood", "calm again").await;
    let after = if after["code"] == "ws.rate_limited" {
        tokio::time::sleep(Duration::from_secs(1)).await;
        a.send_text(("to", &bob_id), "after-flood", "calm again").await
    } else {
        after
    };
    assert_eq!(after["type"], "ack", "{after}");

    // a frame over max_frame_bytes closes that socket with 1009; others are unaffected
    a.send_raw(Message::text("x".repeat(10_000))).await;
    assert_eq!(a.closed().await, Ended::Close(1009));
    assert!(b.roundtrip("b-alive").await.iter().all(|f| f["type"] != "error"));
}

async fn presence_is_announced_on_first_and_last_connection(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let (alice_id, alice) = user(&api, "alice").await;
    let (_carol_id, carol) = user(&api, "carol").await;
    let mut c = WsClient::connect(&world.server.base, &carol.access).await;
    c.send(json!({"type": "presence", "id": "p1", "users": [alice_id]})).await;
    let state = c.next_of("presence_state").await;
    assert_eq!(state["online"], json!([]));
    let a1 = WsClient::connect(&world.server.base, &alice.access).await;
    let online = c.next_of("presence").await;
    assert_eq!((online["user_id"].as_str(), online["status"].as_str()), (Some(alice_id.as_str()), Some("online")));
    let a2 = WsClient::connect(&world.server.base, &alice.access).await;
    a1.close().await;
    let quiet = c.roundtrip("q").await;
    assert!(quiet.iter().all(|f| f["type"] != "presence"), "second connection and first close are silent: {quiet:?}");
    // the remaining connection outlives the presence TTL (3 s in the test config): heartbeats keep it
    tokio::time::sleep(Duration::from_secs(5)).await;
    c.send(json!({"type": "presence", "id": "p2", "users": [alice_id]})).await;
    assert_eq!(c.next_of("presence_state").await["online"], json!([alice_id]));
    a2.close().await;
    let offline = c.next_of("presence").await;
    assert_eq!(offline["status"], "offline");
}

async fn revoked_sessions_and_disabled_users_are_closed_and_refused(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let root = super_admin(&world, &api).await;
    let (_alice_id, alice) = user(&api, "alice").await;
    let (bob_id, bob) = user(&api, "bob").await;
    // bad tokens: 4001 with an error frame first
    let (mut bad, _) =
        WsClient::open(&ws_url(&world.server.base), &["exchange.v1", "access_token.v4.public.garbage"], &[])
            .await
            .unwrap();
    assert_eq!(bad.next_of("error").await["code"], "auth.token_invalid");
    assert_eq!(bad.closed().await, Ended::Close(4001));
    let (mut first, _) = WsClient::open(&ws_url(&world.server.base), &["exchange.v1"], &[]).await.unwrap();
    first.send(json!({"type": "ping", "id": "too-early"})).await;
    let err = first.next_of("error").await;
    assert_eq!((err["code"].as_str(), err["id"].as_str()), (Some("ws.auth_required"), Some("too-early")));
    assert_eq!(first.closed().await, Ended::Close(4001));
    let (mut huge, _) = WsClient::open(&ws_url(&world.server.base), &["exchange.v1"], &[]).await.unwrap();
    huge.send_raw(Message::text("x".repeat(100_000))).await;
    assert_eq!(huge.closed().await, Ended::Close(1009), "an oversized first frame");
    let (mut silent, _) = WsClient::open(&ws_url(&world.server.base), &["exchange.v1"], &[]).await.unwrap();
    assert_eq!(silent.closed().await, Ended::Close(4001), "no auth frame within auth_timeout");

    // logout revokes the session: the socket closes with 4003
    let mut a = WsClient::connect(&world.server.base, &alice.access).await;
    let out = api.post("/api/v1/auth/logout", Some(&alice.access), json!({})).await;
    assert_eq!(out.status, 204, "{:?}", out.body);
    let (frames, ended) = a.drain_until_closed().await;
    assert_eq!(ended, Ended::Close(4003));
    assert!(frames.iter().any(|f| f["code"] == "auth.session_revoked"), "{frames:?}");

    // disabling bob closes his socket and refuses messages to him
    let alice = api.login("alice", PASSWORD).await;
    let mut a = WsClient::connect(&world.server.base, &alice.access).await;
    let mut b = WsClient::connect(&world.server.base, &bob.access).await;
    let r = api
        .call(
            "PUT",
            &format!("/api/v1/admin/users/{bob_id}/status"),
            Some(&root.access),
            Some(json!({"status": "disabled"})),
        )
        .await;
    assert!(r.status == 200, "{:?}", r.body);
    assert_eq!(b.closed().await, Ended::Close(4003));
    let refused = a.send_text(("to", &bob_id), "to-disabled", "hello?").await;
    assert_eq!(refused["code"], "chat.recipient_unavailable");
    let r = api.call("DELETE", &format!("/api/v1/admin/users/{bob_id}"), Some(&root.access), None).await;
    assert!(r.status < 300, "{:?}", r.body);
    let refused = a.send_text(("to", &bob_id), "to-deleted", "hello?").await;
    assert_eq!(refused["code"], "chat.recipient_unavailable");
}

async fn admin_push_reaches_users_and_stats_count_connections(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let root = super_admin(&world, &api).await;
    let (alice_id, alice) = user(&api, "alice").await;
    let (_bob_id, bob) = user(&api, "bob").await;
    let mut a = WsClient::connect(&world.server.base, &alice.access).await;
    let mut b = WsClient::connect(&world.server.base, &bob.access).await;
    let r = api
        .post(
            "/api/v1/admin/push",
            Some(&root.access),
            json!({"scope": "user", "target_id": alice_id, "text": "hello alice"}),
        )
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(r.body["delivered"], 1);
    let push = a.next_of("push").await;
    assert_eq!((push["text"].as_str(), push["scope"].as_str()), (Some("hello alice"), Some("user")));
    assert_eq!(push["message_id"], r.body["message_ids"][0]);
    let r = api.post("/api/v1/admin/push", Some(&root.access), json!({"scope": "online", "text": "everyone"})).await;
    assert_eq!((r.status, r.body["delivered"].as_u64()), (202, Some(2)));
    assert_eq!(a.next_of("push").await["text"], "everyone");
    assert_eq!(b.next_of("push").await["text"], "everyone");
    // refusals: non-admin, missing target, unknown target
    let r = api.post("/api/v1/admin/push", Some(&bob.access), json!({"scope": "online", "text": "x"})).await;
    assert_eq!((r.status, r.code()), (403, "auth.forbidden"));
    let r = api.post("/api/v1/admin/push", Some(&root.access), json!({"scope": "user", "text": "x"})).await;
    assert_eq!((r.status, r.code()), (400, "validation.required"));
    let r = api
        .post(
            "/api/v1/admin/push",
            Some(&root.access),
            json!({"scope": "group", "target_id": uuid::Uuid::now_v7(), "text": "x"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (404, "chat.target_not_found"));
    // audited and counted
    let audit = api.get("/api/v1/admin/audit", Some(&root.access)).await;
    assert!(audit.body.to_string().contains("chat.push"), "{:?}", audit.body);
    a.send_text(("to", &alice_id), "self-1", "note").await;
    let stats = api.get("/api/v1/admin/stats", Some(&root.access)).await;
    assert_eq!(stats.status, 200, "{:?}", stats.body);
    assert_eq!(stats.body["chat"]["online_users"], 2);
    assert_eq!(stats.body["chat"]["connections"], 2);
    assert_eq!(stats.body["chat"]["messages_today"], 1);
}

/// Limits: a user's extra connection is closed with 4004; a slow consumer is closed with 1013 while a
/// fast one gets everything.
#[tokio::test]
async fn connection_limit_and_slow_consumers() {
    let world = World::start(
        Composition::Embedded,
        ServerBuilder::new()
            .env("EXCHANGE__WS__MAX_CONNECTIONS_PER_USER", "2")
            .env("EXCHANGE__WS__OUTBOUND_QUEUE", "8")
            .env("EXCHANGE__WS__MESSAGES_PER_SEC", "10000"),
    )
    .await;
    let api = Api::new(&world.server.base);
    let (_alice_id, alice) = user(&api, "alice").await;
    let (bob_id, bob) = user(&api, "bob").await;
    let (carol_id, carol) = user(&api, "carol").await;
    let mut b1 = WsClient::connect(&world.server.base, &bob.access).await;
    let _b2 = WsClient::connect(&world.server.base, &bob.access).await;
    let (mut b3, _) =
        WsClient::open(&ws_url(&world.server.base), &["exchange.v1", &format!("access_token.{}", bob.access)], &[])
            .await
            .unwrap();
    let (frames, ended) = b3.drain_until_closed().await;
    assert_eq!(ended, Ended::Close(4004));
    assert!(frames.iter().any(|f| f["code"] == "ws.too_many_connections"), "{frames:?}");

    // carol reads, bob's sockets stop reading: once the server counts them as slow consumers bob reads
    // again and finds the backlog ended by close 1013; carol got every message in order meanwhile
    let mut c = WsClient::connect(&world.server.base, &carol.access).await;
    let (seq_tx, mut seq_rx) = tokio::sync::mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        // carol keeps reading while the flood goes on
        loop {
            let m = c.next_of("message").await;
            if seq_tx.send(m["seq"].as_u64().unwrap()).is_err() {
                return c;
            }
            if m["body"] == "last" {
                return c;
            }
        }
    });
    let mut a = WsClient::connect(&world.server.base, &alice.access).await;
    let blob = "z".repeat(15_000);
    let mut sent = 0;
    for i in 0..5000 {
        let id = format!("slow-{i}");
        a.send(json!({"type": "send", "id": id, "to": bob_id, "client_msg_id": id, "kind": "custom", "body": {"blob": blob}})).await;
        assert_eq!(a.next_of("ack").await["id"], id.as_str());
        a.send_text(("to", &carol_id), &format!("fast-{i}"), "x").await;
        sent += 1;
        if i % 25 == 24 && slow_consumers(&world).await >= 2 {
            break;
        }
    }
    assert!(slow_consumers(&world).await >= 2, "bob's sockets were never found slow after {sent} messages");
    let (_, ended) = b1.drain_until_closed().await;
    assert_eq!(ended, Ended::Close(1013));
    a.send_text(("to", &carol_id), "fast-last", "last").await;
    let mut c = reader.await.unwrap();
    let mut seqs = Vec::new();
    while let Ok(seq) = seq_rx.try_recv() {
        seqs.push(seq);
    }
    assert_eq!(seqs, (1..=sent as u64 + 1).collect::<Vec<_>>(), "the fast consumer got everything in order");
    assert!(c.roundtrip("carol-alive").await.iter().all(|f| f["type"] != "error"));
}

/// `ws_slow_consumers_total` from `/metrics`.
async fn slow_consumers(world: &World) -> u64 {
    let text = reqwest::get(world.server.url("/metrics")).await.unwrap().text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("ws_slow_consumers_total "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

/// SIGTERM: every socket gets the acks it is owed, then close 1001.
#[tokio::test]
async fn graceful_shutdown_closes_sockets_with_1001_after_acks() {
    let builder = ServerBuilder::new().env("EXCHANGE__WS__AUTH_TIMEOUT_SECS", "120");
    let mut world = World::start(Composition::Embedded, builder).await;
    let api = Api::new(&world.server.base);
    let (_alice_id, alice) = user(&api, "alice").await;
    let (bob_id, bob) = user(&api, "bob").await;
    let mut a = WsClient::connect(&world.server.base, &alice.access).await;
    let mut b = WsClient::connect(&world.server.base, &bob.access).await;
    // a socket still waiting for its auth frame is closed too
    let (mut pending, _) = WsClient::open(&ws_url(&world.server.base), &["exchange.v1"], &[]).await.unwrap();
    for i in 0..5 {
        a.send(json!({"type": "send", "id": format!("s{i}"), "to": bob_id, "client_msg_id": format!("s{i}"), "body": "bye"})).await;
    }
    let acked = a.next_of("ack").await;
    assert_eq!(acked["id"], "s0");
    world.server.signal(nix::sys::signal::Signal::SIGTERM);
    let (frames, ended) = a.drain_until_closed().await;
    assert_eq!(ended, Ended::Close(1001), "{frames:?}");
    // what was acked before the close is consecutive; sends not acked are the client's to retry
    assert!(frames.iter().all(|f| f["type"] == "ack"), "{frames:?}");
    let seqs: Vec<u64> = frames.iter().filter_map(|f| f["seq"].as_u64()).collect();
    assert_eq!(seqs, (2..2 + seqs.len() as u64).collect::<Vec<_>>());
    assert_eq!(b.closed().await, Ended::Close(1001));
    assert_eq!(pending.closed().await, Ended::Close(1001));
    assert!(world.server.wait_exit(Duration::from_secs(30)).await.success());
}

/// Two instances sharing MariaDB and Redis: messages and presence cross instances; a crashed instance's
/// users go offline within the presence TTL; groups fan out to members on both.
#[tokio::test]
async fn two_instances_deliver_across_and_agree_on_presence() {
    let backends = SharedBackends::start().await;
    let one = backends.apply(ServerBuilder::new()).spawn().await;
    let mut two = backends.apply(ServerBuilder::new()).spawn().await;
    let api1 = Api::new(&one.base);
    let api2 = Api::new(&two.base);
    let (alice_id, alice) = user(&api1, "alice").await;
    let (bob_id, bob) = user(&api2, "bob").await;
    let (carol_id, carol) = user(&api1, "carol").await;

    let mut c1 = WsClient::connect(&one.base, &carol.access).await;
    c1.send(json!({"type": "presence", "id": "w", "users": [alice_id, bob_id]})).await;
    c1.next_of("presence_state").await;
    let mut a1 = WsClient::connect(&one.base, &alice.access).await;
    let mut b2 = WsClient::connect(&two.base, &bob.access).await;
    let mut seen_online = std::collections::HashSet::new();
    while seen_online.len() < 2 {
        let p = c1.next_of("presence").await;
        assert_eq!(p["status"], "online");
        seen_online.insert(p["user_id"].as_str().unwrap().to_owned());
    }
    // presence agrees on both instances
    let mut c2 = WsClient::connect(&two.base, &carol.access).await;
    c2.send(json!({"type": "presence", "id": "w2", "users": [alice_id, bob_id]})).await;
    let mut online: Vec<String> = serde_json::from_value(c2.next_of("presence_state").await["online"].clone()).unwrap();
    online.sort();
    let mut expected = vec![alice_id.clone(), bob_id.clone()];
    expected.sort();
    assert_eq!(online, expected);

    // a direct message crosses instances, both ways
    let ack = a1.send_text(("to", &bob_id), "x-1", "from one").await;
    assert_eq!(ack["seq"], 1);
    assert_eq!(b2.next_of("message").await["body"], "from one");
    b2.send_text(("to", &alice_id), "x-2", "from two").await;
    assert_eq!(a1.next_of("message").await["seq"], 2);

    // a group with members on both instances
    let groups = backends.database().db().group_store();
    let now = Utc::now();
    let gid = GroupId::new();
    let uid = |s: &str| UserId(s.parse().unwrap());
    let group = Group {
        id: gid,
        name: GroupName::parse("team").unwrap(),
        owner: uid(&carol_id),
        created_at: now,
        updated_at: now,
    };
    groups
        .create(&group, &GroupMember { group: gid, user: uid(&carol_id), role: MemberRole::Owner, joined_at: now })
        .await
        .unwrap();
    for m in [&alice_id, &bob_id] {
        groups
            .add_member(&GroupMember { group: gid, user: uid(m), role: MemberRole::Member, joined_at: now }, 100)
            .await
            .unwrap();
    }
    let ack = c2.send_text(("group", &gid.to_string()), "g-1", "team news").await;
    assert_eq!((ack["seq"].as_u64(), ack["conversation"].as_str()), (Some(1), Some(format!("g:{gid}").as_str())));
    assert_eq!(a1.next_of("message").await["body"], "team news");
    assert_eq!(b2.next_of("message").await["body"], "team news");
    assert_eq!(c1.next_of("message").await["body"], "team news", "the sender's other connection gets it too");

    // alice opens a second connection on two and closes the one on one: still online (last connection
    // counts across instances)
    let _a2 = WsClient::connect(&two.base, &alice.access).await;
    a1.close().await;
    let presence = |api: &Api, id: &str, token: &str| {
        let (api, path, token) = (api.clone(), format!("/api/v1/users/{id}/presence"), token.to_owned());
        async move { api.get(&path, Some(&token)).await.body["online"].clone() }
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(presence(&api1, &alice_id, &carol.access).await, json!(true));

    // instance two dies without closing anything: alice and bob go offline on one within the presence TTL
    two.signal(nix::sys::signal::Signal::SIGKILL);
    let _ = two.wait_exit(Duration::from_secs(10)).await;
    let started = Instant::now();
    let mut gone = std::collections::HashSet::new();
    while gone.len() < 2 {
        let p = c1.next_of("presence").await;
        assert_eq!(p["status"], "offline", "{p}");
        gone.insert(p["user_id"].as_str().unwrap().to_owned());
        assert!(started.elapsed() < Duration::from_secs(30), "never went offline");
    }
    assert_eq!(presence(&api1, &bob_id, &carol.access).await, json!(false));
    let out = one.url("/ping");
    assert!(reqwest::get(out).await.unwrap().status().is_success());
}

/// Timers: a silent client is closed with 4008 after the idle timeout, a socket whose access token expires
/// is closed with 4002; `/metrics` counts connections and messages.
#[tokio::test]
async fn idle_and_expired_sockets_are_closed_and_metrics_count_them() {
    let world = World::start(
        Composition::Embedded,
        ServerBuilder::new().env("EXCHANGE__WS__IDLE_TIMEOUT_SECS", "2").env("EXCHANGE__AUTH__ACCESS_TTL_SECS", "30"),
    )
    .await;
    let api = Api::new(&world.server.base);
    let (alice_id, alice) = user(&api, "alice").await;
    let mut a = WsClient::connect(&world.server.base, &alice.access).await;
    a.send_text(("to", &alice_id), "n-1", "note").await;
    let metrics = reqwest::get(world.server.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l == "ws_connections 1"), "{metrics}");
    assert!(metrics.lines().any(|l| l.starts_with("ws_messages_total ") && !l.ends_with(" 0")), "{metrics}");
    // idle: nothing sent for 2 s
    assert_eq!(a.closed_within(Duration::from_secs(30)).await, Ended::Close(4008));
    // expiry: keep talking, the token still runs out
    let mut b = WsClient::connect(&world.server.base, &alice.access).await;
    let expires: chrono::DateTime<Utc> = b.welcome()["token_expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires > Utc::now());
    let ended = loop {
        b.send(json!({"type": "ping", "id": "keepalive"})).await;
        match tokio::time::timeout(Duration::from_secs(1), b.closed_within(Duration::from_secs(60))).await {
            Ok(ended) => break ended,
            Err(_) => continue,
        }
    };
    assert_eq!(ended, Ended::Close(4002));
    assert!(Utc::now() >= expires - chrono::Duration::seconds(1), "closed at expiry, not before");
}

async fn a_group_of_several_created_over_rest_chats_live_and_outsiders_are_refused(composition: Composition) {
    let world = World::start(composition, ServerBuilder::new()).await;
    let api = Api::new(&world.server.base);
    let (_alice_id, alice) = user(&api, "alice").await;
    let (bob_id, bob) = user(&api, "bob").await;
    let (carol_id, carol) = user(&api, "carol").await;
    let (dave_id, dave) = user(&api, "dave").await;
    let (_eve_id, eve) = user(&api, "eve").await;
    let created = api
        .post("/api/v1/groups", Some(&alice.access), json!({"name": "crew", "members": [bob_id, carol_id, dave_id]}))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let gid = created.body["id"].as_str().expect("group id").to_owned();
    let mut members = Vec::new();
    for t in [&bob, &carol, &dave] {
        members.push(WsClient::connect(&world.server.base, &t.access).await);
    }
    let mut a = WsClient::connect(&world.server.base, &alice.access).await;
    let ack = a.send_text(("group", &gid), "g-1", "hello crew").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    for m in &mut members {
        let got = loop {
            let f = m.next_of("message").await;
            if f["kind"] == "text" {
                break f;
            }
        };
        assert_eq!((got["body"].as_str(), got["seq"].clone()), (Some("hello crew"), ack["seq"].clone()));
        assert_eq!(got["conversation"], format!("g:{gid}"));
    }
    let reply = members[1].send_text(("conversation", &format!("g:{gid}")), "g-2", "hi").await;
    assert_eq!(reply["seq"].as_u64(), ack["seq"].as_u64().map(|s| s + 1));
    // an outsider is refused, and so is a member once removed
    let mut e = WsClient::connect(&world.server.base, &eve.access).await;
    assert_eq!(e.send_text(("group", &gid), "e-1", "let me in").await["code"], "chat.not_member");
    let removed =
        api.call("DELETE", &format!("/api/v1/groups/{gid}/members/{dave_id}"), Some(&alice.access), None).await;
    assert!(removed.status < 300, "{:?}", removed.body);
    assert_eq!(members[2].send_text(("group", &gid), "d-1", "still here?").await["code"], "chat.not_member");
    // bob got carol's reply and the removal notice live (group notices are live messages too); then a sync
    // from zero replays the whole conversation in order, notices included
    let notice_seq = reply["seq"].as_u64().map(|s| s + 1);
    loop {
        let f = members[0].next_of("message").await;
        if f["kind"] == "system" && f["seq"].as_u64() == notice_seq {
            break;
        }
    }
    members[0].send(json!({"type": "sync", "id": "s", "cursors": {}})).await;
    let mut seqs = Vec::new();
    loop {
        let f = members[0].next().await;
        if f["type"] == "synced" {
            break;
        }
        if f["type"] == "message" && f["conversation"] == format!("g:{gid}") {
            seqs.push(f["seq"].as_u64().unwrap());
        }
    }
    assert!(!seqs.is_empty() && seqs.windows(2).all(|w| w[1] == w[0] + 1) && seqs[0] == 1, "{seqs:?}");
}

/// Messages in MongoDB: sends, retries and sync behave the same as on SQL.
#[tokio::test]
#[cfg_attr(mongodb_uri_unset, ignore = "MONGODB_URI not set")]
async fn chat_over_the_gateway_with_messages_in_mongodb() {
    let uri = std::env::var("MONGODB_URI").expect("MONGODB_URI");
    let builder = ServerBuilder::new()
        .env("EXCHANGE__MONGODB__URI", &uri)
        .env("EXCHANGE__MONGODB__DATABASE", format!("xt_chat_{}", e2e::free_port()));
    let world = World::start(Composition::Embedded, builder).await;
    let api = Api::new(&world.server.base);
    let (alice_id, alice) = user(&api, "alice").await;
    let (bob_id, bob) = user(&api, "bob").await;
    let conversation = direct(&alice_id, &bob_id);
    let mut a = WsClient::connect(&world.server.base, &alice.access).await;
    for (i, text) in ["one", "two", "three"].iter().enumerate() {
        assert_eq!(a.send_text(("to", &bob_id), &format!("m-{i}"), text).await["seq"], i as u64 + 1);
    }
    let retry = a.send_text(("to", &bob_id), "m-1", "two").await;
    assert_eq!((retry["seq"].as_u64(), retry["duplicate"].as_bool()), (Some(2), Some(true)));
    let mut b = WsClient::connect_first_frame(&world.server.base, &bob.access).await;
    b.send(json!({"type": "sync", "id": "s", "cursors": {conversation.clone(): 1}})).await;
    let mut replayed = Vec::new();
    loop {
        let f = b.next().await;
        match f["type"].as_str() {
            Some("message") => replayed.push(f["body"].as_str().unwrap().to_owned()),
            Some("synced") => break,
            _ => {}
        }
    }
    assert_eq!(replayed, ["two", "three"]);
}
