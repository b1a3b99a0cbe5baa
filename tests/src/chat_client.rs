//! A WebSocket chat client written against docs/ws-protocol.md (v1), for tests that chat through real
//! servers: authenticate with the subprotocol header, send with acks, receive live messages, `sync` after a
//! reconnect. Frames not asked for yet are kept in order, so a test can wait for one kind of frame without
//! losing the others.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Stream = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// How long any single expected frame may take on a loaded machine.
pub const FRAME_LIMIT: Duration = Duration::from_secs(30);

/// Why a socket could not be used; the tests print it.
#[derive(Debug, thiserror::Error)]
pub enum WsError {
    /// The upgrade failed (server down, 4xx/5xx) or the socket broke.
    #[error("websocket: {0}")]
    Socket(#[from] tokio_tungstenite::tungstenite::Error),
    /// The server closed the socket; the close code and reason.
    #[error("closed by the server: {0:?}")]
    Closed(Option<(u16, String)>),
    /// No frame of the expected kind within the limit.
    #[error("no {0} within {1:?}")]
    Timeout(String, Duration),
}

/// One authenticated connection.
pub struct WsClient {
    stream: Stream,
    /// The user id from `welcome`.
    pub user_id: String,
    /// Frames received but not consumed yet, oldest first.
    backlog: VecDeque<Value>,
}

impl WsClient {
    /// Connects to `<base>/ws` (base `http://127.0.0.1:<port>`) with `token` in `Sec-WebSocket-Protocol` and
    /// waits for `welcome`.
    pub async fn connect(base: &str, token: &str) -> Result<Self, WsError> {
        let url = format!("{}/ws", base.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request()?;
        let protocols = format!("exchange.v1, access_token.{token}");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            protocols.parse().map_err(|_| WsError::Closed(Some((0, "token is not a header value".into()))))?,
        );
        let (stream, _) = tokio_tungstenite::connect_async(request).await?;
        let mut client = Self { stream, user_id: String::new(), backlog: VecDeque::new() };
        let welcome = client.expect("welcome", FRAME_LIMIT, |f| f["type"] == "welcome").await?;
        client.user_id = welcome["user_id"].as_str().unwrap_or_default().to_owned();
        Ok(client)
    }

    /// Sends one JSON frame.
    pub async fn send_frame(&mut self, frame: Value) -> Result<(), WsError> {
        self.stream.send(Message::Text(frame.to_string().into())).await?;
        Ok(())
    }

    /// Reads one frame from the socket (not the backlog), `None` when `limit` passed first.
    async fn read(&mut self, limit: Duration) -> Result<Option<Value>, WsError> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let next = match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(next) => next,
                Err(_) => return Ok(None),
            };
            match next {
                None => return Err(WsError::Closed(None)),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(Message::Text(text))) => {
                    return Ok(Some(serde_json::from_str(text.as_str()).unwrap_or(Value::String(text.to_string()))));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(WsError::Closed(frame.map(|f| (u16::from(f.code), f.reason.to_string()))));
                }
                Some(Ok(_)) => {}
            }
        }
    }

    /// The first frame (backlog first) for which `wanted` holds; other frames stay in the backlog.
    pub async fn expect(
        &mut self,
        what: &str,
        limit: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Result<Value, WsError> {
        if let Some(i) = self.backlog.iter().position(&wanted) {
            return Ok(self.backlog.remove(i).unwrap_or_default());
        }
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.read(left).await? {
                Some(frame) if wanted(&frame) => return Ok(frame),
                Some(frame) => self.backlog.push_back(frame),
                None => return Err(WsError::Timeout(what.to_owned(), limit)),
            }
        }
    }

    /// Sends a text message to user `to` and waits for its `ack` (or an `error` about it).
    pub async fn send_text(&mut self, to: &str, client_msg_id: &str, body: &str) -> Result<Value, WsError> {
        let frame = json!({"type": "send", "id": client_msg_id, "to": to, "client_msg_id": client_msg_id,
                           "kind": "text", "body": body});
        self.send_frame(frame).await?;
        let id = client_msg_id.to_owned();
        self.expect(&format!("ack of {id}"), FRAME_LIMIT, move |f| {
            (f["type"] == "ack" || f["type"] == "error") && f["id"] == id.as_str()
        })
        .await
    }

    /// Live `message` frames received so far (consumed from the backlog), after reading for up to `linger`.
    pub async fn drain_messages(&mut self, linger: Duration) -> Result<Vec<Value>, WsError> {
        let deadline = Instant::now() + linger;
        while let Some(frame) = self.read(deadline.saturating_duration_since(Instant::now())).await? {
            self.backlog.push_back(frame);
        }
        let (messages, rest): (Vec<Value>, Vec<Value>) = self.backlog.drain(..).partition(|f| f["type"] == "message");
        self.backlog.extend(rest);
        Ok(messages)
    }

    /// `sync` with `cursors` (`{conversation: seq}`): every replayed `message` in arrival order, then `synced`.
    pub async fn sync(&mut self, id: &str, cursors: Value) -> Result<(Vec<Value>, Value), WsError> {
        self.send_frame(json!({"type": "sync", "id": id, "cursors": cursors})).await?;
        let id = id.to_owned();
        let synced = self.expect("synced", FRAME_LIMIT, |f| f["type"] == "synced" && f["id"] == id.as_str()).await?;
        let (messages, rest): (Vec<Value>, Vec<Value>) = self.backlog.drain(..).partition(|f| f["type"] == "message");
        self.backlog.extend(rest);
        Ok((messages, synced))
    }

    /// `presence` watching `users`; returns the `online` list of the answer.
    pub async fn watch(&mut self, id: &str, users: &[&str]) -> Result<Vec<String>, WsError> {
        self.send_frame(json!({"type": "presence", "id": id, "users": users})).await?;
        let id = id.to_owned();
        let state = self
            .expect("presence_state", FRAME_LIMIT, |f| f["type"] == "presence_state" && f["id"] == id.as_str())
            .await?;
        Ok(state["online"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect())
    }

    /// Closes the socket politely.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// A chat participant: an account, how to sign in, and which server its socket goes to.
#[derive(Clone, Debug)]
pub struct ChatUser {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
    /// User id (from `/users/me`).
    pub id: String,
}

impl ChatUser {
    /// Registers `username` through `api` and reads its id.
    pub async fn register(api: &crate::Api, username: &str, password: &str) -> Self {
        api.register(username, &format!("{username}@example.com"), password).await;
        let tokens = api.login(username, password).await;
        let me = api.get("/api/v1/users/me", Some(&tokens.access)).await;
        let id = me.body["id"].as_str().unwrap_or_else(|| panic!("no id in {:?}", me.body)).to_owned();
        Self { username: username.to_owned(), password: password.to_owned(), id }
    }

    /// Signs in on `base` and opens a socket there; `Err` says why not (server or backend down...).
    pub async fn connect(&self, base: &str) -> Result<WsClient, String> {
        let r = crate::Api::new(base)
            .post("/api/v1/auth/login", None, json!({"username": self.username, "password": self.password}))
            .await;
        if r.status != 200 {
            return Err(format!("login {}: {} {}", self.username, r.status, r.body));
        }
        let token = r.body["access_token"].as_str().unwrap_or_default();
        WsClient::connect(base, token).await.map_err(|e| e.to_string())
    }
}

/// The direct conversation id of two users (docs/ws-protocol.md: `d:<smaller>:<larger>`).
pub fn direct(a: &str, b: &str) -> String {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    format!("d:{lo}:{hi}")
}
