//! Issue 13, point 6: while an instance shuts down, an upgrade to `/ws` is refused with 503
//! `ws.shutting_down` (so a client goes to another instance) instead of meeting a closed port, for as long
//! as its sockets are still closing. A client that does not answer the server's Close keeps one closing.
//!
//! On ac3b2f5 the listener closed as soon as the signal came, so the 503 was never observable: the first
//! upgrade after SIGTERM met a refused connection. On 1883dde the gateway drained first, but only until its
//! hub was empty, and a connection leaves the hub as soon as it decides to close: with the client here not
//! answering, the listener still closed within milliseconds (an upgrade 26 ms after SIGTERM was refused).

use crate::{PASSWORD, builder};
use e2e::{Api, Composition, World};
use exchange_testkit::{ClientError, Dial, Ended, ws_url};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Error as WsError;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrades_during_the_drain_get_503_ws_shutting_down_before_the_listener_closes() {
    let mut world = World::start(Composition::Embedded, builder()).await;
    let api = Api::new(&world.server.base);
    api.register("drain_alice", "drain_alice@example.com", PASSWORD).await;
    let token = api.login("drain_alice", PASSWORD).await.access;
    let url = ws_url(&world.server.base, "/ws");
    // Connected, then silent: it reads nothing, so it does not answer the server's Close until told to.
    let mut lingering = Dial::new(&url).token(&token).connect().await.expect("connects");

    world.server.signal(nix::sys::signal::Signal::SIGTERM);
    let signalled = Instant::now();
    let mut upgraded = 0;
    let refusal = loop {
        assert!(
            signalled.elapsed() < Duration::from_secs(20),
            "no 503 within 20 s of SIGTERM ({upgraded} upgrades went through)"
        );
        match Dial::new(&url).token(&token).open().await {
            // Before the server saw the signal: that socket is closed with 1001 like the others.
            Ok(_) => upgraded += 1,
            Err(ClientError::WebSocket(WsError::Http(response))) => break response,
            Err(other) => panic!(
                "{:?} after SIGTERM the upgrade met {other} instead of a 503 ({upgraded} went through before)",
                signalled.elapsed()
            ),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    eprintln!("503 after {:?} (upgrades before it: {upgraded})", signalled.elapsed());
    assert_eq!(refusal.status().as_u16(), 503);
    let body: serde_json::Value =
        serde_json::from_slice(refusal.body().as_deref().unwrap_or_default()).expect("an error body");
    assert_eq!(body["code"], "ws.shutting_down", "{body}");
    assert!(body["request_id"].is_string(), "{body}");

    // The lingering client now reads: the server's Close is 1001, and the process exits cleanly.
    assert_eq!(lingering.closed_within(Duration::from_secs(30)).await.expect("closed"), Ended::Close(1001));
    let status = world.server.wait_exit(Duration::from_secs(30)).await;
    assert!(status.success(), "{status:?}\n{}", world.server.output());
}
