//! One WebSocket connection (the test kit's client) speaking docs/ws-protocol.md: authenticate with the
//! subprotocol token, keep alive with `ping`, send timestamped `custom` messages when told to, and record for
//! every `message` frame how long it took from the sender's send to this receiver (both in this process, one
//! clock).

use anyhow::Context;
use exchange_testkit::{ClientError, Dial, Ended, WsClient};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use exchange_testkit::ws_url;

/// Longest wait for the `welcome` frame.
const WELCOME_WAIT: Duration = Duration::from_secs(60);
/// Keep-alive `ping` interval (the server's idle timeout is 60 s, its heartbeat 20 s).
const PING_EVERY: Duration = Duration::from_secs(15);

static EPOCH: OnceLock<Instant> = OnceLock::new();
static CLIENT_IDS: AtomicU64 = AtomicU64::new(0);

/// Microseconds since the first call in this process: the timestamp carried in message bodies.
pub fn now_us() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_micros() as u64
}

/// Where a send goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The direct conversation with this user id.
    Direct(String),
    /// This group id.
    Group(String),
}

/// The `send` frame for `target` carrying the send time `t` (µs) in a custom body.
pub fn send_frame(target: &Target, client_msg_id: &str, t: u64) -> Value {
    let mut frame = json!({"type": "send", "client_msg_id": client_msg_id, "kind": "custom", "body": {"t": t}});
    match target {
        Target::Direct(user) => frame["to"] = Value::String(user.clone()),
        Target::Group(group) => frame["group"] = Value::String(group.clone()),
    }
    frame
}

/// What one connection saw, returned when it stops.
#[derive(Debug, Default)]
pub struct Report {
    /// Send-to-delivery latency of every timestamped `message` received, µs.
    pub delivery_us: Vec<u64>,
    /// Send-to-ack latency of every own send acked, µs.
    pub ack_us: Vec<u64>,
    /// Sends written to the socket.
    pub sent: u64,
    /// Error frames received, by code.
    pub errors: HashMap<String, u64>,
    /// Why the connection ended before it was told to stop (close code or error), if it did.
    pub lost: Option<String>,
}

/// A live connection: a channel to make it send, and its task.
pub struct Connection {
    /// Tell it to send to a target.
    pub sends: mpsc::Sender<Target>,
    /// Its task; yields its report after `stop`.
    pub task: JoinHandle<Report>,
}

/// Connects (the test kit's client), waits for `welcome`, then runs the connection until `stop` turns true.
pub async fn connect(url: &str, token: &str, stop: watch::Receiver<bool>) -> anyhow::Result<Connection> {
    let client = Dial::new(url).token(token).wait(WELCOME_WAIT).connect().await.context("WebSocket connect")?;
    let (sends, commands) = mpsc::channel(64);
    let task = tokio::spawn(run(client, commands, stop));
    Ok(Connection { sends, task })
}

/// Why a connection ended, for the report.
fn lost(err: ClientError) -> String {
    match err {
        ClientError::Closed(Ended::Close(code)) => format!("close {code}"),
        ClientError::Closed(Ended::Dropped) => "dropped".into(),
        other => other.to_string(),
    }
}

async fn run(mut client: WsClient, mut commands: mpsc::Receiver<Target>, mut stop: watch::Receiver<bool>) -> Report {
    let mut report = Report::default();
    let mut pending: HashMap<String, u64> = HashMap::new();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            _ = stop.changed() => {
                let _ = client.close().await;
                return report;
            }
            _ = ping.tick() => {
                if let Err(err) = client.send_frame(json!({"type": "ping"})).await {
                    report.lost = Some(format!("ping failed: {}", lost(err)));
                    return report;
                }
            }
            Some(target) = commands.recv() => {
                let id = format!("l{}", CLIENT_IDS.fetch_add(1, Ordering::Relaxed));
                let t = now_us();
                if let Err(err) = client.send_frame(send_frame(&target, &id, t)).await {
                    report.lost = Some(format!("send failed: {}", lost(err)));
                    return report;
                }
                pending.insert(id, t);
                report.sent += 1;
            }
            // Cancel-safe: a frame is either returned or still unread when another branch wins.
            frame = client.recv_within(PING_EVERY) => match frame {
                Ok(Some(frame)) => record(&mut report, &mut pending, &frame),
                Ok(None) => {}
                Err(err) => {
                    report.lost = Some(lost(err));
                    return report;
                }
            },
        }
    }
}

/// Accounts for one server frame.
fn record(report: &mut Report, pending: &mut HashMap<String, u64>, frame: &Value) {
    let now = now_us();
    match frame["type"].as_str() {
        Some("message") => {
            if let Some(t) = frame["body"]["t"].as_u64() {
                report.delivery_us.push(now.saturating_sub(t));
            }
        }
        Some("ack") => {
            if let Some(t) = frame["client_msg_id"].as_str().and_then(|id| pending.remove(id)) {
                report.ack_us.push(now.saturating_sub(t));
            }
        }
        Some("error") => {
            let code = frame["code"].as_str().unwrap_or("?").to_owned();
            *report.errors.entry(code).or_default() += 1;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_frames_follow_the_protocol() {
        let direct = send_frame(&Target::Direct("u1".into()), "c1", 42);
        assert_eq!(
            direct,
            json!({"type": "send", "to": "u1", "client_msg_id": "c1", "kind": "custom", "body": {"t": 42}})
        );
        let group = send_frame(&Target::Group("g1".into()), "c2", 7);
        assert_eq!((group["group"].as_str(), group.get("to")), (Some("g1"), None));
    }

    #[test]
    fn frames_are_accounted() {
        let mut report = Report::default();
        let mut pending = HashMap::from([("c1".to_owned(), 0)]);
        record(&mut report, &mut pending, &json!({"type": "message", "body": {"t": 0}, "seq": 1}));
        record(&mut report, &mut pending, &json!({"type": "message", "body": "no timestamp"}));
        record(&mut report, &mut pending, &json!({"type": "ack", "client_msg_id": "c1"}));
        record(&mut report, &mut pending, &json!({"type": "ack", "client_msg_id": "unknown"}));
        record(&mut report, &mut pending, &json!({"type": "error", "code": "ws.rate_limited"}));
        record(&mut report, &mut pending, &json!({"type": "pong"}));
        assert_eq!((report.delivery_us.len(), report.ack_us.len()), (1, 1));
        assert!(pending.is_empty());
        assert_eq!(report.errors.get("ws.rate_limited"), Some(&1));
    }
}
