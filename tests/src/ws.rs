//! A WebSocket client speaking docs/ws-protocol.md, for end-to-end tests of the gateway: connect with the
//! token in the subprotocol header or in the first frame, send JSON frames, read typed frames, and see
//! how the server closed the socket.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Longest wait for one frame before a test fails (a bound, not a timed assertion).
const FRAME_WAIT: Duration = Duration::from_secs(15);

/// How a socket ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// A close frame with this code.
    Close(u16),
    /// The connection dropped without a close frame.
    Dropped,
}

/// One client socket.
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The `welcome` frame (Null until authenticated).
    pub welcome: Value,
}

/// `ws://` URL of the gateway of a server at `base` (`http://host:port`).
pub fn ws_url(base: &str) -> String {
    format!("{}/ws", base.replacen("http", "ws", 1))
}

impl WsClient {
    /// Opens a socket offering `protocols` (comma-joined into `Sec-WebSocket-Protocol`) and extra headers.
    pub async fn open(
        url: &str,
        protocols: &[&str],
        headers: &[(&str, &str)],
    ) -> Result<(Self, Option<String>), String> {
        let mut request = url.into_client_request().map_err(|e| e.to_string())?;
        if !protocols.is_empty() {
            let value = HeaderValue::from_str(&protocols.join(", ")).map_err(|e| e.to_string())?;
            request.headers_mut().insert("sec-websocket-protocol", value);
        }
        for (k, v) in headers {
            let name: tokio_tungstenite::tungstenite::http::HeaderName =
                k.parse().map_err(|_| "bad header".to_owned())?;
            request.headers_mut().insert(name, HeaderValue::from_str(v).map_err(|e| e.to_string())?);
        }
        let (stream, response) = tokio_tungstenite::connect_async(request).await.map_err(|e| e.to_string())?;
        let chosen = response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok((Self { stream, welcome: Value::Null }, chosen))
    }

    /// Connects with the token in the subprotocol header and waits for `welcome`.
    pub async fn connect(base: &str, token: &str) -> Self {
        let offered = format!("access_token.{token}");
        let (mut client, chosen) =
            Self::open(&ws_url(base), &["exchange.v1", &offered], &[]).await.expect("WebSocket upgrade");
        assert_eq!(chosen.as_deref(), Some("exchange.v1"), "the server selects the protocol, never the token");
        client.welcome = client.next_of("welcome").await;
        client
    }

    /// Connects without a header token and authenticates with the first frame.
    pub async fn connect_first_frame(base: &str, token: &str) -> Self {
        let (mut client, _) = Self::open(&ws_url(base), &["exchange.v1"], &[]).await.expect("WebSocket upgrade");
        client.send(json!({"type": "auth", "id": "auth-1", "token": token})).await;
        client.welcome = client.next_of("welcome").await;
        client
    }

    /// This connection's user id (from `welcome`).
    pub fn user_id(&self) -> String {
        self.welcome["user_id"].as_str().unwrap_or_default().to_owned()
    }

    /// Sends a JSON frame.
    pub async fn send(&mut self, frame: Value) {
        self.stream.send(Message::text(frame.to_string())).await.expect("send frame");
    }

    /// Sends any WebSocket message (binary, raw text).
    pub async fn send_raw(&mut self, message: Message) {
        self.stream.send(message).await.expect("send raw frame");
    }

    /// The next JSON frame; panics on close or after the wait bound.
    pub async fn next(&mut self) -> Value {
        loop {
            let message =
                tokio::time::timeout(FRAME_WAIT, self.stream.next()).await.expect("no frame from the server in time");
            match message {
                Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).expect("JSON frame"),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected a frame, got {other:?}"),
            }
        }
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
        self.send(json!({"type": "ping", "id": id})).await;
        let mut before = Vec::new();
        loop {
            let frame = self.next().await;
            if frame["type"] == "pong" && frame["id"] == id {
                return before;
            }
            before.push(frame);
        }
    }

    /// Sends a text message and returns the ack (or the error frame).
    pub async fn send_text(&mut self, target: (&str, &str), client_msg_id: &str, body: &str) -> Value {
        let mut frame = json!({"type": "send", "id": client_msg_id, "client_msg_id": client_msg_id, "body": body});
        frame[target.0] = json!(target.1);
        self.send(frame).await;
        loop {
            let f = self.next().await;
            if (f["type"] == "ack" || f["type"] == "error") && f["id"] == client_msg_id {
                return f;
            }
        }
    }

    /// Reads until the server closes; returns the code (frames before it are dropped).
    pub async fn closed(&mut self) -> Ended {
        loop {
            match tokio::time::timeout(FRAME_WAIT, self.stream.next()).await.expect("socket not closed in time") {
                Some(Ok(Message::Close(Some(frame)))) => return Ended::Close(frame.code.into()),
                Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return Ended::Dropped,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Reads until the server closes, waiting up to `wait` (for timers such as token expiry).
    pub async fn closed_within(&mut self, wait: Duration) -> Ended {
        match tokio::time::timeout(wait, self.closed_inner()).await {
            Ok(ended) => ended,
            Err(_) => panic!("socket not closed within {wait:?}"),
        }
    }

    async fn closed_inner(&mut self) -> Ended {
        loop {
            match self.stream.next().await {
                Some(Ok(Message::Close(Some(frame)))) => return Ended::Close(frame.code.into()),
                Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return Ended::Dropped,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Reads frames until the close; returns them and how it ended.
    pub async fn drain_until_closed(&mut self) -> (Vec<Value>, Ended) {
        let mut frames = Vec::new();
        loop {
            match tokio::time::timeout(FRAME_WAIT, self.stream.next()).await.expect("socket not closed in time") {
                Some(Ok(Message::Text(text))) => frames.push(serde_json::from_str(&text).unwrap_or(Value::Null)),
                Some(Ok(Message::Close(Some(frame)))) => return (frames, Ended::Close(frame.code.into())),
                Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return (frames, Ended::Dropped),
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Closes from the client side.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}
