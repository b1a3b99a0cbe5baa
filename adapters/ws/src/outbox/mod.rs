//! What one connection still owes its client, and in which order it may go out. The hub puts live events
//! in; the connection's writer takes steps out, as fast as the client reads.
//!
//! Per conversation the outbox keeps a *floor*: every seq up to it went out (as a `message` or the sender's
//! own `ack`) or lies below the client's sync cursor. A message or ack goes out only as `floor + 1`, so each
//! conversation's stream is strictly increasing and has no hole. A seq that is known to exist (a later one
//! arrived, a `sync` asked for it, a watermark said so) but is not held here is read from storage
//! ([`Step::Fetch`]): that is how a live stream heals after a lost publish, and how a replay of any size
//! streams a page at a time.
//!
//! Nothing here blocks or grows without bound. Live messages are held up to `hold` frames; past that they
//! are dropped and re-read from storage when their turn comes, so a slow reader or a long replay never
//! costs more than `hold` frames of memory. A client is *slow* ([`Overflow`]: close it) only for what it
//! fails to read, never for what the server chose to hold back: more than `control` frames that cannot be
//! re-read (replies, read marks, presence, pushes) waiting, or one conversation more than `control` live
//! messages behind outside a sync.
//!
//! Pure state: no I/O, no clock of its own (`now` is passed in), so it is tested directly.

use crate::protocol::Frame;
use application::chat::SyncPlan;
use domain::chat::ConversationId;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Bounds of one outbox.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Live message frames held in memory; more are re-read from storage.
    pub hold: usize,
    /// Frames that cannot be re-read, waiting for the client.
    pub control: usize,
    /// How long a missing seq may be waited for (it may still be on its way) before it is read from storage.
    pub gap_grace: Duration,
    /// Most messages one fetch reads.
    pub page: u32,
}

/// What the writer should do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Write this frame.
    Send(Frame),
    /// Read `after < seq <= until` of `conversation` from storage and hand it to [`Outbox::filled`].
    Fetch {
        /// Which conversation.
        conversation: ConversationId,
        /// Exclusive lower bound (the floor).
        after: u64,
        /// Inclusive upper bound.
        until: u64,
    },
    /// A `sync` is complete: write its `synced` frame.
    Synced {
        /// The sync frame's id.
        id: Option<String>,
        /// What it replayed.
        plans: Vec<SyncPlan>,
    },
    /// Ask storage for the newest seq of these conversations, and of every other conversation of the user,
    /// and hand it to [`Outbox::watermarks`] (after the bus may have lost events).
    Verify(Vec<ConversationId>),
}

/// The client is not reading: more frames that cannot be re-read are waiting than the limit allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow;

/// A held frame of a conversation's order.
#[derive(Debug)]
struct Entry {
    frame: Frame,
    /// The sender's own `ack` (never dropped: the client waits for it), not a `message` (re-readable).
    ack: bool,
    /// Acks of retries of the same send, which follow it out.
    repeats: Vec<Frame>,
}

impl Entry {
    fn message(frame: Frame) -> Self {
        Self { frame, ack: false, repeats: Vec::new() }
    }
}

/// A conversation's delivery state on this connection.
#[derive(Debug)]
struct Track {
    /// Everything up to here went out.
    floor: u64,
    /// Held frames above the floor.
    ready: BTreeMap<u64, Entry>,
    /// The highest seq known to exist.
    ceiling: u64,
    /// While a sync runs: nothing above this goes out until `synced`.
    sync_until: Option<u64>,
    /// The last sync left more: the client pages with `sync`, live messages wait for it.
    paused: bool,
    /// Since when `floor + 1` has been missing.
    gap_since: Option<Instant>,
    /// Not before this may a failed fetch be retried.
    retry_at: Option<Instant>,
    /// Seqs up to here are known missing after their grace: read them without waiting again.
    due_upto: u64,
    /// In the outbox's turns already.
    queued: bool,
}

impl Track {
    fn at(floor: u64) -> Self {
        Self {
            floor,
            ready: BTreeMap::new(),
            ceiling: floor,
            sync_until: None,
            paused: false,
            gap_since: None,
            retry_at: None,
            due_upto: 0,
            queued: false,
        }
    }

    /// Drops the held entries below seq `below`: how many, and the acks among them (which must still go
    /// out, since the client waits for them).
    fn drop_held(&mut self, below: u64) -> (usize, Vec<Frame>) {
        let kept = self.ready.split_off(&below);
        let dropped = std::mem::replace(&mut self.ready, kept);
        let count = dropped.len();
        let acks = dropped.into_values().filter(|e| e.ack).flat_map(|e| std::iter::once(e.frame).chain(e.repeats));
        (count, acks.collect())
    }

    /// The highest seq that may go out now.
    fn limit(&self) -> u64 {
        self.sync_until.unwrap_or(u64::MAX)
    }

    /// Seqs known to exist above the floor that are not held (the next run of them).
    fn missing(&self) -> Option<(u64, u64)> {
        if self.paused {
            return None;
        }
        let next = self.floor + 1;
        if self.ready.contains_key(&next) {
            return None;
        }
        let known = self.ceiling.min(self.limit());
        let until = self.ready.keys().next().map_or(known, |first| first - 1).min(known);
        (until >= next).then_some((self.floor, until))
    }
}

/// The sync being replayed.
#[derive(Debug)]
struct ActiveSync {
    id: Option<String>,
    plans: Vec<SyncPlan>,
}

/// The frames one connection still owes its client.
#[derive(Debug)]
pub struct Outbox {
    limits: Limits,
    tracks: HashMap<ConversationId, Track>,
    /// Conversations that may have something to do, in turn.
    turns: VecDeque<ConversationId>,
    control: VecDeque<Frame>,
    held: usize,
    sync: Option<ActiveSync>,
    fetching: bool,
    verify: bool,
}

impl Outbox {
    /// An empty outbox.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            tracks: HashMap::new(),
            turns: VecDeque::new(),
            control: VecDeque::new(),
            held: 0,
            sync: None,
            fetching: false,
            verify: false,
        }
    }

    fn turn(&mut self, conversation: ConversationId) {
        if let Some(track) = self.tracks.get_mut(&conversation)
            && !track.queued
        {
            track.queued = true;
            self.turns.push_back(conversation);
        }
    }

    /// Acks that were held where they can no longer go out in order still go out (after what is queued).
    fn rescue(&mut self, acks: Vec<Frame>) {
        self.control.extend(acks);
    }

    /// A live message. The first one seen of a conversation this connection never synced sets its start.
    /// `Ok(true)` when it was not kept (the hold is full) and will be re-read from storage in its turn;
    /// [`Overflow`] when the client is too far behind in this conversation (outside a sync).
    pub fn message(&mut self, conversation: ConversationId, seq: u64, frame: Frame) -> Result<bool, Overflow> {
        let full = self.held >= self.limits.hold;
        let track = self.tracks.entry(conversation).or_insert_with(|| Track::at(seq.saturating_sub(1)));
        if seq <= track.floor || track.ready.contains_key(&seq) {
            return Ok(false);
        }
        track.ceiling = track.ceiling.max(seq);
        if track.paused {
            return Ok(false);
        }
        if track.sync_until.is_none() && track.ceiling - track.floor > self.limits.control as u64 {
            return Err(Overflow);
        }
        if !full {
            track.ready.insert(seq, Entry::message(frame));
            self.held += 1;
        }
        self.turn(conversation);
        Ok(full)
    }

    /// The `ack` of this connection's own send: it takes the message's place in the conversation's order.
    /// The ack of a seq that already went out (a retry) goes out at once.
    pub fn ack(&mut self, conversation: ConversationId, seq: u64, frame: Frame) -> Result<(), Overflow> {
        let track = self.tracks.entry(conversation).or_insert_with(|| Track::at(seq.saturating_sub(1)));
        if seq <= track.floor || track.paused {
            return self.control(frame);
        }
        track.ceiling = track.ceiling.max(seq);
        match track.ready.get_mut(&seq) {
            Some(held) if held.ack => held.repeats.push(frame),
            // The sender's own message (read back from storage) gives way to its ack.
            Some(held) => *held = Entry { frame, ack: true, repeats: Vec::new() },
            None => {
                track.ready.insert(seq, Entry { frame, ack: true, repeats: Vec::new() });
                self.held += 1;
            }
        }
        self.turn(conversation);
        Ok(())
    }

    /// A frame that is not part of a conversation's order (replies, read marks, presence, pushes).
    pub fn control(&mut self, frame: Frame) -> Result<(), Overflow> {
        if self.control.len() >= self.limits.control {
            return Err(Overflow);
        }
        self.control.push_back(frame);
        Ok(())
    }

    /// Like [`Outbox::control`], but a frame worth nothing once late (typing) is dropped when full.
    pub fn droppable(&mut self, frame: Frame) {
        let _ = self.control(frame);
    }

    /// Starts replaying a `sync`: each planned conversation restarts at the client's cursor and goes up to
    /// the plan's end; `synced` follows once all of them got there.
    pub fn begin_sync(&mut self, id: Option<String>, plans: Vec<SyncPlan>) {
        for plan in &plans {
            let track = self.tracks.entry(plan.conversation).or_insert_with(|| Track::at(plan.after));
            track.floor = plan.after;
            let (dropped, acks) = track.drop_held(plan.after + 1);
            self.held -= dropped;
            self.control.extend(acks);
            track.ceiling = track.ceiling.max(plan.until);
            track.sync_until = Some(plan.until);
            track.paused = false;
            track.gap_since = None;
            self.turn(plan.conversation);
        }
        self.sync = Some(ActiveSync { id, plans });
    }

    /// Whether a sync is being replayed (a new one waits for it).
    pub fn syncing(&self) -> bool {
        self.sync.is_some()
    }

    /// The result of a [`Step::Fetch`]: the stored messages of the range, ascending. A page shorter than
    /// the fetch's page size means storage has nothing else in the range.
    pub fn filled(&mut self, conversation: ConversationId, until: u64, messages: Vec<(u64, Frame)>) {
        self.fetching = false;
        let page = self.limits.page as usize;
        let Some(track) = self.tracks.get_mut(&conversation) else { return };
        track.retry_at = None;
        let complete = messages.len() < page;
        for (seq, frame) in messages {
            if seq > track.floor && seq <= until && !track.ready.contains_key(&seq) {
                track.ready.insert(seq, Entry::message(frame));
                self.held += 1;
            }
        }
        if complete {
            // Storage has no message at the seqs still missing in the range (a conversation deleted, say):
            // step over them instead of asking forever.
            while track.floor < until && !track.ready.contains_key(&(track.floor + 1)) {
                let next = track.ready.keys().next().copied().unwrap_or(until + 1).min(until + 1);
                tracing::debug!(conversation = %conversation, from = track.floor + 1, to = next - 1, "seqs missing in storage skipped");
                track.floor = next - 1;
            }
        }
        self.turn(conversation);
    }

    /// A fetch failed (storage unreachable): it is tried again after `retry`.
    pub fn fetch_failed(&mut self, conversation: ConversationId, now: Instant, retry: Duration) {
        self.fetching = false;
        if let Some(track) = self.tracks.get_mut(&conversation) {
            track.retry_at = Some(now + retry);
        }
        self.turn(conversation);
    }

    /// The bus may have lost events: check every conversation against storage.
    pub fn request_verify(&mut self) {
        self.verify = true;
    }

    /// The newest stored seq of conversations (the answer to [`Step::Verify`]). A conversation this
    /// connection never saw starts at its newest message, as if that one had arrived live: the client
    /// compares it with its own cursor.
    pub fn watermarks(&mut self, latest: &HashMap<ConversationId, u64>) {
        for (conversation, seq) in latest {
            let track = self.tracks.entry(*conversation).or_insert_with(|| Track::at(seq.saturating_sub(1)));
            if *seq > track.ceiling {
                track.ceiling = *seq;
                self.turn(*conversation);
            }
        }
    }

    /// Frames and fetches ready to go, and whether a sync completed.
    pub fn next(&mut self, now: Instant) -> Option<Step> {
        if let Some(frame) = self.control.pop_front() {
            return Some(Step::Send(frame));
        }
        if self.verify && !self.fetching {
            self.verify = false;
            let conversations = self.tracks.iter().filter(|(_, t)| !t.paused).map(|(c, _)| *c).collect();
            return Some(Step::Verify(conversations));
        }
        for _ in 0..self.turns.len() {
            let Some(conversation) = self.turns.pop_front() else { break };
            let Some(track) = self.tracks.get_mut(&conversation) else { continue };
            track.queued = false;
            let next = track.floor + 1;
            if next <= track.limit()
                && let Some(entry) = track.ready.remove(&next)
            {
                track.floor = next;
                if track.missing().is_none() {
                    // The hole (if any) is closed; a later one waits its own grace.
                    track.gap_since = None;
                }
                track.queued = true;
                self.held -= 1;
                self.turns.push_back(conversation);
                for repeat in entry.repeats.into_iter().rev() {
                    self.control.push_front(repeat);
                }
                return Some(Step::Send(entry.frame));
            }
            let Some((after, _)) = track.missing() else { continue };
            // Read through every known seq in one go (held frames are skipped when the page comes back),
            // so several holes in a burst cost one wait and one read, not one each.
            let until = track.ceiling.min(track.limit());
            // A replay, or seqs known only from storage or dropped here (nothing held above them), are read
            // at once; a hole below a held frame waits a moment, since its seq may still be in flight.
            let since = *track.gap_since.get_or_insert(now);
            let due = track.sync_until.is_some()
                || track.ready.is_empty()
                || after < track.due_upto
                || now.duration_since(since) >= self.limits.gap_grace;
            let retry_ok = track.retry_at.is_none_or(|at| now >= at);
            track.queued = true;
            self.turns.push_back(conversation);
            if due && retry_ok && !self.fetching {
                self.fetching = true;
                track.due_upto = track.due_upto.max(until);
                let until = until.min(after + u64::from(self.limits.page));
                return Some(Step::Fetch { conversation, after, until });
            }
        }
        self.finish_sync()
    }

    /// `synced` once every planned conversation reached its end.
    fn finish_sync(&mut self) -> Option<Step> {
        let sync = self.sync.as_ref()?;
        let done = sync.plans.iter().all(|p| self.tracks.get(&p.conversation).is_none_or(|t| t.floor >= p.until));
        if !done {
            return None;
        }
        let ActiveSync { id, plans } = self.sync.take()?;
        for plan in &plans {
            let Some(track) = self.tracks.get_mut(&plan.conversation) else { continue };
            track.sync_until = None;
            if plan.more {
                // The client pages on with `sync`; what is held above would only go out of turn.
                track.paused = true;
                let (dropped, acks) = track.drop_held(u64::MAX);
                self.held -= dropped;
                self.rescue(acks);
            } else {
                self.turn(plan.conversation);
            }
        }
        Some(Step::Synced { id, plans })
    }

    /// When [`Outbox::next`] may have something again without new input (a gap's grace or a retry ends).
    pub fn wake_at(&self) -> Option<Instant> {
        if self.fetching {
            return None;
        }
        self.tracks
            .values()
            .filter(|t| t.missing().is_some())
            .filter_map(|t| match (t.gap_since, t.retry_at) {
                (_, Some(retry)) => Some(retry),
                (Some(since), None) => Some(since + self.limits.gap_grace),
                (None, None) => None,
            })
            .min()
    }

    /// Most messages a fetch reads.
    pub fn page(&self) -> u32 {
        self.limits.page
    }

    /// Frames held in memory now.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.held + self.control.len()
    }

    /// Drops everything still owed (the connection is closing now, not flushing).
    pub fn clear(&mut self) {
        self.tracks.clear();
        self.turns.clear();
        self.control.clear();
        self.held = 0;
        self.sync = None;
    }
}

#[cfg(test)]
mod tests;
