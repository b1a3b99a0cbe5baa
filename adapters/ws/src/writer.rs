//! The writing half of a connection: takes the next step from its outbox, writes frames as fast as the
//! client reads them, and reads storage where the outbox says a seq is missing (a replay page, a gap).
//! It owns the socket's sink, so a client that does not read only stalls its own writer.

use crate::close::Close;
use crate::hub::Conn;
use crate::outbox::Step;
use crate::protocol::ServerFrame;
use application::chat::events::MessageView;
use application::chat::{ChatError, ChatService};
use futures::{Sink, SinkExt};
use poem::web::websocket::{CloseCode, Message};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the close frame may take to reach a client that stopped reading.
pub(crate) const CLOSE_WRITE_BOUND: Duration = Duration::from_secs(5);

/// After a failed storage read, how long before the same range is tried again.
const FETCH_RETRY: Duration = Duration::from_secs(1);

/// Longest random pause before a connection checks its conversations after the bus resumed, so every
/// connection of an instance does not query storage at the same moment.
const VERIFY_SPREAD_MS: u64 = 2_000;

/// The runtime's clock as a std instant (the outbox takes std instants; tests pause the runtime's clock).
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

fn close_frame(close: Close) -> Message {
    Message::Close(Some((CloseCode::from(close.code()), String::new())))
}

/// Writes until the connection closes.
pub(crate) async fn run<W>(mut sink: W, conn: Arc<Conn>, chat: Arc<ChatService>)
where
    W: Sink<Message, Error = std::io::Error> + Send + Unpin,
{
    let close = loop {
        let step = conn.outbox().next(now());
        let closing = conn.closing();
        match step {
            Some(Step::Send(frame)) => {
                if let Err(ended) = write(&mut sink, &conn, Message::Text(frame.to_string())).await {
                    break ended;
                }
            }
            Some(Step::Synced { id, plans }) => {
                let frame = ServerFrame::synced(id.as_deref(), &plans).encode();
                if let Err(ended) = write(&mut sink, &conn, Message::Text(frame.to_string())).await {
                    break ended;
                }
                conn.synced.notify_one();
            }
            // Closing: what needs storage is left; the client syncs after reconnecting.
            Some(Step::Fetch { .. } | Step::Verify(_)) if closing.is_some() => break closing,
            Some(Step::Fetch { conversation, after, until }) => fetch(&conn, &chat, conversation, after, until).await,
            Some(Step::Verify(conversations)) => verify(&conn, &chat, conversations).await,
            None => {
                if closing.is_some() {
                    break closing;
                }
                let wake_at = conn.outbox().wake_at().map(tokio::time::Instant::from_std);
                tokio::select! {
                    biased;
                    close = conn.kill.requested() => break Some(close),
                    _ = conn.wake.notified() => {}
                    _ = sleep_until_or_forever(wake_at) => {}
                }
            }
        }
        if conn.kill.is_requested() {
            break Some(conn.kill.requested().await);
        }
    };
    if let Some(close) = close {
        conn.outbox().clear();
        let _ = tokio::time::timeout(CLOSE_WRITE_BOUND, sink.send(close_frame(close))).await;
    }
    // The reader waits for the client's Close; this half only stops writing.
}

async fn sleep_until_or_forever(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Writes one frame unless the connection is killed meanwhile. `Err` ends writing: with the kill's close
/// to send, or `None` when the socket failed.
async fn write<W>(sink: &mut W, conn: &Conn, frame: Message) -> Result<(), Option<Close>>
where
    W: Sink<Message, Error = std::io::Error> + Unpin,
{
    tokio::select! {
        biased;
        close = conn.kill.requested() => Err(Some(close)),
        sent = sink.send(frame) => {
            metrics::counter!("ws_frames_out_total").increment(1);
            sent.map_err(|_| None)
        }
    }
}

/// Reads one page of a missing range and hands it to the outbox.
async fn fetch(conn: &Conn, chat: &ChatService, conversation: domain::chat::ConversationId, after: u64, until: u64) {
    let Some(user) = conn.user.get().copied() else {
        conn.outbox().fetch_failed(conversation, now(), FETCH_RETRY);
        return;
    };
    let page = conn.outbox().page();
    match chat.replay_page(user, conversation, after, until, page).await {
        Ok(messages) => {
            metrics::counter!("ws_replayed_total").increment(messages.len() as u64);
            let frames =
                messages.iter().map(|m| (m.seq, ServerFrame::Message(&MessageView::from(m)).encode())).collect();
            conn.outbox().filled(conversation, until, frames);
        }
        // No longer a member: nothing of it is owed any more.
        Err(ChatError::NotMember) => conn.outbox().filled(conversation, until, Vec::new()),
        Err(err) => {
            tracing::warn!(error = %err, conversation = %conversation, "replay read failed; retrying");
            conn.outbox().fetch_failed(conversation, now(), FETCH_RETRY);
        }
    }
}

/// After the bus resumed: the newest stored seq of each conversation of the user (those this connection
/// tracks, and any it never saw, such as a direct conversation whose first message was lost) tells the
/// outbox what it missed.
async fn verify(conn: &Conn, chat: &ChatService, tracked: Vec<domain::chat::ConversationId>) {
    let Some(user) = conn.user.get().copied() else { return };
    let pause = Duration::from_millis(u64::from(uuid::Uuid::now_v7().as_u128() as u16) % VERIFY_SPREAD_MS);
    tokio::select! {
        _ = conn.kill.requested() => return,
        _ = tokio::time::sleep(pause) => {}
    }
    let latest = async {
        let mut all = chat.conversations_of(user).await?;
        all.extend(tracked);
        all.sort();
        all.dedup();
        chat.latest_seqs(&all).await
    };
    match latest.await {
        Ok(latest) => conn.outbox().watermarks(&latest),
        Err(err) => {
            tracing::warn!(error = %err, "conversation check after a bus resume failed; asking again");
            conn.outbox().request_verify();
        }
    }
}
