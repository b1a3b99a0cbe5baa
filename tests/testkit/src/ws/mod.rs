//! The one WebSocket client of the workspace's tests, speaking exchange's IM protocol
//! (docs/ws-protocol.md): open a socket ([`Dial`]: token in the subprotocol header or in the first frame,
//! a small receive buffer and a read rate for slow links), then one JSON text frame per message, replies
//! matched to requests by `id`. Every call is fallible ([`ClientError`]); the end-to-end tests' panicking
//! helpers and the load tool wrap this type instead of speaking the protocol themselves.
//!
//! Frames that arrive while a call waits for a particular one are kept, in order, for [`WsClient::recv`].
//! Every wait is bounded ([`WsClient::wait`], 15 s unless set): a guard against hanging tests, not a
//! performance assertion. [`recipe`] builds the documented reconnect-and-sync recipe on top.

mod dial;
pub mod recipe;

pub use dial::Dial;

use crate::error::ClientError;
use dial::{Pace, Stream};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// How long a call waits for the server unless told otherwise.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(15);

/// How a socket ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The server sent a Close frame with this code.
    Close(u16),
    /// The connection ended without a close code (reset, EOF, or a Close frame without a code).
    Dropped,
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Close(code) => write!(f, "closed with {code}"),
            Self::Dropped => f.write_str("dropped without a close code"),
        }
    }
}

/// The WebSocket URL of a server: `http://host:port` -> `ws://host:port<path>` (`https` -> `wss`).
pub fn ws_url(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/').replacen("http", "ws", 1))
}

/// The direct conversation id of two users (docs/ws-protocol.md: `d:<smaller>:<larger>`).
pub fn direct(a: &str, b: &str) -> String {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    format!("d:{lo}:{hi}")
}

/// One client connection.
pub struct WsClient {
    stream: Stream,
    pending: VecDeque<Value>,
    welcome: Value,
    protocol: Option<String>,
    next_id: u64,
    ended: Option<Ended>,
    wait: Duration,
    pace: Option<Pace>,
}

impl WsClient {
    fn new(stream: Stream, protocol: Option<String>, wait: Duration, pace: Option<Pace>) -> Self {
        Self { stream, pending: VecDeque::new(), welcome: Value::Null, protocol, next_id: 0, ended: None, wait, pace }
    }

    /// Connects to `base`'s `/ws` (the default `server.ws_path`) offering `exchange.v1` and the access
    /// token, and waits for `welcome`.
    pub async fn connect(base: &str, access_token: &str) -> Result<Self, ClientError> {
        Self::connect_url(&ws_url(base, "/ws"), access_token).await
    }

    /// Connects to the WebSocket `url` (`ws://host:port/path`) with the access token in the subprotocol
    /// header, and waits for `welcome`.
    pub async fn connect_url(url: &str, access_token: &str) -> Result<Self, ClientError> {
        Dial::new(url).token(access_token).connect().await
    }

    /// Connects to `url` offering only `exchange.v1`, without authenticating (send an `auth` frame next,
    /// or call [`WsClient::authenticate`]).
    pub async fn connect_anonymous(url: &str) -> Result<Self, ClientError> {
        Dial::new(url).protocols(&["exchange.v1"]).open().await
    }

    /// Authenticates with the first frame (`auth`) and waits for `welcome`.
    pub async fn authenticate(&mut self, access_token: &str) -> Result<&Value, ClientError> {
        self.send_frame(json!({"type": "auth", "id": "auth-1", "token": access_token})).await?;
        self.await_welcome().await
    }

    /// Waits for `welcome` (an `error` first means the server refused the token).
    pub async fn await_welcome(&mut self) -> Result<&Value, ClientError> {
        let frame = self.recv().await?;
        match frame["type"].as_str() {
            Some("welcome") => {
                self.welcome = frame;
                Ok(&self.welcome)
            }
            Some("error") => Err(frame_error(&frame)),
            _ => Err(ClientError::Protocol(format!("expected welcome, got {frame}"))),
        }
    }

    /// The `welcome` frame (`user_id`, `connection_id`, `limits`, ...); Null before authentication.
    pub fn welcome(&self) -> &Value {
        &self.welcome
    }

    /// This connection's user id (from `welcome`; empty before authentication).
    pub fn user_id(&self) -> &str {
        self.welcome["user_id"].as_str().unwrap_or_default()
    }

    /// The subprotocol the server selected in its upgrade answer.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// How long each call waits for the server.
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// Sets how long each call waits for the server.
    pub fn set_wait(&mut self, wait: Duration) {
        self.wait = wait;
    }

    /// How the socket ended, once it did.
    pub fn ended(&self) -> Option<Ended> {
        self.ended
    }

    /// The close code the server sent, once it closed with one.
    pub fn close_code(&self) -> Option<u16> {
        match self.ended {
            Some(Ended::Close(code)) => Some(code),
            _ => None,
        }
    }

    /// Sends one frame as it is.
    pub async fn send_frame(&mut self, frame: Value) -> Result<(), ClientError> {
        self.send_raw(Message::text(frame.to_string())).await
    }

    /// Sends any WebSocket message (binary, raw text, a ping).
    pub async fn send_raw(&mut self, message: Message) -> Result<(), ClientError> {
        if let Some(ended) = self.ended {
            return Err(ClientError::Closed(ended));
        }
        self.stream.send(message).await?;
        Ok(())
    }

    /// Reads one text frame from the socket (not the kept ones); `Ok(None)` when `deadline` passed first.
    /// Cancel-safe: a frame is either returned or still unread.
    async fn read_until(&mut self, deadline: Instant) -> Result<Option<Value>, ClientError> {
        if let Some(ended) = self.ended {
            return Err(ClientError::Closed(ended));
        }
        loop {
            if let Some(pace) = &self.pace
                && tokio::time::timeout_at(deadline, pace.ready()).await.is_err()
            {
                return Ok(None);
            }
            let Ok(next) = tokio::time::timeout_at(deadline, self.stream.next()).await else { return Ok(None) };
            match next {
                Some(Ok(Message::Text(text))) => {
                    if let Some(pace) = &mut self.pace {
                        pace.consumed(text.len());
                    }
                    return serde_json::from_str(text.as_str())
                        .map(Some)
                        .map_err(|_| ClientError::Protocol(format!("not JSON: {}", text.as_str())));
                }
                Some(Ok(Message::Close(frame))) => {
                    let ended = frame.map_or(Ended::Dropped, |f| Ended::Close(u16::from(f.code)));
                    self.ended = Some(ended);
                    // tungstenite queued the answering Close; send it now, since nothing may be read or
                    // written on this socket again (the server waits for it before letting go).
                    let _ = self.stream.flush().await;
                    return Err(ClientError::Closed(ended));
                }
                Some(Ok(_)) => continue,
                Some(Err(err)) => {
                    self.ended = Some(Ended::Dropped);
                    return Err(err.into());
                }
                None => {
                    self.ended = Some(Ended::Dropped);
                    return Err(ClientError::Closed(Ended::Dropped));
                }
            }
        }
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.wait
    }

    fn timeout(&self, what: &str) -> ClientError {
        ClientError::Timeout(format!("no {what} within {:?}", self.wait))
    }

    /// The next frame from the server (kept ones first). Errors when the socket ended (see
    /// [`WsClient::ended`]) or nothing came within the wait.
    pub async fn recv(&mut self) -> Result<Value, ClientError> {
        if let Some(frame) = self.pending.pop_front() {
            return Ok(frame);
        }
        let deadline = self.deadline();
        self.read_until(deadline).await?.ok_or_else(|| self.timeout("frame"))
    }

    /// The next frame (kept ones first) if one comes within `limit`; `Ok(None)` otherwise. Cancel-safe, so
    /// it can race other work in `tokio::select!`.
    pub async fn recv_within(&mut self, limit: Duration) -> Result<Option<Value>, ClientError> {
        if let Some(frame) = self.pending.pop_front() {
            return Ok(Some(frame));
        }
        self.read_until(Instant::now() + limit).await
    }

    /// The first frame (kept ones first) for which `wanted` holds, within `limit`; other frames are kept.
    pub async fn expect(
        &mut self,
        what: &str,
        limit: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Result<Value, ClientError> {
        if let Some(i) = self.pending.iter().position(&wanted) {
            return Ok(self.pending.remove(i).unwrap_or_default());
        }
        let deadline = Instant::now() + limit;
        loop {
            match self.read_until(deadline).await? {
                Some(frame) if wanted(&frame) => return Ok(frame),
                Some(frame) => self.pending.push_back(frame),
                None => return Err(ClientError::Timeout(format!("no {what} within {limit:?}"))),
            }
        }
    }

    /// The next frame of type `ty`; frames of other types are kept for [`WsClient::recv`].
    pub async fn recv_type(&mut self, ty: &str) -> Result<Value, ClientError> {
        let wait = self.wait;
        self.expect(ty, wait, |f| f["type"] == ty).await
    }

    fn fresh_id(&mut self) -> String {
        self.next_id += 1;
        format!("tk-{}", self.next_id)
    }

    /// Sends `frame` with a fresh `id` and returns the reply carrying that id; an `error` reply becomes
    /// [`ClientError::Frame`]. Other frames that arrive meanwhile are kept.
    pub async fn request(&mut self, mut frame: Value) -> Result<Value, ClientError> {
        let id = self.fresh_id();
        frame["id"] = Value::String(id.clone());
        self.reply_to(frame, &id).await
    }

    /// Sends `frame` (whose `id` is `id`) and returns the reply carrying that id, as [`WsClient::request`].
    pub async fn reply_to(&mut self, frame: Value, id: &str) -> Result<Value, ClientError> {
        self.send_frame(frame).await?;
        let wait = self.wait;
        let reply = self.expect(&format!("reply to {id}"), wait, |f| f["id"] == id).await?;
        if reply["type"] == "error" { Err(frame_error(&reply)) } else { Ok(reply) }
    }

    /// `send` of a text message with the target given as `(field, value)`: `("to", user)`,
    /// `("group", group)` or `("conversation", id)`; returns the `ack`. The frame's `id` is the
    /// client_msg_id, so an `error` about it is matched too.
    pub async fn send_to(
        &mut self,
        target: (&str, &str),
        client_msg_id: &str,
        body: &str,
    ) -> Result<Value, ClientError> {
        let mut frame = json!({"type": "send", "id": client_msg_id, "client_msg_id": client_msg_id,
                               "kind": "text", "body": body});
        frame[target.0] = json!(target.1);
        self.reply_to(frame, client_msg_id).await
    }

    /// `send` of a text message to user `to` (their direct conversation); returns the `ack`.
    pub async fn send_text(&mut self, to: &str, client_msg_id: &str, body: &str) -> Result<Value, ClientError> {
        self.send_to(("to", to), client_msg_id, body).await
    }

    /// `send` of a text message to group `group`; returns the `ack`.
    pub async fn send_to_group(&mut self, group: &str, client_msg_id: &str, body: &str) -> Result<Value, ClientError> {
        self.send_to(("group", group), client_msg_id, body).await
    }

    /// `sync` with `cursors` (`{"d:...": 41}`): the replayed `message` frames in order, then `synced`.
    /// Other frames that arrive meanwhile are kept.
    pub async fn sync(&mut self, cursors: Value) -> Result<(Vec<Value>, Value), ClientError> {
        let id = self.fresh_id();
        self.send_frame(json!({"type": "sync", "id": id, "cursors": cursors})).await?;
        let mut messages = Vec::new();
        let mut kept = Vec::new();
        let deadline = self.deadline();
        // Replayed messages may already wait among the kept frames (a caller that read ahead).
        let mut queued: VecDeque<Value> = std::mem::take(&mut self.pending);
        let outcome = loop {
            let frame = match queued.pop_front() {
                Some(frame) => frame,
                None => match self.read_until(deadline).await {
                    Ok(Some(frame)) => frame,
                    Ok(None) => break Err(self.timeout("synced")),
                    Err(err) => break Err(err),
                },
            };
            match frame["type"].as_str() {
                Some("message") => messages.push(frame),
                Some("synced") if frame["id"] == id.as_str() => break Ok(frame),
                Some("error") if frame["id"] == id.as_str() => break Err(frame_error(&frame)),
                _ => kept.push(frame),
            }
        };
        self.pending.extend(kept);
        self.pending.extend(queued);
        outcome.map(|synced| (messages, synced))
    }

    /// `read` up to `seq` in `conversation`; returns the `read_ack`.
    pub async fn read(&mut self, conversation: &str, seq: u64) -> Result<Value, ClientError> {
        self.request(json!({"type": "read", "conversation": conversation, "seq": seq})).await
    }

    /// `presence`: watch `users`; returns the `presence_state`.
    pub async fn watch(&mut self, users: &[&str]) -> Result<Value, ClientError> {
        self.request(json!({"type": "presence", "users": users})).await
    }

    /// `ping`; returns the `pong`.
    pub async fn ping(&mut self) -> Result<Value, ClientError> {
        self.request(json!({"type": "ping"})).await
    }

    /// Sends `ping` with `id` and returns every frame received before its `pong` (kept ones included), so a
    /// test can check that nothing else was sent meanwhile.
    pub async fn roundtrip(&mut self, id: &str) -> Result<Vec<Value>, ClientError> {
        self.send_frame(json!({"type": "ping", "id": id})).await?;
        let mut before: Vec<Value> = self.pending.drain(..).collect();
        let deadline = self.deadline();
        loop {
            match self.read_until(deadline).await? {
                Some(frame) if frame["type"] == "pong" && frame["id"] == id => return Ok(before),
                Some(frame) => before.push(frame),
                None => return Err(self.timeout("pong")),
            }
        }
    }

    /// Every `message` frame received within `linger` (kept ones included, consumed); other frames stay kept.
    pub async fn drain_messages(&mut self, linger: Duration) -> Result<Vec<Value>, ClientError> {
        let deadline = Instant::now() + linger;
        while let Some(frame) = self.read_until(deadline).await? {
            self.pending.push_back(frame);
        }
        let (messages, rest): (Vec<Value>, Vec<Value>) = self.pending.drain(..).partition(|f| f["type"] == "message");
        self.pending.extend(rest);
        Ok(messages)
    }

    /// Reads until the socket ends, up to `limit`; returns every frame before the end (kept ones first) and
    /// how it ended. A reset counts as [`Ended::Dropped`], not as an error.
    pub async fn drain_until_closed_within(&mut self, limit: Duration) -> Result<(Vec<Value>, Ended), ClientError> {
        let mut frames: Vec<Value> = self.pending.drain(..).collect();
        let deadline = Instant::now() + limit;
        loop {
            match self.read_until(deadline).await {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => return Err(ClientError::Timeout(format!("socket not closed within {limit:?}"))),
                Err(_) if self.ended.is_some() => return Ok((frames, self.ended.unwrap_or(Ended::Dropped))),
                Err(err) => return Err(err),
            }
        }
    }

    /// [`WsClient::drain_until_closed_within`] the wait.
    pub async fn drain_until_closed(&mut self) -> Result<(Vec<Value>, Ended), ClientError> {
        let wait = self.wait;
        self.drain_until_closed_within(wait).await
    }

    /// Waits (up to `limit`) until the server ends the socket and returns how; frames before it are kept.
    pub async fn closed_within(&mut self, limit: Duration) -> Result<Ended, ClientError> {
        let (frames, ended) = self.drain_until_closed_within(limit).await?;
        self.pending.extend(frames);
        Ok(ended)
    }

    /// [`WsClient::closed_within`] the wait.
    pub async fn closed(&mut self) -> Result<Ended, ClientError> {
        let wait = self.wait;
        self.closed_within(wait).await
    }

    /// Closes the connection normally (1000).
    pub async fn close(mut self) -> Result<(), ClientError> {
        if self.ended.is_none() {
            self.stream.close(None).await?;
        }
        Ok(())
    }
}

/// An `error` frame as a [`ClientError::Frame`].
pub(crate) fn frame_error(frame: &Value) -> ClientError {
    ClientError::Frame {
        code: frame["code"].as_str().unwrap_or_default().to_owned(),
        message: frame["message"].as_str().unwrap_or_default().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_lives_on_the_api_address() {
        assert_eq!(ws_url("http://127.0.0.1:8080", "/ws"), "ws://127.0.0.1:8080/ws");
        assert_eq!(ws_url("http://127.0.0.1:8080/", "/ws"), "ws://127.0.0.1:8080/ws");
        assert_eq!(ws_url("https://x", "/ws"), "wss://x/ws");
    }

    #[test]
    fn direct_ids_do_not_depend_on_who_asks() {
        assert_eq!(direct("b", "a"), "d:a:b");
        assert_eq!(direct("a", "b"), direct("b", "a"));
    }
}
