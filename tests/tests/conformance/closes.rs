//! Issue 13, point 5 and the close codes of point 6: a close the server decides on reaches clients that are
//! still sending as a close code, not a reset; every close code is counted in `ws_closed_total` (4001,
//! 4003 and 4004 here, 1013 in the slow-consumer test).
//!
//! On ac3b2f5 the server dropped the TCP connection right after writing its Close: a client still sending
//! then got a reset, and the kernel discards what the client had not read yet, the Close frame with it (the
//! issue saw 1 of 4 busy sockets end that way). And `ws_closed_total` had no 4001, 4004 or 1013.

use crate::{PASSWORD, builder, closes_counted};
use e2e::{Api, Composition, World};
use exchange_testkit::{Dial, Ended, WsClient, ws_url};
use serde_json::json;
use std::time::{Duration, Instant};

/// How long a socket may take to see the revocation (the session is checked every second in the test
/// configuration) on a loaded machine.
const REVOCATION: Duration = Duration::from_secs(20);

/// Sends pings as fast as the socket takes them, reading whatever has arrived between two, until the
/// socket ends; returns how it ended and how many pings went out.
async fn ping_until_closed(mut socket: WsClient) -> (Ended, u64) {
    let deadline = Instant::now() + REVOCATION;
    let mut sent = 0u64;
    loop {
        if Instant::now() > deadline {
            panic!("socket still open {REVOCATION:?} after the session was revoked ({sent} pings)");
        }
        if socket.send_frame(json!({"type": "ping"})).await.is_ok() {
            sent += 1;
        }
        loop {
            match socket.recv_within(Duration::ZERO).await {
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(_) => return (socket.ended().unwrap_or(Ended::Dropped), sent),
            }
        }
        if socket.ended().is_some() {
            return (socket.ended().unwrap_or(Ended::Dropped), sent);
        }
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_sockets_of_a_revoked_session_all_see_4003_and_every_close_code_is_counted() {
    let world = World::start(Composition::Embedded, builder().env("EXCHANGE__WS__MAX_CONNECTIONS_PER_USER", "4")).await;
    let base = world.server.base.clone();
    let api = Api::new(&base);
    api.register("alice", "alice@example.com", PASSWORD).await;
    let alice = api.login("alice", PASSWORD).await;
    let url = ws_url(&base, "/ws");

    // 4001: a token that does not verify.
    let mut bad = Dial::new(&url).token("v4.public.garbage").open().await.expect("upgrade");
    assert_eq!(bad.closed().await.expect("closed"), Ended::Close(4001));

    // Four sockets of one session, each pinging as fast as it can; a fifth is one too many: 4004.
    let mut sockets = Vec::new();
    for _ in 0..4 {
        sockets.push(Dial::new(&url).token(&alice.access).connect().await.expect("alice connects"));
    }
    let mut fifth = Dial::new(&url).token(&alice.access).open().await.expect("upgrade");
    assert_eq!(fifth.closed().await.expect("closed"), Ended::Close(4004));
    let busy: Vec<_> = sockets.into_iter().map(|s| tokio::spawn(ping_until_closed(s))).collect();
    tokio::time::sleep(Duration::from_millis(300)).await; // let them get going
    let out = api.post("/api/v1/auth/logout", Some(&alice.access), json!({})).await;
    assert_eq!(out.status, 204, "{:?}", out.body);
    for (i, task) in busy.into_iter().enumerate() {
        let (ended, sent) = task.await.expect("socket task");
        eprintln!("socket {i}: {sent} pings, then {ended}");
        assert_eq!(ended, Ended::Close(4003), "busy socket {i} of the revoked session ({sent} pings)");
    }

    let counted = closes_counted(&base).await;
    eprintln!("ws_closed_total: {counted:?}");
    for (code, at_least) in [("4001", 1), ("4004", 1), ("4003", 4)] {
        assert!(counted.get(code).is_some_and(|n| *n >= at_least), "ws_closed_total{{code={code:?}}}: {counted:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_closed_with_1013_and_counted() {
    // A small outbound queue, so a few messages the client does not read make it slow.
    let builder = builder().env("EXCHANGE__WS__OUTBOUND_QUEUE", "8").env("EXCHANGE__WS__MESSAGES_PER_SEC", "1000");
    let world = World::start(Composition::Embedded, builder).await;
    let base = world.server.base.clone();
    let api = Api::new(&base);
    for name in ["bob", "carol"] {
        api.register(name, &format!("{name}@example.com"), PASSWORD).await;
    }
    let (bob, carol) = (api.login("bob", PASSWORD).await, api.login("carol", PASSWORD).await);
    let url = ws_url(&base, "/ws");
    // Bob reads nothing (and a small receive buffer makes the server's writes back up soon) while carol
    // sends him 15 KB messages, 20 at a time, reading her acks.
    let mut slow = Dial::new(&url).token(&bob.access).recv_buffer(8 * 1024).connect().await.expect("bob");
    let mut sender = WsClient::connect(&base, &carol.access).await.expect("carol");
    let to = slow.user_id().to_owned();
    let blob = "z".repeat(15_000);
    let started = Instant::now();
    let mut sent = 0;
    while !closes_counted(&base).await.contains_key("1013") {
        assert!(started.elapsed() < Duration::from_secs(60), "bob never counted as slow after {sent} messages");
        for _ in 0..20 {
            sent += 1;
            let id = format!("s{sent}");
            let frame = json!({"type": "send", "id": id, "to": to, "client_msg_id": id, "kind": "custom", "body": {"blob": blob}});
            sender.send_frame(frame).await.expect("carol sends");
        }
        for _ in 0..20 {
            let ack = sender.recv_type("ack").await;
            assert!(ack.is_ok(), "carol's sends are acked: {ack:?}");
        }
    }
    let ended = slow.drain_until_closed_within(Duration::from_secs(60)).await.map(|(_, ended)| ended);
    assert!(matches!(ended, Ok(Ended::Close(1013))), "bob's socket ended with 1013 after {sent} messages: {ended:?}");
    let counted = closes_counted(&base).await;
    assert!(counted.get("1013").is_some_and(|n| *n >= 1), "{counted:?}");
}
