//! One socket from upgrade to close: authenticate, register, then one task reading frames and events
//! and one writing. Frames of a connection are handled in order; a send is acked only after the chat
//! service stored it. The writer owns the socket's sink, so a client that does not read only fills its
//! own queue; the hub then closes it with 1013 and nobody else waits.

use crate::close;
use crate::gateway::Gateway;
use crate::hub::{Inbound, Kill};
use crate::protocol::{self, ClientFrame, FrameError};
use crate::rate::TokenBucket;
use crate::seen::Seen;
use application::auth::AuthError;
use application::chat::ChatError;
use application::chat::events::ChatEvent;
use chrono::Utc;
use domain::chat::ConnectionId;
use domain::ids::UserId;
use domain::locale::Locale;
use domain::token::TokenError;
use domain::{Coded, ErrorKind};
use futures::{SinkExt, StreamExt};
use poem::web::websocket::{CloseCode, Message, WebSocketStream};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::time::sleep_until;

/// How long a close frame may take to reach a client that stopped reading.
const CLOSE_WRITE_BOUND: Duration = Duration::from_secs(10);

/// Why the read loop ended: the close code to send (None: the client closed or the socket died).
type Ending = Option<u16>;

/// Writes frames in order, a graceful close queued last after everything before it. When `kill` fires
/// (slow consumer) it stops at once, even in the middle of a write to a client that does not read, and
/// sends that close code instead.
async fn writer(
    mut sink: futures::stream::SplitSink<WebSocketStream, Message>,
    mut frames: mpsc::Receiver<Message>,
    kill: Arc<Kill>,
) {
    loop {
        let frame = tokio::select! {
            biased;
            code = kill.requested() => {
                let _ = tokio::time::timeout(CLOSE_WRITE_BOUND, sink.send(close_frame(code))).await;
                break;
            }
            frame = frames.recv() => match frame {
                Some(frame) => frame,
                None => break,
            },
        };
        let last = frame.is_close();
        let sent = tokio::select! {
            biased;
            code = kill.requested() => {
                let _ = tokio::time::timeout(CLOSE_WRITE_BOUND, sink.send(close_frame(code))).await;
                break;
            }
            sent = sink.send(frame) => sent,
        };
        if sent.is_err() || last {
            break;
        }
        metrics::counter!("ws_frames_out_total").increment(1);
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
}

/// Whether a read failed because the frame exceeded `max_frame_bytes` (tungstenite's capacity error,
/// which poem passes on as an I/O error carrying its text).
fn too_big(err: &std::io::Error) -> bool {
    err.to_string().contains("Space limit exceeded")
}

fn close_frame(code: u16) -> Message {
    Message::Close(Some((CloseCode::from(code), String::new())))
}

/// The socket as the read loop sees it.
struct Link {
    out: mpsc::Sender<Message>,
    kill: Arc<Kill>,
    locale: Locale,
}

impl Link {
    /// Queues a frame, waiting for room (backpressure on this connection only) unless the connection is
    /// being killed, so a client that stopped reading never pins this task.
    async fn send(&self, frame: Value) -> bool {
        tokio::select! {
            biased;
            _ = self.kill.requested() => false,
            sent = self.out.send(Message::Text(frame.to_string())) => sent.is_ok(),
        }
    }

    /// Queues a localized `error` frame (built before awaiting, so no error reference is held across it).
    fn error(&self, id: Option<&str>, err: &dyn Coded) -> impl std::future::Future<Output = bool> + Send + '_ {
        let message = adapter_i18n::message(self.locale, err.code(), &err.params());
        let frame = protocol::error(id, err.code(), &message);
        self.send(frame)
    }

    /// Closes after what is queued (graceful).
    async fn close_after_flush(&self, code: u16) {
        tokio::select! {
            biased;
            _ = self.kill.requested() => {}
            _ = self.out.send(close_frame(code)) => {}
        }
    }
}

/// The close code for an authentication failure.
fn auth_close(err: &AuthError) -> u16 {
    match err {
        AuthError::Token(TokenError::Expired) => close::TOKEN_EXPIRED,
        AuthError::Token(TokenError::Revoked) => close::REVOKED,
        _ if err.kind() == ErrorKind::Unavailable => close::INTERNAL,
        _ => close::UNAUTHENTICATED,
    }
}

/// Runs one connection to its end.
pub(crate) async fn run(socket: WebSocketStream, gateway: Arc<Gateway>, header_token: Option<String>, locale: Locale) {
    let (sink, mut stream) = socket.split();
    let (out, frames) = mpsc::channel(gateway.options.outbound_queue);
    let kill = Arc::new(Kill::default());
    let writer = tokio::spawn(writer(sink, frames, kill.clone()));
    let mut link = Link { out, kill, locale };

    if let Some(session) = authenticate(&gateway, &mut stream, &link, header_token).await {
        serve(&gateway, &mut stream, &mut link, session).await;
    }
    drop(link);
    let _ = tokio::time::timeout(CLOSE_WRITE_BOUND + Duration::from_secs(2), writer).await;
}

/// An authenticated connection's identity.
struct Session {
    user: UserId,
    token: String,
    expires_at: chrono::DateTime<Utc>,
}

/// Header token, or the first frame within `auth_timeout`. Failures send an error and the close code.
async fn authenticate(
    gateway: &Gateway,
    stream: &mut futures::stream::SplitStream<WebSocketStream>,
    link: &Link,
    header_token: Option<String>,
) -> Option<Session> {
    let (token, id) = match header_token {
        Some(token) => (token, None),
        None => {
            let first = tokio::time::timeout(gateway.options.auth_timeout, async {
                loop {
                    let next = tokio::select! {
                        biased;
                        _ = gateway.shutdown.cancelled() => {
                            link.close_after_flush(close::GOING_AWAY).await;
                            return None;
                        }
                        next = stream.next() => next,
                    };
                    match next {
                        Some(Ok(Message::Text(text))) => return Some(protocol::parse(&text)),
                        Some(Ok(Message::Binary(_))) => {
                            return Some(protocol::Parsed { id: None, frame: Err(FrameError::Binary) });
                        }
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                        Some(Err(err)) if too_big(&err) => {
                            link.close_after_flush(close::TOO_BIG).await;
                            return None;
                        }
                        _ => return None,
                    }
                }
            })
            .await;
            match first {
                Ok(Some(protocol::Parsed { id, frame: Ok(ClientFrame::Auth { token }) })) => (token, id),
                Ok(Some(parsed)) => {
                    let err = parsed.frame.err().unwrap_or(FrameError::AuthRequired);
                    let err = if matches!(err, FrameError::InvalidJson | FrameError::Binary) {
                        err
                    } else {
                        FrameError::AuthRequired
                    };
                    link.error(parsed.id.as_deref(), &err).await;
                    link.close_after_flush(close::UNAUTHENTICATED).await;
                    return None;
                }
                Ok(None) => return None,
                Err(_) => {
                    link.error(None, &TokenError::Missing).await;
                    link.close_after_flush(close::UNAUTHENTICATED).await;
                    return None;
                }
            }
        }
    };
    match gateway.auth.authenticate_with_expiry(&token).await {
        Ok((principal, expires_at)) => {
            if let Err(err) = gateway.chat.ensure_active(principal.user_id).await {
                link.error(id.as_deref(), &err).await;
                link.close_after_flush(close::REVOKED).await;
                return None;
            }
            Some(Session { user: principal.user_id, token, expires_at })
        }
        Err(err) => {
            link.error(id.as_deref(), &err).await;
            link.close_after_flush(auth_close(&err)).await;
            None
        }
    }
}

fn deadline_at(at: chrono::DateTime<Utc>) -> tokio::time::Instant {
    let left = (at - Utc::now()).to_std().unwrap_or_default();
    tokio::time::Instant::now() + left
}

/// Registers the connection, says `welcome`, then loops until something ends it.
async fn serve(
    gateway: &Arc<Gateway>,
    stream: &mut futures::stream::SplitStream<WebSocketStream>,
    link: &mut Link,
    session: Session,
) {
    let conn = ConnectionId::new();
    let user = session.user;
    let options = &gateway.options;
    let (inbox_tx, mut inbox) = mpsc::channel(options.outbound_queue);
    let kill = link.kill.clone();
    if gateway.hub.register(user, conn, inbox_tx, kill.clone()).is_err() {
        link.error(None, &TooManyConnections).await;
        link.close_after_flush(close::TOO_MANY_CONNECTIONS).await;
        return;
    }
    if let Err(err) = gateway.chat.connect(user, conn).await {
        tracing::warn!(error = %err, %user, "presence not recorded for a new connection");
    }
    metrics::counter!("ws_connections_total").increment(1);
    tracing::info!(%user, connection = %conn, "WebSocket connected");
    let welcome = json!({
        "type": "welcome", "user_id": user, "connection_id": conn.0, "token_expires_at": session.expires_at,
        "heartbeat_secs": options.heartbeat.as_secs(), "idle_timeout_secs": options.idle_timeout.as_secs(),
        "limits": {
            "max_frame_bytes": options.max_frame_bytes, "max_body_bytes": options.max_body_bytes,
            "messages_per_sec": options.messages_per_sec, "max_connections_per_user": options.max_connections_per_user,
        },
    });
    link.send(welcome).await;

    let mut state = ConnState {
        user,
        conn,
        bucket: TokenBucket::new(options.messages_per_sec),
        seen: Seen::default(),
        watched: Vec::new(),
    };
    let expiry = deadline_at(session.expires_at);
    let mut idle = tokio::time::Instant::now() + options.idle_timeout;
    let mut heartbeat = tokio::time::interval(options.heartbeat);
    heartbeat.reset();
    let mut session_check = tokio::time::interval(options.session_check);
    session_check.reset();

    let ending: Ending = loop {
        tokio::select! {
            biased;
            // the writer sends this close itself, at once
            _ = kill.requested() => break None,
            _ = gateway.shutdown.cancelled() => break Some(close::GOING_AWAY),
            _ = sleep_until(expiry) => {
                link.error(None, &TokenError::Expired).await;
                break Some(close::TOKEN_EXPIRED);
            }
            _ = sleep_until(idle) => break Some(close::IDLE),
            _ = session_check.tick() => {
                if let Err(err) = gateway.auth.authenticate(&session.token).await
                    && err.kind() != ErrorKind::Unavailable
                {
                    link.error(None, &err).await;
                    break Some(auth_close(&err));
                }
            }
            _ = heartbeat.tick() => {
                if let Err(err) = gateway.chat.heartbeat(user, conn).await {
                    tracing::warn!(error = %err, %user, "presence heartbeat failed");
                }
            }
            item = inbox.recv() => {
                if let Some(item) = item {
                    state.deliver(link, item).await;
                }
            }
            frame = stream.next() => {
                idle = tokio::time::Instant::now() + options.idle_timeout;
                match frame {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(code) = state.handle(gateway, link, &text).await {
                            break Some(code);
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        metrics::counter!("ws_frames_in_total", "type" => "binary").increment(1);
                        let err = if state.bucket.try_take(Instant::now()) { FrameError::Binary } else { FrameError::RateLimited };
                        link.error(None, &err).await;
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_))) | None => break None,
                    Some(Err(err)) => break too_big(&err).then_some(close::TOO_BIG),
                }
            }
        }
    };
    gateway.hub.unregister(user, conn, &state.watched);
    tracing::info!(%user, connection = %conn, close = ?ending, "WebSocket closed");
    if let Some(code) = ending {
        metrics::counter!("ws_closed_total", "code" => code.to_string()).increment(1);
        link.close_after_flush(code).await;
    }
    if let Err(err) = gateway.chat.disconnect(user, conn).await {
        tracing::warn!(error = %err, %user, "presence not cleared for a closed connection");
    }
}

/// Refused: the user holds the maximum of connections already.
#[derive(Debug, thiserror::Error)]
#[error("too many connections")]
struct TooManyConnections;

impl Coded for TooManyConnections {
    fn code(&self) -> &'static str {
        "ws.too_many_connections"
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::RateLimited
    }
}

/// Per-connection state of the read loop.
struct ConnState {
    user: UserId,
    conn: ConnectionId,
    bucket: TokenBucket,
    seen: Seen,
    watched: Vec<UserId>,
}

impl ConnState {
    /// Turns a hub item into a frame (dropping messages a replay already delivered).
    async fn deliver(&mut self, link: &Link, item: Inbound) {
        let frame = match item {
            Inbound::Chat(event) => {
                if let ChatEvent::Message { message } = event.as_ref()
                    && !self.seen.first_time(&message.conversation, message.seq)
                {
                    return;
                }
                protocol::event(&event)
            }
            Inbound::Presence(event) => protocol::presence(&event),
        };
        link.send(frame).await;
    }

    /// Handles one text frame; returns a close code when the connection must end.
    async fn handle(&mut self, gateway: &Gateway, link: &mut Link, text: &str) -> Option<u16> {
        let parsed = protocol::parse(text);
        let id = parsed.id.as_deref();
        if !matches!(parsed.frame, Ok(ClientFrame::Ping)) && !self.bucket.try_take(Instant::now()) {
            metrics::counter!("ws_rate_limited_total").increment(1);
            link.error(id, &FrameError::RateLimited).await;
            return None;
        }
        let frame = match parsed.frame {
            Ok(frame) => frame,
            Err(err) => {
                metrics::counter!("ws_frames_in_total", "type" => "invalid").increment(1);
                link.error(id, &err).await;
                return None;
            }
        };
        let result: Result<(), ChatError> = match frame {
            ClientFrame::Ping => {
                link.send(json!({"type": "pong", "id": id})).await;
                Ok(())
            }
            ClientFrame::Auth { .. } => {
                link.error(id, &FrameError::AlreadyAuthenticated).await;
                Ok(())
            }
            ClientFrame::Send(input) => {
                metrics::counter!("ws_frames_in_total", "type" => "send").increment(1);
                match gateway.chat.send(self.user, Some(self.conn), input).await {
                    Ok(outcome) => {
                        metrics::counter!("ws_messages_total").increment(1);
                        link.send(protocol::ack(id, &outcome)).await;
                        Ok(())
                    }
                    Err(err) => Err(err),
                }
            }
            ClientFrame::Sync { cursors } => match gateway.chat.sync(self.user, &cursors).await {
                Ok(conversations) => {
                    for c in &conversations {
                        let name = c.conversation.to_string();
                        for m in &c.messages {
                            let view = application::chat::events::MessageView::from(m);
                            link.send(protocol::message(&view)).await;
                        }
                        self.seen.raise_floor(&name, c.last_seq);
                    }
                    link.send(protocol::synced(id, &conversations)).await;
                    Ok(())
                }
                Err(err) => Err(err),
            },
            ClientFrame::Read { conversation, seq } => {
                match gateway.chat.read(self.user, Some(self.conn), conversation, seq).await {
                    Ok(mark) => {
                        let frame = json!({"type": "read_ack", "id": id, "conversation": conversation.to_string(), "seq": mark.last_read_seq});
                        link.send(frame).await;
                        Ok(())
                    }
                    Err(err) => Err(err),
                }
            }
            ClientFrame::Typing { conversation } => gateway.chat.typing(self.user, conversation).await,
            ClientFrame::Presence { users } => match gateway.chat.online(&users).await {
                Ok(online) => {
                    gateway.hub.watch(self.user, self.conn, &self.watched, &users);
                    self.watched = users;
                    link.send(json!({"type": "presence_state", "id": id, "online": online})).await;
                    Ok(())
                }
                Err(err) => Err(err),
            },
        };
        match result {
            Ok(()) => None,
            Err(err) => {
                if matches!(err.kind(), ErrorKind::Unavailable | ErrorKind::Internal) {
                    tracing::warn!(error = %err, source = ?std::error::Error::source(&err), user = %self.user, "chat operation failed");
                }
                link.error(id, &err).await;
                matches!(err, ChatError::SenderDisabled).then_some(close::REVOKED)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authentication_failures_map_to_their_documented_close_codes() {
        assert_eq!(auth_close(&AuthError::Token(TokenError::Expired)), close::TOKEN_EXPIRED);
        assert_eq!(auth_close(&AuthError::Token(TokenError::Revoked)), close::REVOKED);
        assert_eq!(auth_close(&AuthError::Token(TokenError::Invalid)), close::UNAUTHENTICATED);
        assert_eq!(auth_close(&AuthError::Token(TokenError::Missing)), close::UNAUTHENTICATED);
        assert_eq!(auth_close(&AuthError::Token(TokenError::WrongPurpose)), close::UNAUTHENTICATED);
    }
}
