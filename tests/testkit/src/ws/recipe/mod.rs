//! A client that follows docs/ws-protocol.md's reconnect-and-sync recipe to the letter, over servers that
//! fail, and records everything it received ([`Ledger`]) so a test can check the protocol's promises:
//!
//! 1. keep per conversation the highest contiguous seq received (from `message`, `ack` or `synced`);
//! 2. drop a `message` whose seq is not above it; keep one further ahead aside until the cursor reaches it;
//! 3. after every (re)connect, and whenever a gap shows, `sync` with those cursors; repeat while `more` is
//!    non-empty;
//! 4. resend every send not acked with the same `client_msg_id` (after the connection's first `synced`);
//! 5. reconnect with backoff when the socket ends, signing in again after 4001/4002/4003.
//!
//! The client is driven by its owner: [`RecipeClient::send`] queues a send, [`RecipeClient::pump`] runs the
//! recipe for a while (reading, syncing, resending, reconnecting), [`RecipeClient::reconnect`] drops the
//! socket on purpose. Nothing runs in the background.

mod ledger;

pub use ledger::{AckRecord, Event, Figures, Gap, Held, Hole, Inversion, Ledger, SendRecord};

use super::{Dial, Ended, WsClient, direct, ws_url};
use crate::client::ApiClient;
use crate::error::ClientError;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Error codes after which the same send (or sync) is tried again later: the server could not do it now.
const RETRYABLE: &[&str] =
    &["chat.busy", "chat.unavailable", "backend.unavailable", "internal", "rate_limited", "ws.rate_limited"];

/// Whether an `error` frame's code means "try again later".
pub fn retryable(code: &str) -> bool {
    RETRYABLE.contains(&code)
}

/// How the client reconnects and retries.
#[derive(Clone, Debug)]
pub struct RecipeOptions {
    /// The servers (`http://host:port`), tried in turn when one fails.
    pub bases: Vec<String>,
    /// `server.ws_path`.
    pub ws_path: String,
    /// First reconnect delay (doubled after each failure, with jitter).
    pub backoff: Duration,
    /// Longest reconnect delay.
    pub backoff_max: Duration,
    /// Delay before a send or sync refused with a retryable code is tried again.
    pub retry_after: Duration,
    /// How long any single answer may take before the socket is given up and reopened.
    pub wait: Duration,
    /// Client silence after which a `ping` keeps the connection from the idle timeout.
    pub keepalive: Duration,
}

impl RecipeOptions {
    /// Defaults for tests: quick reconnects (100 ms doubling to 2 s; the documented backoff for real
    /// clients starts at 1 s), retries after 300 ms.
    pub fn new(bases: Vec<String>) -> Self {
        Self {
            bases,
            ws_path: "/ws".into(),
            backoff: Duration::from_millis(100),
            backoff_max: Duration::from_secs(2),
            retry_after: Duration::from_millis(300),
            wait: Duration::from_secs(30),
            keepalive: Duration::from_secs(5),
        }
    }
}

/// Where a send goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The direct conversation with this user id.
    User(String),
    /// This group id.
    Group(String),
}

/// Why the recipe cannot go on (a test failure, not a fault to ride out).
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    /// Signing in was refused for good (wrong password, disabled account).
    #[error("sign-in of {0} refused: {1}")]
    SignIn(String, String),
    /// The server refused a send for a reason a retry cannot fix.
    #[error("send {client_msg_id} refused: {code}")]
    Refused {
        /// The send.
        client_msg_id: String,
        /// The error code.
        code: String,
    },
    /// The server closed with 4004 (too many connections): the recipe says not to retry.
    #[error("closed with 4004: too many connections")]
    TooManyConnections,
    /// The recipe did not reach its goal in time.
    #[error("{0}")]
    Timeout(String),
}

/// A send not acked yet.
#[derive(Debug)]
struct Pending {
    client_msg_id: String,
    conversation: String,
    frame: Value,
    attempts: u32,
    /// The connection it was last written on.
    written_on: Option<u32>,
    /// Not before this (after a retryable refusal).
    retry_at: Option<Instant>,
}

/// The open socket and where the recipe stands on it.
struct Socket {
    client: WsClient,
    server: usize,
    number: u32,
    /// The `id` of the `sync` in flight.
    sync_in_flight: Option<String>,
    /// A sync is wanted (gap, `more`), not before this instant.
    sync_due: Option<Instant>,
    last_write: Instant,
}

/// One user's client following the recipe.
pub struct RecipeClient {
    username: String,
    password: String,
    options: RecipeOptions,
    token: Option<String>,
    user_id: Option<String>,
    socket: Option<Socket>,
    connections: u32,
    next_server: usize,
    delay: Duration,
    connect_at: Instant,
    outbox: VecDeque<Pending>,
    counter: u64,
    rng: u64,
    ledger: Ledger,
}

impl RecipeClient {
    /// A client of account `username` (not connected yet: the first [`RecipeClient::pump`] signs in and
    /// connects to `options.bases[first_server]`). `seed` makes its jitter and client ids reproducible.
    pub fn new(username: &str, password: &str, options: RecipeOptions, first_server: usize, seed: u64) -> Self {
        Self {
            username: username.to_owned(),
            password: password.to_owned(),
            next_server: first_server % options.bases.len().max(1),
            options,
            token: None,
            user_id: None,
            socket: None,
            connections: 0,
            delay: Duration::ZERO,
            connect_at: Instant::now(),
            outbox: VecDeque::new(),
            counter: 0,
            rng: seed | 1,
            ledger: Ledger::new(),
        }
    }

    /// The account's user id, once signed in.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The account's name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The server (index into the bases) the socket is open to, if it is.
    pub fn server(&self) -> Option<usize> {
        self.socket.as_ref().map(|s| s.server)
    }

    /// Whether the current connection finished its first sync (live delivery can be relied on, sends go
    /// out).
    pub fn ready(&self) -> bool {
        self.socket.is_some() && self.ledger.synced_on_connection()
    }

    /// Whether no sync is in flight or due on the current connection.
    pub fn settled(&self) -> bool {
        self.socket.as_ref().is_some_and(|s| s.sync_in_flight.is_none() && s.sync_due.is_none()) && self.ready()
    }

    /// Sends not acked yet.
    pub fn unacked(&self) -> usize {
        self.outbox.len()
    }

    /// What the client kept and saw.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    fn jitter(&mut self, d: Duration) -> Duration {
        // xorshift64: reproducible, no dependency
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let factor = 0.5 + (self.rng % 1000) as f64 / 1000.0;
        d.mul_f64(factor)
    }

    /// Signs in (if needed) on `base` and reads the user id.
    async fn sign_in(&mut self, base: &str) -> Result<(), Result<ClientError, RecipeError>> {
        if self.token.is_some() {
            return Ok(());
        }
        let api = ApiClient::new(base);
        match api.login(&self.username, &self.password).await {
            Ok(tokens) => {
                if self.user_id.is_none() {
                    let me = api.with_token(&tokens.access_token).me().await.map_err(Ok)?;
                    self.user_id = Some(me.id);
                }
                self.token = Some(tokens.access_token);
                Ok(())
            }
            Err(err) if matches!(err.status(), 400 | 401 | 403) => {
                Err(Err(RecipeError::SignIn(self.username.clone(), err.to_string())))
            }
            Err(err) => Err(Ok(err)),
        }
    }

    /// One connection attempt to the next server; on failure the next attempt waits the backoff and goes
    /// to the following server.
    async fn try_connect(&mut self) -> Result<(), RecipeError> {
        let server = self.next_server;
        let base = self.options.bases[server].clone();
        let wait = self.options.wait;
        let attempt = async {
            self.sign_in(&base).await?;
            let token = self.token.clone().unwrap_or_default();
            let url = ws_url(&base, &self.options.ws_path);
            Dial::new(&url).token(&token).wait(wait).connect().await.map_err(Ok)
        };
        // A server that accepts the connection and never answers must not hold the client forever.
        let attempt = match tokio::time::timeout(wait, attempt).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Ok(ClientError::Timeout(format!("no sign-in and welcome within {wait:?}")))),
        };
        match attempt {
            Ok(client) => {
                self.connections += 1;
                let number = self.connections;
                self.ledger.connected(number);
                let now = Instant::now();
                self.socket =
                    Some(Socket { client, server, number, sync_in_flight: None, sync_due: Some(now), last_write: now });
                Ok(())
            }
            Err(Err(fatal)) => Err(fatal),
            Err(Ok(err)) => {
                let reason = match (err.status(), err.code()) {
                    (0, "") => err.to_string().chars().take(60).collect(),
                    (0, code) => code.to_owned(),
                    (status, code) => format!("{status} {code}"),
                };
                self.ledger.connect_failed(&reason);
                // A refused token (its session is gone): sign in again next time.
                if err.code().starts_with("auth.") {
                    self.token = None;
                }
                self.schedule_reconnect();
                Ok(())
            }
        }
    }

    /// The next attempt goes to the following server, after the (doubled, jittered) backoff.
    fn schedule_reconnect(&mut self) {
        self.next_server = (self.next_server + 1) % self.options.bases.len().max(1);
        self.delay =
            if self.delay.is_zero() { self.options.backoff } else { (self.delay * 2).min(self.options.backoff_max) };
        let delay = self.jitter(self.delay);
        self.connect_at = Instant::now() + delay;
    }

    /// The socket ended (`how`); reconnect after the backoff, signing in again if the session is gone.
    fn lost(&mut self, ended: Option<Ended>) -> Result<(), RecipeError> {
        let Some(socket) = self.socket.take() else { return Ok(()) };
        self.next_server = socket.server;
        let how = match ended {
            Some(Ended::Close(code)) => code.to_string(),
            Some(Ended::Dropped) | None => "dropped".to_owned(),
        };
        self.ledger.disconnected(&how);
        match ended {
            Some(Ended::Close(4004)) => return Err(RecipeError::TooManyConnections),
            Some(Ended::Close(4001..=4003)) => self.token = None,
            _ => {}
        }
        // Another server next time, as a load balancer would route away from one that closed or died.
        self.schedule_reconnect();
        Ok(())
    }

    /// Drops the socket on purpose (a network change) and reconnects to `server` (or the same one).
    pub async fn reconnect(&mut self, server: Option<usize>) {
        if let Some(socket) = self.socket.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), socket.client.close()).await;
            self.ledger.disconnected("client");
        }
        if let Some(server) = server {
            self.next_server = server % self.options.bases.len().max(1);
        }
        self.delay = Duration::ZERO;
        self.connect_at = Instant::now();
    }

    /// Queues a send of `body` (`kind` custom) to `target` and writes it at once when the connection is
    /// ready; returns its client_msg_id. Needs the user id (after the first connect) for direct targets.
    pub async fn send(&mut self, target: &Target, body: Value) -> String {
        self.counter += 1;
        let client_msg_id = format!("{}-{}", self.username, self.counter);
        let me = self.user_id.clone().unwrap_or_default();
        let (conversation, mut frame) = match target {
            Target::User(user) => (direct(&me, user), json!({"to": user})),
            Target::Group(group) => (format!("g:{group}"), json!({"group": group})),
        };
        frame["type"] = json!("send");
        frame["id"] = json!(client_msg_id);
        frame["client_msg_id"] = json!(client_msg_id);
        frame["kind"] = json!("custom");
        frame["body"] = body;
        self.outbox.push_back(Pending {
            client_msg_id: client_msg_id.clone(),
            conversation,
            frame,
            attempts: 0,
            written_on: None,
            retry_at: None,
        });
        if let Err(err) = self.write_due().await {
            self.note_write_failure(err);
        }
        client_msg_id
    }

    fn note_write_failure(&mut self, _err: ClientError) {
        let ended = self.socket.as_ref().and_then(|s| s.client.ended());
        // A write failure means the socket is gone; reading reports how it ended, so keep what we know.
        let _ = self.lost(ended);
    }

    /// Writes the sends that are due on the current connection (once it is ready).
    async fn write_due(&mut self) -> Result<(), ClientError> {
        if !self.ready() {
            return Ok(());
        }
        let now = Instant::now();
        let Some(socket) = self.socket.as_mut() else { return Ok(()) };
        for pending in self.outbox.iter_mut() {
            let due = pending.written_on != Some(socket.number) || pending.retry_at.is_some_and(|at| at <= now);
            if !due {
                continue;
            }
            socket.client.send_frame(pending.frame.clone()).await?;
            socket.last_write = Instant::now();
            pending.attempts += 1;
            pending.written_on = Some(socket.number);
            pending.retry_at = None;
            let record = SendRecord {
                client_msg_id: pending.client_msg_id.clone(),
                conversation: pending.conversation.clone(),
                at: socket.last_write,
                connection: socket.number,
                server: socket.server,
            };
            self.ledger.on_send_written(record, pending.attempts);
        }
        Ok(())
    }

    /// Sends a `sync` with the cursors if one is due and none is in flight.
    async fn sync_if_due(&mut self) -> Result<(), ClientError> {
        let now = Instant::now();
        let Some(socket) = self.socket.as_mut() else { return Ok(()) };
        if socket.sync_in_flight.is_some() || socket.sync_due.is_none_or(|at| at > now) {
            return Ok(());
        }
        self.counter += 1;
        let id = format!("sync-{}", self.counter);
        let cursors: serde_json::Map<String, Value> =
            self.ledger.cursors().iter().map(|(c, s)| (c.clone(), json!(s))).collect();
        socket.client.send_frame(json!({"type": "sync", "id": id, "cursors": cursors})).await?;
        socket.last_write = Instant::now();
        socket.sync_in_flight = Some(id);
        socket.sync_due = None;
        self.ledger.on_sync_sent();
        Ok(())
    }

    /// Asks for a `sync` now (as after a reconnect), e.g. to check a connection that never saw a gap.
    pub fn sync_soon(&mut self) {
        if let Some(socket) = self.socket.as_mut() {
            socket.sync_due.get_or_insert(Instant::now());
        }
    }

    fn want_sync(&mut self, at: Instant) {
        if let Some(socket) = self.socket.as_mut() {
            let due = socket.sync_due.get_or_insert(at);
            *due = (*due).min(at);
        }
    }

    /// Applies one frame from the server.
    fn handle(&mut self, frame: Value) -> Result<(), RecipeError> {
        let now = Instant::now();
        match frame["type"].as_str() {
            Some("message") => {
                let gap = self.ledger.on_message(&frame);
                if gap {
                    self.want_sync(now);
                }
            }
            Some("ack") => {
                if self.ledger.on_ack(&frame, now) {
                    self.want_sync(now);
                }
                let id = frame["client_msg_id"].as_str().unwrap_or_default();
                self.outbox.retain(|p| p.client_msg_id != id);
            }
            Some("synced") => {
                let ours = self.socket.as_ref().and_then(|s| s.sync_in_flight.as_deref()) == frame["id"].as_str();
                if !ours {
                    return Ok(());
                }
                let again = self.ledger.on_synced(&frame);
                if let Some(socket) = self.socket.as_mut() {
                    socket.sync_in_flight = None;
                }
                self.delay = Duration::ZERO;
                if again {
                    self.want_sync(now);
                }
            }
            Some("error") => {
                let code = frame["code"].as_str().unwrap_or_default().to_owned();
                self.ledger.on_error(&code);
                let id = frame["id"].as_str().unwrap_or_default();
                let retry_at = now + self.options.retry_after;
                if let Some(socket) = self.socket.as_mut()
                    && socket.sync_in_flight.as_deref() == Some(id)
                {
                    socket.sync_in_flight = None;
                    socket.sync_due = Some(retry_at);
                    return Ok(());
                }
                if let Some(pending) = self.outbox.iter_mut().find(|p| p.client_msg_id == id) {
                    if !retryable(&code) {
                        return Err(RecipeError::Refused { client_msg_id: id.to_owned(), code });
                    }
                    pending.retry_at = Some(retry_at);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// When the recipe next has something to do without a frame arriving.
    fn next_timer(&self) -> Instant {
        let far = Instant::now() + Duration::from_secs(3600);
        let Some(socket) = self.socket.as_ref() else { return self.connect_at };
        // Only what can happen now: retries wait for the first synced, a due sync for the one in flight.
        let ready = self.ready();
        let retries = self.outbox.iter().filter(|_| ready).filter_map(|p| p.retry_at);
        let sync = socket.sync_due.filter(|_| socket.sync_in_flight.is_none());
        let keepalive = socket.last_write + self.options.keepalive;
        retries.chain(sync).chain([keepalive]).min().unwrap_or(far)
    }

    /// Runs the recipe for `limit`: connects if needed, syncs, resends, reads and applies frames.
    pub async fn pump(&mut self, limit: Duration) -> Result<(), RecipeError> {
        let deadline = Instant::now() + limit;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(());
            }
            if self.socket.is_none() {
                if now < self.connect_at {
                    tokio::time::sleep_until(self.connect_at.min(deadline).into()).await;
                    continue;
                }
                self.try_connect().await?;
                continue;
            }
            let step = async {
                self.sync_if_due().await?;
                self.write_due().await?;
                let socket = self.socket.as_mut().ok_or(ClientError::Closed(Ended::Dropped))?;
                if socket.last_write + self.options.keepalive <= Instant::now() {
                    socket.client.send_frame(json!({"type": "ping"})).await?;
                    socket.last_write = Instant::now();
                }
                Ok::<(), ClientError>(())
            };
            if let Err(err) = step.await {
                self.note_write_failure(err);
                continue;
            }
            let wake = self.next_timer().min(deadline);
            let wait = wake.saturating_duration_since(Instant::now());
            let Some(socket) = self.socket.as_mut() else { continue };
            match socket.client.recv_within(wait).await {
                Ok(Some(frame)) => self.handle(frame)?,
                Ok(None) => {}
                Err(ClientError::Timeout(_)) => {}
                Err(err) => {
                    let ended = socket.client.ended().or(match err {
                        ClientError::Closed(ended) => Some(ended),
                        _ => None,
                    });
                    self.lost(ended)?;
                }
            }
        }
    }

    /// Runs the recipe until every send is acked and the cursors reach `expected` (conversation -> seq),
    /// or fails after `limit` naming what is still missing.
    pub async fn catch_up(
        &mut self,
        expected: &std::collections::BTreeMap<String, u64>,
        limit: Duration,
    ) -> Result<(), RecipeError> {
        let deadline = Instant::now() + limit;
        loop {
            let behind: Vec<(&String, u64, u64)> = expected
                .iter()
                .map(|(c, s)| (c, self.ledger.cursor(c), *s))
                .filter(|(_, at, want)| at < want)
                .collect();
            if behind.is_empty() && self.outbox.is_empty() && self.settled() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(RecipeError::Timeout(format!(
                    "{} not caught up within {limit:?}: behind (conversation, cursor, expected) {:?}, unacked {:?}, \
                     connected to {:?}, settled {}",
                    self.username,
                    &behind[..behind.len().min(5)],
                    self.outbox.iter().map(|p| &p.client_msg_id).take(5).collect::<Vec<_>>(),
                    self.server(),
                    self.settled(),
                )));
            }
            self.pump(Duration::from_millis(200)).await?;
        }
    }

    /// Closes the socket politely (the end of a test).
    pub async fn close(mut self) -> Ledger {
        if let Some(socket) = self.socket.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), socket.client.close()).await;
        }
        self.ledger
    }
}
