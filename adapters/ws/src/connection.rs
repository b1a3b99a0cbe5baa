//! One socket from upgrade to close, as two tasks around the connection's [`Outbox`](crate::outbox):
//!
//! - the **reader** (this task) authenticates, then handles the client's frames in order (a send is acked
//!   only after the chat service stored it) and puts every reply into the outbox;
//! - the **writer** ([`crate::writer`]) takes what the outbox lets go, writes it as fast as the client
//!   reads, and reads storage where the outbox says a seq is missing (replays and gaps).
//!
//! A close the server decides on is sent with its code; then the reader keeps reading (bounded) until the
//! client's own Close arrives, so the code reaches a client that is still sending instead of a reset.

use crate::close::Close;
use crate::gateway::Gateway;
use crate::hub::Conn;
use crate::outbox::Limits;
use crate::protocol::{self, ClientFrame, FrameError, Limits as WelcomeLimits, ServerFrame};
use crate::rate::TokenBucket;
use application::auth::AuthError;
use application::chat::ChatError;
use chrono::Utc;
use domain::chat::ConnectionId;
use domain::ids::UserId;
use domain::locale::Locale;
use domain::token::TokenError;
use domain::{Coded, ErrorKind};
use futures::{Sink, Stream, StreamExt};
use poem::web::websocket::Message;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::time::sleep_until;

/// How long the server waits for the client's Close after sending its own.
const CLOSE_LINGER: Duration = Duration::from_secs(5);

/// Whether a read failed because the frame exceeded `max_frame_bytes` (tungstenite's capacity error,
/// which poem passes on as an I/O error carrying its text).
fn too_big(err: &std::io::Error) -> bool {
    err.to_string().contains("Space limit exceeded")
}

/// The socket as the reader sees it: where replies go, in which language errors are written.
struct Link {
    conn: Arc<Conn>,
    locale: Locale,
}

impl Link {
    /// Queues a reply.
    fn send(&self, frame: ServerFrame<'_>) {
        self.conn.control(frame.encode());
    }

    /// Queues a localized `error` frame.
    fn error(&self, id: Option<&str>, err: &dyn Coded) {
        let message = adapter_i18n::message(self.locale, err.code(), &err.params());
        self.send(ServerFrame::Error { id, code: err.code(), message: &message });
    }
}

/// Counts a close by who closed and with which code.
fn count_close(label: &'static str) {
    metrics::counter!("ws_closed_total", "code" => label).increment(1);
}

/// The close code for an authentication failure.
fn auth_close(err: &AuthError) -> Close {
    match err {
        AuthError::Token(TokenError::Expired) => Close::TokenExpired,
        AuthError::Token(TokenError::Revoked) => Close::Revoked,
        _ if err.kind() == ErrorKind::Unavailable => Close::Internal,
        _ => Close::Unauthenticated,
    }
}

/// The bounds of a connection's outbox from the gateway's options.
fn limits(gateway: &Gateway) -> Limits {
    let o = &gateway.options;
    Limits {
        hold: o.outbound_queue.saturating_mul(4).max(16),
        control: o.outbound_queue.max(1),
        gap_grace: o.gap_grace,
        page: 100,
    }
}

/// Runs one connection to its end over any WebSocket transport (poem's in production, channels in tests).
pub(crate) async fn run<S>(socket: S, gateway: Arc<Gateway>, header_token: Option<String>, locale: Locale)
where
    S: Stream<Item = std::io::Result<Message>> + Sink<Message, Error = std::io::Error> + Send + Unpin + 'static,
{
    let (sink, mut stream) = socket.split();
    let conn = Arc::new(Conn::new(limits(&gateway)));
    let writer = tokio::spawn(crate::writer::run(sink, conn.clone(), gateway.chat.clone()));
    let link = Link { conn: conn.clone(), locale };

    let ending = match authenticate(&gateway, &mut stream, &link, header_token).await {
        Ok(session) => serve(&gateway, &mut stream, &link, session).await,
        Err(ending) => ending,
    };
    match ending {
        Ending::Server(close) => {
            count_close(close.label());
            if !conn.kill.is_requested() {
                conn.close_after_flush(close);
            }
            linger(&mut stream).await;
        }
        Ending::Killed(close) => {
            count_close(close.label());
            linger(&mut stream).await;
        }
        Ending::Client => count_close("client"),
        Ending::Lost => {
            count_close("1006");
            conn.kill.close(Close::GoingAway);
        }
    }
    // The writer ends once the close went out; a client that never reads does not keep it alive.
    let mut writer = writer;
    if tokio::time::timeout(crate::writer::CLOSE_WRITE_BOUND + Duration::from_secs(2), &mut writer).await.is_err() {
        writer.abort();
    }
}

/// Reads (and drops) what the client still sends until its Close arrives, the socket ends, or the linger
/// bound passes.
async fn linger<S: Stream<Item = std::io::Result<Message>> + Unpin>(stream: &mut S) {
    let _ = tokio::time::timeout(CLOSE_LINGER, async {
        while let Some(Ok(frame)) = stream.next().await {
            if frame.is_close() {
                break;
            }
        }
    })
    .await;
}

/// How a connection ended.
enum Ending {
    /// The server closes with this code (after flushing what it owes).
    Server(Close),
    /// Closed at once (slow consumer); the writer sends the code itself.
    Killed(Close),
    /// The client sent Close.
    Client,
    /// The socket died without a Close.
    Lost,
}

/// An authenticated connection's identity.
struct Session {
    user: UserId,
    token: String,
    expires_at: chrono::DateTime<Utc>,
}

/// Header token, or the first frame within `auth_timeout`. Failures send an error and end the connection.
async fn authenticate<S>(
    gateway: &Gateway,
    stream: &mut S,
    link: &Link,
    header_token: Option<String>,
) -> Result<Session, Ending>
where
    S: Stream<Item = std::io::Result<Message>> + Unpin,
{
    let (token, id) = match header_token {
        Some(token) => (token, None),
        None => {
            let first = tokio::time::timeout(gateway.options.auth_timeout, async {
                loop {
                    let next = tokio::select! {
                        biased;
                        _ = gateway.shutdown.cancelled() => return Err(Ending::Server(Close::GoingAway)),
                        next = stream.next() => next,
                    };
                    match next {
                        Some(Ok(Message::Text(text))) => {
                            let parsed = protocol::parse(&text);
                            metrics::counter!("ws_frames_in_total", "type" => parsed.kind()).increment(1);
                            return Ok(parsed);
                        }
                        Some(Ok(Message::Binary(_))) => {
                            metrics::counter!("ws_frames_in_total", "type" => "binary").increment(1);
                            return Ok(protocol::Parsed { id: None, frame: Err(FrameError::Binary) });
                        }
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                            metrics::counter!("ws_frames_in_total", "type" => "control").increment(1);
                        }
                        Some(Ok(Message::Close(_))) => return Err(Ending::Client),
                        Some(Err(err)) if too_big(&err) => return Err(Ending::Server(Close::TooBig)),
                        Some(Err(_)) | None => return Err(Ending::Lost),
                    }
                }
            })
            .await;
            match first {
                Ok(Ok(protocol::Parsed { id, frame: Ok(ClientFrame::Auth { token }) })) => (token, id),
                Ok(Ok(parsed)) => {
                    let err = parsed.frame.err().unwrap_or(FrameError::AuthRequired);
                    let err = if matches!(err, FrameError::InvalidJson | FrameError::Binary) {
                        err
                    } else {
                        FrameError::AuthRequired
                    };
                    link.error(parsed.id.as_deref(), &err);
                    return Err(Ending::Server(Close::Unauthenticated));
                }
                Ok(Err(ending)) => return Err(ending),
                Err(_) => {
                    link.error(None, &TokenError::Missing);
                    return Err(Ending::Server(Close::Unauthenticated));
                }
            }
        }
    };
    match gateway.auth.authenticate_with_expiry(&token).await {
        Ok((principal, expires_at)) => {
            if let Err(err) = gateway.chat.ensure_active(principal.user_id).await {
                link.error(id.as_deref(), &err);
                return Err(Ending::Server(Close::Revoked));
            }
            Ok(Session { user: principal.user_id, token, expires_at })
        }
        Err(err) => {
            link.error(id.as_deref(), &err);
            Err(Ending::Server(auth_close(&err)))
        }
    }
}

fn deadline_at(at: chrono::DateTime<Utc>) -> tokio::time::Instant {
    let left = (at - Utc::now()).to_std().unwrap_or_default();
    tokio::time::Instant::now() + left
}

/// Registers the connection, says `welcome`, then handles frames until something ends it.
async fn serve<S>(gateway: &Arc<Gateway>, stream: &mut S, link: &Link, session: Session) -> Ending
where
    S: Stream<Item = std::io::Result<Message>> + Unpin,
{
    let id = ConnectionId::new();
    let user = session.user;
    let options = &gateway.options;
    let conn = link.conn.clone();
    let _ = conn.user.set(user);
    if gateway.hub.register(user, id, conn.clone()).is_err() {
        link.error(None, &TooManyConnections);
        return Ending::Server(Close::TooManyConnections);
    }
    if let Err(err) = gateway.chat.connect(user, id).await {
        tracing::warn!(error = %err, %user, "presence not recorded for a new connection");
    }
    metrics::counter!("ws_connections_total").increment(1);
    tracing::info!(%user, connection = %id, "WebSocket connected");
    link.send(ServerFrame::Welcome {
        user_id: user,
        connection_id: id.0,
        token_expires_at: session.expires_at,
        heartbeat_secs: options.heartbeat.as_secs(),
        idle_timeout_secs: options.idle_timeout.as_secs(),
        limits: WelcomeLimits {
            max_frame_bytes: options.max_frame_bytes,
            max_body_bytes: options.max_body_bytes,
            messages_per_sec: options.messages_per_sec,
            max_connections_per_user: options.max_connections_per_user,
        },
    });

    let mut state = ConnState {
        user,
        conn: id,
        bucket: TokenBucket::new(options.messages_per_sec),
        watched: Vec::new(),
        syncs: VecDeque::new(),
    };
    let expiry = deadline_at(session.expires_at);
    let mut idle = tokio::time::Instant::now() + options.idle_timeout;
    let mut heartbeat = tokio::time::interval(options.heartbeat);
    heartbeat.reset();
    let mut session_check = tokio::time::interval(options.session_check);
    session_check.reset();

    let ending = loop {
        if !state.syncs.is_empty() && !conn.outbox().syncing() {
            state.start_next_sync(gateway, link).await;
        }
        tokio::select! {
            biased;
            close = conn.kill.requested() => break Ending::Killed(close),
            _ = gateway.shutdown.cancelled() => break Ending::Server(Close::GoingAway),
            _ = sleep_until(expiry) => {
                link.error(None, &TokenError::Expired);
                break Ending::Server(Close::TokenExpired);
            }
            _ = sleep_until(idle) => break Ending::Server(Close::Idle),
            _ = session_check.tick() => {
                if let Err(err) = gateway.auth.authenticate(&session.token).await
                    && err.kind() != ErrorKind::Unavailable
                {
                    link.error(None, &err);
                    break Ending::Server(auth_close(&err));
                }
            }
            _ = heartbeat.tick() => {
                if let Err(err) = gateway.chat.heartbeat(user, id).await {
                    tracing::warn!(error = %err, %user, "presence heartbeat failed");
                }
            }
            _ = conn.synced.notified(), if !state.syncs.is_empty() => {}
            frame = stream.next() => {
                idle = tokio::time::Instant::now() + options.idle_timeout;
                match frame {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(close) = state.handle(gateway, link, &text).await {
                            break Ending::Server(close);
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        metrics::counter!("ws_frames_in_total", "type" => "binary").increment(1);
                        let err = if state.bucket.try_take(Instant::now()) { FrameError::Binary } else { FrameError::RateLimited };
                        link.error(None, &err);
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                        metrics::counter!("ws_frames_in_total", "type" => "control").increment(1);
                    }
                    Some(Ok(Message::Close(_))) => break Ending::Client,
                    Some(Err(err)) if too_big(&err) => break Ending::Server(Close::TooBig),
                    Some(Err(_)) | None => break Ending::Lost,
                }
            }
        }
    };
    gateway.hub.unregister(user, id, &state.watched);
    tracing::info!(%user, connection = %id, "WebSocket closed");
    if let Err(err) = gateway.chat.disconnect(user, id).await {
        tracing::warn!(error = %err, %user, "presence not cleared for a closed connection");
    }
    ending
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

/// A `sync` waiting for the one being replayed.
struct PendingSync {
    id: Option<String>,
    cursors: HashMap<domain::chat::ConversationId, u64>,
}

/// Per-connection state of the reader.
struct ConnState {
    user: UserId,
    conn: ConnectionId,
    bucket: TokenBucket,
    watched: Vec<UserId>,
    /// Syncs asked for and not yet started (one replays at a time, in order).
    syncs: VecDeque<PendingSync>,
}

impl ConnState {
    /// Plans the oldest waiting sync and hands it to the outbox, which streams it.
    async fn start_next_sync(&mut self, gateway: &Gateway, link: &Link) {
        let Some(sync) = self.syncs.pop_front() else { return };
        match gateway.chat.sync_plan(self.user, &sync.cursors).await {
            Ok(plans) => link.conn.with_outbox(|o| o.begin_sync(sync.id, plans)),
            Err(err) => self.report(link, sync.id.as_deref(), &err),
        }
    }

    fn report(&self, link: &Link, id: Option<&str>, err: &ChatError) {
        if matches!(err.kind(), ErrorKind::Unavailable | ErrorKind::Internal) {
            tracing::warn!(error = %err, source = ?std::error::Error::source(err), user = %self.user, "chat operation failed");
        }
        link.error(id, err);
    }

    /// Handles one text frame; returns a close when the connection must end.
    async fn handle(&mut self, gateway: &Gateway, link: &Link, text: &str) -> Option<Close> {
        let parsed = protocol::parse(text);
        metrics::counter!("ws_frames_in_total", "type" => parsed.kind()).increment(1);
        let id = parsed.id.as_deref();
        if !matches!(parsed.frame, Ok(ClientFrame::Ping)) && !self.bucket.try_take(Instant::now()) {
            metrics::counter!("ws_rate_limited_total").increment(1);
            link.error(id, &FrameError::RateLimited);
            return None;
        }
        let frame = match parsed.frame {
            Ok(frame) => frame,
            Err(err) => {
                link.error(id, &err);
                return None;
            }
        };
        let result: Result<(), ChatError> = match frame {
            ClientFrame::Ping => {
                link.send(ServerFrame::Pong { id });
                Ok(())
            }
            ClientFrame::Auth { .. } => {
                link.error(id, &FrameError::AlreadyAuthenticated);
                Ok(())
            }
            ClientFrame::Send(input) => match gateway.chat.send(self.user, Some(self.conn), input).await {
                Ok(outcome) => {
                    metrics::counter!("ws_messages_total").increment(1);
                    let frame = ServerFrame::ack(id, &outcome).encode();
                    let m = &outcome.message;
                    if link.conn.with_outbox(|o| o.ack(m.conversation, m.seq, frame)).is_err() {
                        link.conn.slow();
                    }
                    Ok(())
                }
                Err(err) => Err(err),
            },
            ClientFrame::Sync { cursors } => {
                self.syncs.push_back(PendingSync { id: parsed.id.clone(), cursors });
                if !link.conn.outbox().syncing() {
                    self.start_next_sync(gateway, link).await;
                }
                Ok(())
            }
            ClientFrame::Read { conversation, seq } => {
                match gateway.chat.read(self.user, Some(self.conn), conversation, seq).await {
                    Ok(mark) => {
                        link.send(ServerFrame::ReadAck { id, conversation, seq: mark.last_read_seq });
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
                    link.send(ServerFrame::PresenceState { id, online: &online });
                    Ok(())
                }
                Err(err) => Err(err),
            },
        };
        match result {
            Ok(()) => None,
            Err(err) => {
                self.report(link, id, &err);
                matches!(err, ChatError::SenderDisabled).then_some(Close::Revoked)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authentication_failures_map_to_their_documented_close_codes() {
        assert_eq!(auth_close(&AuthError::Token(TokenError::Expired)), Close::TokenExpired);
        assert_eq!(auth_close(&AuthError::Token(TokenError::Revoked)), Close::Revoked);
        assert_eq!(auth_close(&AuthError::Token(TokenError::Invalid)), Close::Unauthenticated);
        assert_eq!(auth_close(&AuthError::Token(TokenError::Missing)), Close::Unauthenticated);
        assert_eq!(auth_close(&AuthError::Token(TokenError::WrongPurpose)), Close::Unauthenticated);
    }
}
