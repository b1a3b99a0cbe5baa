//! The test kit's WebSocket client ([`exchange_testkit::WsClient`]) for gateway tests that read best when
//! every step either works or fails the test: each method unwraps with a message naming the step. Tests that
//! ride out faults use the fallible client (or its recipe client) directly.

pub use exchange_testkit::ws::direct;
pub use exchange_testkit::{Dial, Ended};

use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Longest wait for one frame before a test fails (a bound, not a timed assertion).
const FRAME_WAIT: Duration = Duration::from_secs(15);

/// One client socket whose every step must work.
pub struct WsClient(exchange_testkit::WsClient);

/// `ws://` URL of the gateway of a server at `base` (`http://host:port`).
pub fn ws_url(base: &str) -> String {
    exchange_testkit::ws_url(base, "/ws")
}

impl WsClient {
    /// Opens a socket offering `protocols` (comma-joined into `Sec-WebSocket-Protocol`) and extra headers;
    /// returns the subprotocol the server chose.
    pub async fn open(
        url: &str,
        protocols: &[&str],
        headers: &[(&str, &str)],
    ) -> Result<(Self, Option<String>), String> {
        let dial =
            headers.iter().fold(Dial::new(url).protocols(protocols).wait(FRAME_WAIT), |d, (k, v)| d.header(k, v));
        let client = dial.open().await.map_err(|e| e.to_string())?;
        let chosen = client.protocol().map(str::to_owned);
        Ok((Self(client), chosen))
    }

    /// Connects with the token in the subprotocol header and waits for `welcome`.
    pub async fn connect(base: &str, token: &str) -> Self {
        let offered = format!("access_token.{token}");
        let (mut client, chosen) =
            Self::open(&ws_url(base), &["exchange.v1", &offered], &[]).await.expect("WebSocket upgrade");
        assert_eq!(chosen.as_deref(), Some("exchange.v1"), "the server selects the protocol, never the token");
        client.0.await_welcome().await.expect("welcome");
        client
    }

    /// Connects without a header token and authenticates with the first frame.
    pub async fn connect_first_frame(base: &str, token: &str) -> Self {
        let (mut client, _) = Self::open(&ws_url(base), &["exchange.v1"], &[]).await.expect("WebSocket upgrade");
        client.0.authenticate(token).await.expect("welcome after the auth frame");
        client
    }

    /// The `welcome` frame (Null until authenticated).
    pub fn welcome(&self) -> &Value {
        self.0.welcome()
    }

    /// This connection's user id (from `welcome`).
    pub fn user_id(&self) -> String {
        self.0.user_id().to_owned()
    }

    /// The fallible client underneath.
    pub fn inner(&mut self) -> &mut exchange_testkit::WsClient {
        &mut self.0
    }

    /// Sends a JSON frame.
    pub async fn send(&mut self, frame: Value) {
        self.0.send_frame(frame).await.expect("send frame");
    }

    /// Sends any WebSocket message (binary, raw text).
    pub async fn send_raw(&mut self, message: Message) {
        self.0.send_raw(message).await.expect("send raw frame");
    }

    /// The next JSON frame; panics on close or after the wait bound.
    pub async fn next(&mut self) -> Value {
        self.0.recv().await.unwrap_or_else(|e| panic!("expected a frame, got {e}"))
    }

    /// The next frame of type `kind`, skipping presence/typing/read notices and other frames.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.next().await;
            if frame["type"] == kind {
                return frame;
            }
            if frame["type"] == "error" && kind != "error" {
                panic!("expected {kind}, got error {frame}");
            }
        }
    }

    /// Sends `ping` with `id` and returns every frame received before the `pong`.
    pub async fn roundtrip(&mut self, id: &str) -> Vec<Value> {
        self.0.roundtrip(id).await.unwrap_or_else(|e| panic!("ping {id}: {e}"))
    }

    /// Sends a text message to `target` (`("to", user)`, `("group", id)`, `("conversation", id)`) and
    /// returns the ack or the error frame about it.
    pub async fn send_text(&mut self, target: (&str, &str), client_msg_id: &str, body: &str) -> Value {
        let mut frame = json!({"type": "send", "id": client_msg_id, "client_msg_id": client_msg_id, "body": body});
        frame[target.0] = json!(target.1);
        self.send(frame).await;
        self.0
            .expect(&format!("ack of {client_msg_id}"), FRAME_WAIT, |f| {
                (f["type"] == "ack" || f["type"] == "error") && f["id"] == client_msg_id
            })
            .await
            .unwrap_or_else(|e| panic!("send {client_msg_id}: {e}"))
    }

    /// Reads until the server closes; returns how (frames before it are kept).
    pub async fn closed(&mut self) -> Ended {
        self.0.closed_within(FRAME_WAIT).await.expect("socket not closed in time")
    }

    /// Reads until the server closes, waiting up to `wait` (for timers such as token expiry).
    pub async fn closed_within(&mut self, wait: Duration) -> Ended {
        self.0.closed_within(wait).await.unwrap_or_else(|e| panic!("socket not closed within {wait:?}: {e}"))
    }

    /// Reads frames until the close; returns them and how it ended.
    pub async fn drain_until_closed(&mut self) -> (Vec<Value>, Ended) {
        self.0.drain_until_closed_within(FRAME_WAIT).await.expect("socket not closed in time")
    }

    /// Closes from the client side.
    pub async fn close(self) {
        let _ = self.0.close().await;
    }
}
