//! What a client following the recipe keeps and what it saw, as pure state (no I/O, no clock of its own),
//! so the bookkeeping that conformance figures rest on is unit-tested on its own.
//!
//! Per conversation it keeps the highest *contiguous* seq received (the cursor) and the messages it
//! accepted. A `message` (or the client's own `ack`) at cursor + 1 is accepted; at or below the cursor it
//! is a duplicate and dropped; above cursor + 1 it shows a gap: it is kept aside (accepted once the cursor
//! reaches it) and asks for a `sync`, which replays what is missing. Independently of what it accepts, it checks the order frames arrived in: per connection and
//! conversation, every `message` and non-duplicate `ack` must carry a higher seq than any before it on that
//! connection (an *inversion* otherwise). A `synced` that reports a conversation further than the cursor
//! got means seqs the server said it replayed never came: a *hole*, and the cursor moves on as the recipe
//! says, so the hole also shows when the messages held are compared with what was acked.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// A message the client accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    /// The sender's client id (`None` for system notices).
    pub client_msg_id: Option<String>,
    /// The server's message id.
    pub message_id: String,
}

/// A frame that arrived out of order on its connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inversion {
    /// Connection number (1 for the client's first connection).
    pub connection: u32,
    /// The conversation.
    pub conversation: String,
    /// The highest seq seen before on this connection.
    pub previous: u64,
    /// The seq that came after it.
    pub seq: u64,
    /// `message` or `ack`.
    pub kind: &'static str,
    /// It came before this connection's first `synced`.
    pub before_first_synced: bool,
}

/// A frame above cursor + 1: the live stream skipped something (the client syncs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    /// Connection number.
    pub connection: u32,
    /// The conversation.
    pub conversation: String,
    /// The cursor when it came.
    pub cursor: u64,
    /// Its seq.
    pub seq: u64,
    /// It came before this connection's first `synced`.
    pub before_first_synced: bool,
}

/// Seqs a `synced` reported as replayed that never arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hole {
    /// Connection number.
    pub connection: u32,
    /// The conversation.
    pub conversation: String,
    /// First missing seq.
    pub from: u64,
    /// Last missing seq.
    pub to: u64,
}

/// One `ack` received.
#[derive(Clone, Debug)]
pub struct AckRecord {
    /// The send's client id.
    pub client_msg_id: String,
    /// Its conversation.
    pub conversation: String,
    /// Its seq.
    pub seq: u64,
    /// The server said it was a retry of a stored send.
    pub duplicate: bool,
    /// When it arrived.
    pub at: Instant,
    /// When the server stored the message (`created_at`, RFC 3339), by the server's clock.
    pub created_at: String,
    /// On which connection.
    pub connection: u32,
}

/// One `send` frame written.
#[derive(Clone, Debug)]
pub struct SendRecord {
    /// The send's client id.
    pub client_msg_id: String,
    /// Its conversation.
    pub conversation: String,
    /// When it was written.
    pub at: Instant,
    /// On which connection.
    pub connection: u32,
    /// To which of the client's servers (index into its base URLs).
    pub server: usize,
}

/// One entry of the client's log: what it received or sent, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Connection number.
    pub connection: u32,
    /// `message`, `ack`, `ack (duplicate)`, `synced`, `sync sent`, `connected`.
    pub kind: &'static str,
    /// The conversation (empty for `synced`, `sync sent`, `connected`).
    pub conversation: String,
    /// The seq (0 where there is none).
    pub seq: u64,
    /// When.
    pub at: Instant,
}

/// Counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// `message` frames received.
    pub messages: u64,
    /// Messages accepted (at cursor + 1): held once each.
    pub accepted: u64,
    /// `message` frames at or below the cursor, dropped.
    pub duplicates_dropped: u64,
    /// `ack` frames received.
    pub acks: u64,
    /// Of which flagged `duplicate` (a retry of a stored send).
    pub duplicate_acks: u64,
    /// `sync` frames sent.
    pub syncs: u64,
    /// `synced` frames received.
    pub synced: u64,
    /// `synced` frames that listed `more`.
    pub more: u64,
    /// Connections opened (welcome received).
    pub connections: u64,
    /// Connections ended, by how (`1001`, `4003`, `dropped`, `client`, ...).
    pub ended: BTreeMap<String, u64>,
    /// `error` frames received, by code.
    pub errors: BTreeMap<String, u64>,
    /// Sends written again after the first attempt.
    pub resends: u64,
    /// Failed attempts to sign in or connect, by reason (HTTP status, error code, or the error).
    pub connect_failures: BTreeMap<String, u64>,
}

/// What the client keeps and saw.
#[derive(Debug, Default)]
pub struct Ledger {
    cursors: BTreeMap<String, u64>,
    held: BTreeMap<String, BTreeMap<u64, Held>>,
    connection: u32,
    on_connection: HashMap<String, u64>,
    synced_on_connection: bool,
    /// Conversations with a gap: the highest seq seen above the cursor.
    wanted: BTreeMap<String, u64>,
    /// Frames received above cursor + 1, waiting for the cursor to reach them.
    ahead: BTreeMap<String, BTreeMap<u64, Held>>,
    own_acks: HashMap<String, (String, u64)>,
    acks: Vec<AckRecord>,
    sends: Vec<SendRecord>,
    inversions: Vec<Inversion>,
    gaps: Vec<Gap>,
    holes: Vec<Hole>,
    conflicts: Vec<String>,
    log: Vec<Event>,
    figures: Figures,
}

fn seq_of(frame: &Value) -> Option<(String, u64)> {
    Some((frame["conversation"].as_str()?.to_owned(), frame["seq"].as_u64()?))
}

impl Ledger {
    /// An empty ledger: no cursors (a first `sync` replays everything).
    pub fn new() -> Self {
        Self::default()
    }

    fn record(&mut self, kind: &'static str, conversation: &str, seq: u64) {
        self.log.push(Event {
            connection: self.connection,
            kind,
            conversation: conversation.to_owned(),
            seq,
            at: Instant::now(),
        });
    }

    /// A new connection said `welcome`; order checks start afresh.
    pub fn connected(&mut self, connection: u32) {
        self.connection = connection;
        self.on_connection.clear();
        self.synced_on_connection = false;
        self.figures.connections += 1;
        self.record("connected", "", 0);
    }

    /// An attempt to sign in or connect failed (`reason`: a status, a code, or the error).
    pub fn connect_failed(&mut self, reason: &str) {
        *self.figures.connect_failures.entry(reason.to_owned()).or_default() += 1;
    }

    /// The connection ended (`how`: a close code, `dropped`, `client`).
    pub fn disconnected(&mut self, how: &str) {
        *self.figures.ended.entry(how.to_owned()).or_default() += 1;
    }

    /// The current connection's number (0 before the first).
    pub fn connection(&self) -> u32 {
        self.connection
    }

    /// Whether the current connection got its first `synced`.
    pub fn synced_on_connection(&self) -> bool {
        self.synced_on_connection
    }

    fn check_order(&mut self, conversation: &str, seq: u64, kind: &'static str) {
        let previous = self.on_connection.get(conversation).copied();
        if let Some(previous) = previous
            && seq <= previous
        {
            self.inversions.push(Inversion {
                connection: self.connection,
                conversation: conversation.to_owned(),
                previous,
                seq,
                kind,
                before_first_synced: !self.synced_on_connection,
            });
        }
        self.on_connection.insert(conversation.to_owned(), previous.unwrap_or(0).max(seq));
    }

    /// Takes `seq` if it is next; `true` when it shows a gap (the caller syncs).
    fn offer(&mut self, conversation: &str, seq: u64, held: Held) -> bool {
        let cursor = self.cursor(conversation);
        if seq <= cursor {
            if let Some(kept) = self.held.get(conversation).and_then(|h| h.get(&seq))
                && held.client_msg_id.is_some()
                && kept.client_msg_id != held.client_msg_id
            {
                self.conflicts.push(format!(
                    "{conversation} seq {seq}: held {:?}, now {:?}",
                    kept.client_msg_id, held.client_msg_id
                ));
            }
            return false;
        }
        if seq == cursor + 1 {
            self.accept(conversation, seq, held);
            return false;
        }
        if self.ahead.get(conversation).is_some_and(|a| a.contains_key(&seq)) {
            return false;
        }
        self.ahead.entry(conversation.to_owned()).or_default().insert(seq, held);
        self.gaps.push(Gap {
            connection: self.connection,
            conversation: conversation.to_owned(),
            cursor,
            seq,
            before_first_synced: !self.synced_on_connection,
        });
        let wanted = self.wanted.entry(conversation.to_owned()).or_default();
        *wanted = (*wanted).max(seq);
        true
    }

    /// Holds `seq` (cursor + 1) and whatever was kept aside right above it.
    fn accept(&mut self, conversation: &str, seq: u64, held: Held) {
        let kept = self.held.entry(conversation.to_owned()).or_default();
        kept.insert(seq, held);
        let mut cursor = seq;
        self.figures.accepted += 1;
        if let Some(ahead) = self.ahead.get_mut(conversation) {
            while let Some(next) = ahead.remove(&(cursor + 1)) {
                cursor += 1;
                kept.insert(cursor, next);
                self.figures.accepted += 1;
            }
            ahead.retain(|s, _| *s > cursor);
        }
        self.cursors.insert(conversation.to_owned(), cursor);
        if self.wanted.get(conversation).is_some_and(|w| *w <= cursor) {
            self.wanted.remove(conversation);
        }
    }

    /// A `message` frame; `true` when the client should sync (a gap).
    pub fn on_message(&mut self, frame: &Value) -> bool {
        let Some((conversation, seq)) = seq_of(frame) else { return false };
        self.figures.messages += 1;
        self.record("message", &conversation, seq);
        self.check_order(&conversation, seq, "message");
        if seq <= self.cursor(&conversation) {
            self.figures.duplicates_dropped += 1;
        }
        let held = Held {
            client_msg_id: frame["client_msg_id"].as_str().map(str::to_owned),
            message_id: frame["message_id"].as_str().unwrap_or_default().to_owned(),
        };
        self.offer(&conversation, seq, held)
    }

    /// An `ack` of the client's own send at `at`; `true` when the client should sync (a gap). Acks flagged
    /// `duplicate` answer retries of stored sends and may come at once, below the stream: they are not
    /// order-checked.
    pub fn on_ack(&mut self, frame: &Value, at: Instant) -> bool {
        let Some((conversation, seq)) = seq_of(frame) else { return false };
        let client_msg_id = frame["client_msg_id"].as_str().unwrap_or_default().to_owned();
        let duplicate = frame["duplicate"].as_bool().unwrap_or(false);
        self.figures.acks += 1;
        self.record(if duplicate { "ack (duplicate)" } else { "ack" }, &conversation, seq);
        if duplicate {
            self.figures.duplicate_acks += 1;
            let seen = self.on_connection.entry(conversation.clone()).or_default();
            *seen = (*seen).max(seq);
        } else {
            self.check_order(&conversation, seq, "ack");
        }
        match self.own_acks.get(&client_msg_id) {
            Some((c, s)) if (c.as_str(), *s) != (conversation.as_str(), seq) => {
                self.conflicts.push(format!("{client_msg_id} acked as {c} seq {s}, then as {conversation} seq {seq}"))
            }
            _ => {}
        }
        self.own_acks.insert(client_msg_id.clone(), (conversation.clone(), seq));
        self.acks.push(AckRecord {
            client_msg_id: client_msg_id.clone(),
            conversation: conversation.clone(),
            seq,
            duplicate,
            at,
            created_at: frame["created_at"].as_str().unwrap_or_default().to_owned(),
            connection: self.connection,
        });
        let held = Held {
            client_msg_id: Some(client_msg_id),
            message_id: frame["message_id"].as_str().unwrap_or_default().to_owned(),
        };
        self.offer(&conversation, seq, held)
    }

    /// A `sync` frame was sent.
    pub fn on_sync_sent(&mut self) {
        self.figures.syncs += 1;
        self.record("sync sent", "", 0);
    }

    /// A `synced` frame; `true` when the client should sync again (`more`, or a gap still open).
    pub fn on_synced(&mut self, frame: &Value) -> bool {
        self.figures.synced += 1;
        self.synced_on_connection = true;
        self.record("synced", "", 0);
        if let Some(reported) = frame["conversations"].as_object() {
            for (conversation, until) in reported {
                let until = until.as_u64().unwrap_or(0);
                let cursor = self.cursor(conversation);
                if until > cursor {
                    // The recipe moves on; what was kept aside up to there is held, the rest is missing.
                    self.holes.push(Hole {
                        connection: self.connection,
                        conversation: conversation.clone(),
                        from: cursor + 1,
                        to: until,
                    });
                    let mut ahead = self.ahead.remove(conversation).unwrap_or_default();
                    let above = ahead.split_off(&(until + 1));
                    let kept = self.held.entry(conversation.clone()).or_default();
                    self.figures.accepted += ahead.len() as u64;
                    kept.extend(ahead);
                    self.cursors.insert(conversation.clone(), until);
                    if !above.is_empty() {
                        self.ahead.insert(conversation.clone(), above);
                    }
                }
            }
        }
        let cursors = &self.cursors;
        self.wanted.retain(|c, seq| cursors.get(c).copied().unwrap_or(0) < *seq);
        let more = frame["more"].as_array().is_some_and(|m| !m.is_empty());
        if more {
            self.figures.more += 1;
        }
        more || !self.wanted.is_empty()
    }

    /// An `error` frame with `code`.
    pub fn on_error(&mut self, code: &str) {
        *self.figures.errors.entry(code.to_owned()).or_default() += 1;
    }

    /// A `send` frame was written (`attempt` 1 for the first time).
    pub fn on_send_written(&mut self, record: SendRecord, attempt: u32) {
        if attempt > 1 {
            self.figures.resends += 1;
        }
        self.sends.push(record);
    }

    /// The cursor of a conversation (0 when nothing was received).
    pub fn cursor(&self, conversation: &str) -> u64 {
        self.cursors.get(conversation).copied().unwrap_or(0)
    }

    /// Every cursor: the `cursors` of the next `sync`.
    pub fn cursors(&self) -> &BTreeMap<String, u64> {
        &self.cursors
    }

    /// The messages accepted in a conversation, by seq.
    pub fn held(&self, conversation: &str) -> Option<&BTreeMap<u64, Held>> {
        self.held.get(conversation)
    }

    /// Order violations seen.
    pub fn inversions(&self) -> &[Inversion] {
        &self.inversions
    }

    /// Gaps seen in the live stream (each answered by a sync).
    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }

    /// Seqs a `synced` claimed and never delivered.
    pub fn holes(&self) -> &[Hole] {
        &self.holes
    }

    /// Acks or messages contradicting an earlier one (a client id acked with two seqs, a seq held with
    /// another client id).
    pub fn conflicts(&self) -> &[String] {
        &self.conflicts
    }

    /// Every ack received, in order.
    pub fn acks(&self) -> &[AckRecord] {
        &self.acks
    }

    /// Every send attempt written, in order.
    pub fn sends(&self) -> &[SendRecord] {
        &self.sends
    }

    /// Everything received (and every sync sent, every connect), in order.
    pub fn log(&self) -> &[Event] {
        &self.log
    }

    /// What connection `connection` received of `conversation` (and its syncs), as `kind seq` lines: what
    /// a failure message shows around an inversion.
    pub fn transcript(&self, connection: u32, conversation: &str) -> Vec<String> {
        self.log
            .iter()
            .filter(|e| e.connection == connection && (e.conversation == conversation || e.conversation.is_empty()))
            .map(|e| if e.seq == 0 { e.kind.to_owned() } else { format!("{} {}", e.kind, e.seq) })
            .collect()
    }

    /// The counters.
    pub fn figures(&self) -> &Figures {
        &self.figures
    }

    /// Checks that the client holds exactly `expected` (seq -> client id) of `conversation`: every seq from
    /// 1 to the last, each once, with the client id that was acked for it.
    pub fn check(&self, conversation: &str, expected: &BTreeMap<u64, String>) -> Result<(), String> {
        let empty = BTreeMap::new();
        let held = self.held(conversation).unwrap_or(&empty);
        let missing: Vec<u64> = expected.keys().filter(|s| !held.contains_key(s)).copied().collect();
        let extra: Vec<u64> = held.keys().filter(|s| !expected.contains_key(s)).copied().collect();
        let wrong: Vec<u64> = expected
            .iter()
            .filter(|(s, id)| held.get(s).is_some_and(|h| h.client_msg_id.as_deref() != Some(id.as_str())))
            .map(|(s, _)| *s)
            .collect();
        let contiguous = held.keys().copied().eq(1..=held.len() as u64);
        if missing.is_empty() && extra.is_empty() && wrong.is_empty() && contiguous {
            return Ok(());
        }
        Err(format!(
            "{conversation}: missing {} {:?}, extra {:?}, other client id at {:?}, contiguous from 1: {contiguous}",
            missing.len(),
            &missing[..missing.len().min(20)],
            &extra[..extra.len().min(20)],
            &wrong[..wrong.len().min(20)],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(c: &str, seq: u64) -> Value {
        json!({"type": "message", "conversation": c, "seq": seq, "client_msg_id": format!("c{seq}"), "message_id": format!("m{seq}")})
    }

    fn ack(c: &str, seq: u64, duplicate: bool) -> Value {
        json!({"type": "ack", "conversation": c, "seq": seq, "client_msg_id": format!("c{seq}"), "message_id": format!("m{seq}"), "duplicate": duplicate})
    }

    #[test]
    fn contiguous_messages_are_held_and_repeats_dropped() {
        let mut l = Ledger::new();
        l.connected(1);
        for seq in [1, 2, 2, 3, 1] {
            assert!(!l.on_message(&message("g:a", seq)));
        }
        assert_eq!(l.cursor("g:a"), 3);
        assert_eq!((l.figures().accepted, l.figures().duplicates_dropped), (3, 2));
        assert_eq!(l.inversions().len(), 2, "2 after 2 and 1 after 3 arrived out of order");
        let expected = (1..=3).map(|s| (s, format!("c{s}"))).collect();
        assert_eq!(l.check("g:a", &expected), Ok(()));
    }

    #[test]
    fn a_gap_asks_for_a_sync_and_the_replay_fills_it() {
        let mut l = Ledger::new();
        l.connected(1);
        assert!(!l.on_synced(&json!({"type": "synced", "conversations": {}})));
        assert!(!l.on_message(&message("d:a:b", 1)));
        assert!(l.on_message(&message("d:a:b", 3)), "3 after 1 shows a gap");
        assert!(l.on_message(&message("d:a:b", 4)));
        assert_eq!(l.cursor("d:a:b"), 1, "kept aside, not held yet");
        // A sync on a new connection replays 2, 3 and 4: 2 lets the cursor take 3 and 4 kept aside.
        l.connected(2);
        assert!(!l.on_message(&message("d:a:b", 2)));
        assert_eq!(l.cursor("d:a:b"), 4);
        assert!(!l.on_message(&message("d:a:b", 3)));
        assert!(!l.on_message(&message("d:a:b", 4)));
        assert!(!l.on_synced(&json!({"type": "synced", "conversations": {"d:a:b": 4}})), "nothing left wanted");
        assert!(l.holes().is_empty() && l.inversions().is_empty(), "{:?} {:?}", l.holes(), l.inversions());
        assert_eq!((l.gaps().len(), l.figures().accepted, l.figures().duplicates_dropped), (2, 4, 2));
        let expected = (1..=4).map(|s| (s, format!("c{s}"))).collect();
        assert_eq!(l.check("d:a:b", &expected), Ok(()));
    }

    #[test]
    fn a_synced_beyond_what_arrived_is_a_hole_and_more_asks_again() {
        let mut l = Ledger::new();
        l.connected(1);
        l.on_message(&message("g:a", 1));
        let again = l.on_synced(&json!({"type": "synced", "conversations": {"g:a": 4}, "more": ["g:a"]}));
        assert!(again);
        assert_eq!(l.holes(), [Hole { connection: 1, conversation: "g:a".into(), from: 2, to: 4 }]);
        assert_eq!(l.cursor("g:a"), 4, "the recipe moves on; the comparison with the acks shows what is missing");
        let expected = (1..=4).map(|s| (s, format!("c{s}"))).collect();
        assert!(l.check("g:a", &expected).unwrap_err().contains("missing 3"));
    }

    #[test]
    fn own_acks_take_their_place_and_retried_acks_are_not_order_checked() {
        let mut l = Ledger::new();
        let now = Instant::now();
        l.connected(1);
        l.on_message(&message("g:a", 1));
        assert!(!l.on_ack(&ack("g:a", 2, false), now));
        l.on_message(&message("g:a", 3));
        assert!(!l.on_ack(&ack("g:a", 2, true), now), "a retry's ack");
        assert!(l.inversions().is_empty(), "{:?}", l.inversions());
        l.on_ack(&ack("g:a", 3, false), now);
        assert_eq!(l.inversions().len(), 1, "a fresh ack below the stream is an inversion");
        assert_eq!((l.figures().acks, l.figures().duplicate_acks, l.cursor("g:a")), (3, 1, 3));
        assert_eq!(l.conflicts().len(), 0);
        l.on_ack(
            &json!({"type": "ack", "conversation": "g:a", "seq": 9, "client_msg_id": "c2", "duplicate": true}),
            now,
        );
        assert_eq!(l.conflicts().len(), 1, "one client id acked with two seqs");
    }

    #[test]
    fn order_is_checked_per_connection() {
        let mut l = Ledger::new();
        l.connected(1);
        l.on_message(&message("g:a", 5));
        l.connected(2);
        l.on_message(&message("g:a", 5));
        assert!(l.inversions().is_empty(), "a new connection may repeat what the old one delivered");
        l.on_message(&message("g:a", 4));
        assert!(l.inversions()[0].before_first_synced);
    }
}
