//! Chat through faults, over the WebSocket protocol (docs/ws-protocol.md): a Redis outage while a client
//! sends, SIGKILL of one of two instances while clients on both exchange messages, and delivery and
//! presence across instances. The promise checked everywhere: every acked message is stored, and `sync`
//! gives the other side each of them exactly once, in seq order.

use crate::{PASSWORD, RECOVERY};
use adapter_redis::testing::TestRedis;
use e2e::chat_client::{ChatUser, FRAME_LIMIT, WsClient, direct};
use e2e::private::{PrivateMariaDb, PrivateMongo, PrivateRedis};
use e2e::{Api, ServerBuilder, SharedBackends};
use exchange_testkit::ClientError;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Sends `body` from `user` to `to` with `client_msg_id` until it is acked, reconnecting (and signing in
/// again) to one of `bases` in turn whenever the socket or the backends fail: the client recipe of
/// docs/ws-protocol.md. Returns the ack and the error codes met on the way.
async fn deliver(
    user: &ChatUser,
    socket: &mut Option<WsClient>,
    bases: &[String],
    to: &str,
    client_msg_id: &str,
    body: &str,
) -> (Value, Vec<String>) {
    let deadline = Instant::now() + RECOVERY;
    let mut met = Vec::new();
    let mut turn = 0;
    loop {
        assert!(Instant::now() < deadline, "{client_msg_id} was never acked; met {met:?}");
        if socket.is_none() {
            match user.connect(&bases[turn % bases.len()]).await {
                Ok(client) => *socket = Some(client),
                Err(why) => {
                    met.push(why.chars().take(80).collect());
                    turn += 1;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    continue;
                }
            }
        }
        let Some(client) = socket.as_mut() else { continue };
        match client.send_text(to, client_msg_id, body).await {
            Ok(frame) => return (frame, met),
            Err(ClientError::Frame { code, .. }) => {
                met.push(code);
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => {
                met.push(e.to_string().chars().take(80).collect());
                *socket = None;
                turn += 1;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    }
}

/// Connects `user` to `base`, retrying until it works.
async fn connect(user: &ChatUser, base: &str) -> WsClient {
    e2e::wait::until(&format!("{} connects", user.username), RECOVERY, || async { user.connect(base).await }).await
}

/// Checks a `sync` replay of one conversation against what was acked: exactly the acked messages above
/// `cursor`, once each, in ascending seq order.
fn assert_replay(replay: &[Value], conversation: &str, cursor: u64, acked: &BTreeMap<u64, String>) {
    let got: Vec<(u64, String)> = replay
        .iter()
        .filter(|m| m["conversation"] == conversation)
        .map(|m| (m["seq"].as_u64().unwrap_or(0), m["client_msg_id"].as_str().unwrap_or("").to_owned()))
        .collect();
    let want: Vec<(u64, String)> = acked.range(cursor + 1..).map(|(s, c)| (*s, c.clone())).collect();
    assert_eq!(got, want, "replay of {conversation} after seq {cursor}");
}

#[tokio::test]
async fn no_acked_message_is_lost_across_a_redis_outage() {
    let mut redis = PrivateRedis::new();
    redis.start().await;
    let server = ServerBuilder::new().envs(redis.env("faults:")).spawn().await;
    let api = Api::new(&server.base);
    let alice = ChatUser::register(&api, "outage_alice", PASSWORD).await;
    let bob = ChatUser::register(&api, "outage_bob", PASSWORD).await;
    let conv = direct(&alice.id, &bob.id);
    let bases = vec![server.base.clone()];
    let mut sender = Some(connect(&alice, &server.base).await);
    let mut acked = BTreeMap::new();
    let send = async |i: usize, sender: &mut Option<WsClient>| {
        let (ack, met) = deliver(&alice, sender, &bases, &bob.id, &format!("m-{i}"), &format!("message {i}")).await;
        assert_eq!(ack["conversation"], conv.as_str(), "{ack}");
        (ack["seq"].as_u64().expect("seq"), format!("m-{i}"), met)
    };
    for i in 0..5 {
        let (seq, id, _) = send(i, &mut sender).await;
        acked.insert(seq, id);
    }

    redis.stop();
    crate::wait_readiness(&api, 503, RECOVERY).await;
    // The next message is retried (same client_msg_id) until Redis is back a few seconds later.
    let restart = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        redis.start().await;
        redis
    });
    for i in 5..10 {
        let (seq, id, met) = send(i, &mut sender).await;
        if i == 5 {
            assert!(!met.is_empty(), "the first send after the outage began was refused at least once");
            eprintln!("what the sender met during the outage: {met:?}");
        }
        // Regression: an allocator restarted empty below the stored seqs made the first send `chat.busy`.
        assert!(!met.iter().any(|m| m == "chat.busy"), "message {i} met {met:?}");
        assert!(acked.insert(seq, id).is_none(), "seq {seq} acked twice: {acked:?}");
    }
    let _redis = restart.await.expect("restart task");
    assert_eq!(acked.len(), 10, "{acked:?}");
    let seqs: Vec<u64> = acked.keys().copied().collect();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>(), "seqs have no gaps: {acked:?}");

    let mut reader = connect(&bob, &server.base).await;
    let (replay, synced) = reader.sync(json!({})).await.expect("sync");
    assert_replay(&replay, &conv, 0, &acked);
    assert_eq!(synced["conversations"][&conv].as_u64(), acked.keys().last().copied(), "{synced}");
}

#[tokio::test]
async fn no_acked_message_is_lost_across_a_mariadb_restart() {
    let mut db = PrivateMariaDb::install();
    db.start().await;
    let redis = TestRedis::start().await;
    let server = ServerBuilder::new()
        .envs(db.env("exchange_chat_faults"))
        .envs(e2e::backends::redis_env(&redis))
        .env("EXCHANGE__DATABASE__CONNECT_TIMEOUT_SECS", "2")
        .spawn()
        .await;
    let api = Api::new(&server.base);
    let alice = ChatUser::register(&api, "db_alice", PASSWORD).await;
    let bob = ChatUser::register(&api, "db_bob", PASSWORD).await;
    let conv = direct(&alice.id, &bob.id);
    let bases = vec![server.base.clone()];
    let mut sender = Some(connect(&alice, &server.base).await);
    let mut acked = BTreeMap::new();
    let send = async |i: usize, sender: &mut Option<WsClient>| {
        let (ack, met) = deliver(&alice, sender, &bases, &bob.id, &format!("m-{i}"), "through a restart").await;
        (ack["seq"].as_u64().expect("seq"), format!("m-{i}"), met)
    };
    for i in 0..5 {
        let (seq, id, _) = send(i, &mut sender).await;
        acked.insert(seq, id);
    }
    db.stop();
    crate::wait_readiness(&api, 503, RECOVERY).await;
    // Message 5 is retried (same client_msg_id) until MariaDB is back a few seconds later.
    let restart = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        db.start().await;
        db
    });
    for i in 5..10 {
        let (seq, id, met) = send(i, &mut sender).await;
        if i == 5 {
            assert!(!met.is_empty(), "the send during the restart was refused at least once");
            eprintln!("what the sender met during the restart: {met:?}");
        }
        assert!(acked.insert(seq, id).is_none(), "seq {seq} acked twice: {acked:?}");
    }
    let _db = restart.await.expect("restart task");
    assert_eq!(acked.len(), 10, "{acked:?}");
    let mut reader = connect(&bob, &server.base).await;
    let (replay, _) = reader.sync(json!({})).await.expect("sync");
    assert_replay(&replay, &conv, 0, &acked);
}

#[tokio::test]
async fn no_acked_message_is_lost_across_a_mongodb_restart() {
    let mut mongo = PrivateMongo::new();
    mongo.start().await;
    let server = ServerBuilder::new().envs(mongo.env("chat_faults")).spawn().await;
    let api = Api::new(&server.base);
    let alice = ChatUser::register(&api, "mongo_alice", PASSWORD).await;
    let bob = ChatUser::register(&api, "mongo_bob", PASSWORD).await;
    let conv = direct(&alice.id, &bob.id);
    let bases = vec![server.base.clone()];
    let mut sender = Some(connect(&alice, &server.base).await);
    let mut acked = BTreeMap::new();
    let send = async |i: usize, sender: &mut Option<WsClient>| {
        let (ack, met) = deliver(&alice, sender, &bases, &bob.id, &format!("m-{i}"), "through a crash").await;
        (ack["seq"].as_u64().expect("seq"), format!("m-{i}"), met)
    };
    for i in 0..5 {
        let (seq, id, _) = send(i, &mut sender).await;
        acked.insert(seq, id);
    }
    mongo.kill();
    let red = crate::wait_readiness(&api, 503, RECOVERY).await;
    assert_eq!(crate::check(&red, "mongodb")["status"], "down", "{red}");
    let reader_tokens = api.login(&bob.username, PASSWORD).await;
    let history = api.get(&format!("/api/v1/conversations/{conv}/messages"), Some(&reader_tokens.access)).await;
    assert_eq!((history.status, history.code()), (503, "backend.unavailable"), "{:?}", history.body);
    assert_eq!(history.body["details"]["backend"], "mongodb", "{:?}", history.body);
    assert!(history.headers.contains_key("retry-after"));
    // Down for longer than the driver's 5 s server selection, so a send is refused rather than delayed.
    let restart = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(8)).await;
        mongo.start().await;
        mongo
    });
    for i in 5..10 {
        let (seq, id, met) = send(i, &mut sender).await;
        if i == 5 {
            assert!(!met.is_empty(), "the send during the outage was refused at least once");
            eprintln!("what the sender met during the MongoDB outage: {met:?}");
        }
        assert!(acked.insert(seq, id).is_none(), "seq {seq} acked twice: {acked:?}");
    }
    let _mongo = restart.await.expect("restart task");
    crate::wait_readiness(&api, 200, RECOVERY).await;
    let mut reader = connect(&bob, &server.base).await;
    let (replay, _) = reader.sync(json!({})).await.expect("sync");
    assert_replay(&replay, &conv, 0, &acked);
    let seqs: Vec<u64> = acked.keys().copied().collect();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>(), "seqs have no gaps: {acked:?}");
    let history = api.get(&format!("/api/v1/conversations/{conv}/messages"), Some(&reader_tokens.access)).await;
    assert_eq!((history.status, history.body["latest_seq"].as_u64()), (200, Some(10)), "{:?}", history.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_one_instance_loses_no_acked_message_and_sync_replays_each_once_in_order() {
    let backends = SharedBackends::start().await;
    let one = backends.apply(ServerBuilder::new()).spawn().await;
    let two = backends.apply(ServerBuilder::new()).spawn().await;
    let api = Api::new(&one.base);
    let alice = ChatUser::register(&api, "kill_alice", PASSWORD).await; // on the instance that dies
    let bob = ChatUser::register(&api, "kill_bob", PASSWORD).await; // on the survivor
    let conv = direct(&alice.id, &bob.id);
    let mut a = Some(connect(&alice, &one.base).await);
    let mut b = Some(connect(&bob, &two.base).await);
    let both = vec![one.base.clone(), two.base.clone()];
    let survivor = vec![two.base.clone()];

    // Both sides talk; live delivery crosses instances through Redis.
    let mut acked = BTreeMap::new();
    for i in 0..5 {
        let (ack, _) = deliver(&alice, &mut a, &both, &bob.id, &format!("a-{i}"), "from alice").await;
        acked.insert(ack["seq"].as_u64().expect("seq"), format!("a-{i}"));
        let (ack, _) = deliver(&bob, &mut b, &survivor, &alice.id, &format!("b-{i}"), "from bob").await;
        acked.insert(ack["seq"].as_u64().expect("seq"), format!("b-{i}"));
    }
    let live = b.as_mut().expect("bob").drain_messages(Duration::from_secs(2)).await.expect("bob reads");
    assert!(!live.is_empty(), "bob got alice's messages live across instances");
    let alice_cursor = a
        .as_mut()
        .expect("alice")
        .drain_messages(Duration::from_secs(1))
        .await
        .expect("alice reads")
        .iter()
        .filter_map(|m| m["seq"].as_u64())
        .chain(acked.iter().filter(|(_, c)| c.starts_with("a-")).map(|(s, _)| *s))
        .max()
        .unwrap_or(0);

    // Alice sends once more and instance one dies before she can see the ack (if there was one); bob keeps
    // sending to alice while she is away.
    let in_flight =
        json!({"type": "send", "id": "a-5", "to": bob.id, "client_msg_id": "a-5", "kind": "text", "body": "last"});
    a.as_mut().expect("alice").send_frame(in_flight).await.expect("send a-5");
    one.signal(nix::sys::signal::Signal::SIGKILL);
    drop(one);
    for i in 5..10 {
        let (ack, _) = deliver(&bob, &mut b, &survivor, &alice.id, &format!("b-{i}"), "while alice is away").await;
        acked.insert(ack["seq"].as_u64().expect("seq"), format!("b-{i}"));
    }
    // Alice's client notices the dead socket, reconnects to the survivor, resends what was not acked with
    // the same client_msg_id (stored once, whether or not the dead instance stored it), then syncs.
    let dead = a.as_mut().expect("alice").drain_messages(Duration::from_secs(30)).await;
    assert!(dead.is_err(), "the killed instance's socket is dead, got {dead:?}");
    let mut alice_again = connect(&alice, &two.base).await;
    let resent = alice_again.send_text(&bob.id, "a-5", "last").await.expect("resend a-5");
    assert_eq!(resent["type"], "ack", "{resent}");
    assert!(acked.insert(resent["seq"].as_u64().expect("seq"), "a-5".into()).is_none(), "{acked:?}");
    let (replay, _) = alice_again.sync(json!({ conv.clone(): alice_cursor })).await.expect("sync");
    assert_replay(&replay, &conv, alice_cursor, &acked);
    // An older send resent again is acked with its first seq, flagged duplicate, stored once.
    let (seq_a4, _) = acked.iter().find(|(_, c)| *c == "a-4").map(|(s, c)| (*s, c.clone())).expect("a-4");
    let again = alice_again.send_text(&bob.id, "a-4", "from alice").await.expect("resend");
    assert_eq!((again["type"].as_str(), again["seq"].as_u64()), (Some("ack"), Some(seq_a4)), "{again}");
    assert_eq!(again["duplicate"], true, "{again}");
    assert_eq!(acked.len(), 16, "every send was acked once: {acked:?}");
    let seqs: Vec<u64> = acked.keys().copied().collect();
    assert_eq!(seqs, (1..=16).collect::<Vec<_>>(), "seqs have no gaps: {acked:?}");
    let mut bob_again = connect(&bob, &two.base).await;
    let (all, _) = bob_again.sync(json!({ conv.clone(): 0 })).await.expect("sync");
    assert_replay(&all, &conv, 0, &acked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_and_presence_work_across_three_instances() {
    let backends = SharedBackends::start().await;
    let mut servers = Vec::new();
    for _ in 0..3 {
        servers.push(backends.apply(ServerBuilder::new()).spawn().await);
    }
    let api = Api::new(&servers[0].base);
    let mut users = Vec::new();
    for i in 0..3 {
        users.push(ChatUser::register(&api, &format!("fleet_chat_{i}"), PASSWORD).await);
    }
    let mut sockets = Vec::new();
    for (user, server) in users.iter().zip(&servers) {
        sockets.push(connect(user, &server.base).await);
    }
    let state = sockets[0].watch(&[&users[1].id, &users[2].id]).await.expect("presence");
    let online = state["online"].as_array().cloned().unwrap_or_default();
    assert!(online.contains(&json!(users[1].id)) && online.contains(&json!(users[2].id)), "{state}");

    // 0 -> 1 and 0 -> 2: each arrives live on another instance.
    for target in 1..3 {
        let ack = sockets[0].send_text(&users[target].id, &format!("hi-{target}"), "hello").await.expect("send");
        assert_eq!(ack["type"], "ack", "{ack}");
        let id = format!("hi-{target}");
        let got = sockets[target]
            .expect("the live message", FRAME_LIMIT, |f| f["type"] == "message" && f["client_msg_id"] == id.as_str())
            .await
            .expect("live message on another instance");
        assert_eq!((got["sender_id"].as_str(), got["seq"].as_u64()), (Some(users[0].id.as_str()), ack["seq"].as_u64()));
    }

    // User 2 leaves instance three: the watcher on instance one is told.
    let _ = sockets.pop().expect("socket").close().await;
    let gone = users[2].id.clone();
    let change = sockets[0]
        .expect("offline notice", FRAME_LIMIT, |f| f["type"] == "presence" && f["user_id"] == gone.as_str())
        .await
        .expect("presence change across instances");
    assert_eq!(change["status"], "offline", "{change}");
}
