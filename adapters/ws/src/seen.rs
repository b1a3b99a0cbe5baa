//! Which seqs a connection already got per conversation, so a live message that a `sync` replay already
//! delivered is not sent twice. Bounded: a contiguous floor plus a capped set above it.

use std::collections::{BTreeSet, HashMap};

/// Most seqs remembered above the floor of one conversation.
const MAX_ABOVE: usize = 1024;

/// Delivered seqs per conversation.
#[derive(Debug, Default)]
pub struct Seen {
    conversations: HashMap<String, (u64, BTreeSet<u64>)>,
}

impl Seen {
    /// Everything up to `seq` was delivered (end of a replay).
    pub fn raise_floor(&mut self, conversation: &str, seq: u64) {
        let entry = self.conversations.entry(conversation.to_owned()).or_default();
        if seq > entry.0 {
            entry.0 = seq;
            entry.1 = entry.1.split_off(&(seq + 1));
        }
    }

    /// Records `seq`; false when it was delivered before.
    pub fn first_time(&mut self, conversation: &str, seq: u64) -> bool {
        let (floor, above) = self.conversations.entry(conversation.to_owned()).or_default();
        if seq <= *floor || !above.insert(seq) {
            return false;
        }
        while above.remove(&(*floor + 1)) {
            *floor += 1;
        }
        while above.len() > MAX_ABOVE {
            if let Some(lowest) = above.pop_first() {
                *floor = lowest;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replayed_and_repeated_seqs_are_dropped() {
        let mut seen = Seen::default();
        seen.raise_floor("g:1", 5);
        assert!(!seen.first_time("g:1", 4));
        assert!(!seen.first_time("g:1", 5));
        assert!(seen.first_time("g:1", 7));
        assert!(!seen.first_time("g:1", 7));
        assert!(seen.first_time("g:1", 6));
        assert!(seen.first_time("d:1:2", 1), "conversations are independent");
        for seq in 100..2000 {
            assert!(seen.first_time("g:2", seq));
        }
        assert!(seen.conversations["g:2"].1.len() <= MAX_ABOVE);
    }
}
