//! A WebSocket client speaking exchange's IM protocol (docs/ws-protocol.md): connect with the token in the
//! subprotocol header, then one JSON text frame per message, replies matched to requests by `id`.

use crate::error::ClientError;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a receive waits before reporting that nothing came (a guard against hanging tests, not a
/// performance assertion).
const RECEIVE_GUARD: Duration = Duration::from_secs(10);

/// One client connection. Frames that arrive while waiting for a particular reply are kept, in order, for
/// [`WsClient::recv`].
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pending: VecDeque<Value>,
    welcome: Value,
    next_id: u64,
    close_code: Option<u16>,
}

/// The WebSocket URL of a server: `http://host:port` -> `ws://host:port/ws`.
pub fn ws_url(base: &str, path: &str) -> String {
    let base = base.trim_end_matches('/');
    let base = base.strip_prefix("http://").map(|rest| format!("ws://{rest}")).unwrap_or_else(|| base.to_owned());
    format!("{base}{path}")
}

impl WsClient {
    /// Connects to `base`'s `/ws` offering `exchange.v1` and the access token, and waits for `welcome`.
    pub async fn connect(base: &str, access_token: &str) -> Result<Self, ClientError> {
        let protocols = format!("exchange.v1, access_token.{access_token}");
        let mut client = Self::open(&ws_url(base, "/ws"), &protocols).await?;
        let welcome = client.recv().await?;
        if welcome["type"] != "welcome" {
            return Err(ClientError::WebSocketClosed(format!("expected welcome, got {welcome}")));
        }
        client.welcome = welcome;
        Ok(client)
    }

    /// Connects to `url` offering only `exchange.v1`, without authenticating (send an `auth` frame next).
    pub async fn connect_anonymous(url: &str) -> Result<Self, ClientError> {
        Self::open(url, "exchange.v1").await
    }

    async fn open(url: &str, protocols: &str) -> Result<Self, ClientError> {
        let mut request = url.into_client_request()?;
        let value = HeaderValue::from_str(protocols)
            .map_err(|_| ClientError::WebSocketClosed("the token is not a valid header value".into()))?;
        request.headers_mut().insert("sec-websocket-protocol", value);
        let (stream, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Self { stream, pending: VecDeque::new(), welcome: Value::Null, next_id: 0, close_code: None })
    }

    /// The `welcome` frame (`user_id`, `connection_id`, `limits`, ...); Null before authentication.
    pub fn welcome(&self) -> &Value {
        &self.welcome
    }

    /// Sends one frame as it is.
    pub async fn send_frame(&mut self, frame: Value) -> Result<(), ClientError> {
        self.stream.send(Message::text(frame.to_string())).await?;
        Ok(())
    }

    /// The next frame from the server (kept ones first). Errors when the socket closed (see
    /// [`WsClient::close_code`]) or nothing came within 10 s.
    pub async fn recv(&mut self) -> Result<Value, ClientError> {
        if let Some(frame) = self.pending.pop_front() {
            return Ok(frame);
        }
        self.read_frame().await
    }

    async fn read_frame(&mut self) -> Result<Value, ClientError> {
        loop {
            let next = tokio::time::timeout(RECEIVE_GUARD, self.stream.next())
                .await
                .map_err(|_| ClientError::WebSocketClosed("no frame within 10 s".into()))?;
            match next {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str())
                        .map_err(|_| ClientError::WebSocketClosed(format!("not JSON: {}", text.as_str())));
                }
                Some(Ok(Message::Close(frame))) => {
                    self.close_code = frame.as_ref().map(|f| u16::from(f.code));
                    let reason = frame.map(|f| format!("{} {}", u16::from(f.code), f.reason)).unwrap_or_default();
                    return Err(ClientError::WebSocketClosed(format!("closed by the server: {reason}")));
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => return Err(ClientError::WebSocketClosed("the stream ended".into())),
            }
        }
    }

    /// The next frame of type `ty`; frames of other types are kept for [`WsClient::recv`].
    pub async fn recv_type(&mut self, ty: &str) -> Result<Value, ClientError> {
        if let Some(pos) = self.pending.iter().position(|f| f["type"] == ty) {
            return Ok(self.pending.remove(pos).unwrap_or(Value::Null));
        }
        loop {
            let frame = self.read_frame().await?;
            if frame["type"] == ty {
                return Ok(frame);
            }
            self.pending.push_back(frame);
        }
    }

    /// Sends `frame` with a fresh `id` and returns the reply carrying that id; an `error` reply becomes
    /// [`ClientError::Frame`]. Other frames that arrive meanwhile are kept.
    pub async fn request(&mut self, mut frame: Value) -> Result<Value, ClientError> {
        self.next_id += 1;
        let id = format!("tk-{}", self.next_id);
        frame["id"] = Value::String(id.clone());
        self.send_frame(frame).await?;
        loop {
            let reply = self.read_frame().await?;
            if reply["id"] != id.as_str() {
                self.pending.push_back(reply);
                continue;
            }
            if reply["type"] == "error" {
                return Err(ClientError::Frame {
                    code: reply["code"].as_str().unwrap_or_default().to_owned(),
                    message: reply["message"].as_str().unwrap_or_default().to_owned(),
                });
            }
            return Ok(reply);
        }
    }

    /// `send` of a text message to user `to` (their direct conversation); returns the `ack`.
    pub async fn send_text(&mut self, to: &str, client_msg_id: &str, body: &str) -> Result<Value, ClientError> {
        self.request(json!({"type": "send", "to": to, "client_msg_id": client_msg_id, "kind": "text", "body": body}))
            .await
    }

    /// `send` of a text message to group `group`; returns the `ack`.
    pub async fn send_to_group(&mut self, group: &str, client_msg_id: &str, body: &str) -> Result<Value, ClientError> {
        let frame =
            json!({"type": "send", "group": group, "client_msg_id": client_msg_id, "kind": "text", "body": body});
        self.request(frame).await
    }

    /// `sync` with `cursors` (`{"d:...": 41}`): the replayed `message` frames in order, then `synced`.
    pub async fn sync(&mut self, cursors: Value) -> Result<(Vec<Value>, Value), ClientError> {
        self.next_id += 1;
        let id = format!("tk-{}", self.next_id);
        self.send_frame(json!({"type": "sync", "id": id, "cursors": cursors})).await?;
        let mut messages = Vec::new();
        loop {
            let frame = self.read_frame().await?;
            match frame["type"].as_str() {
                Some("message") => messages.push(frame),
                Some("synced") if frame["id"] == id.as_str() => return Ok((messages, frame)),
                Some("error") if frame["id"] == id.as_str() => {
                    return Err(ClientError::Frame {
                        code: frame["code"].as_str().unwrap_or_default().to_owned(),
                        message: frame["message"].as_str().unwrap_or_default().to_owned(),
                    });
                }
                _ => self.pending.push_back(frame),
            }
        }
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

    /// Waits until the server closes the socket and returns its close code (frames before it are kept).
    pub async fn closed(&mut self) -> Result<Option<u16>, ClientError> {
        loop {
            match self.read_frame().await {
                Ok(frame) => self.pending.push_back(frame),
                Err(ClientError::WebSocketClosed(_)) | Err(ClientError::WebSocket(_)) if self.close_code.is_some() => {
                    return Ok(self.close_code);
                }
                Err(ClientError::WebSocket(_)) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }

    /// The close code the server sent, once it closed.
    pub fn close_code(&self) -> Option<u16> {
        self.close_code
    }

    /// Closes the connection normally (1000).
    pub async fn close(mut self) -> Result<(), ClientError> {
        self.stream.close(None).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_lives_on_the_api_address() {
        assert_eq!(ws_url("http://127.0.0.1:8080", "/ws"), "ws://127.0.0.1:8080/ws");
        assert_eq!(ws_url("http://127.0.0.1:8080/", "/ws"), "ws://127.0.0.1:8080/ws");
    }
}
