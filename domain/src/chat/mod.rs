//! Instant messaging: conversations (direct or group), messages with a per-conversation sequence, groups and
//! their members, read state, and presence.
//!
//! Ordering is the contract clients rely on: within a conversation `seq` starts at 1, increases by exactly
//! one per stored message, and a message becomes visible only after every smaller seq is visible. The
//! [`SequenceAllocator`] hands out one reservation per conversation at a time and the message store refuses
//! a second row with the same seq, which together make that true across any number of instances.

mod conversation;
mod group;
mod message;
mod ports;
mod presence;
mod sequence;

pub use conversation::{ConversationId, ConversationKind};
pub use group::{Group, GroupId, GroupMember, GroupName, MemberRole};
pub use message::{ClientMsgId, MAX_TEXT_CHARS, Message, MessageBody, MessageId, MessageKind};
pub use ports::{
    ConversationStore, GroupStore, GroupStoreError, HistoryQuery, MAX_HISTORY_LIMIT, MessageStore, MessageStoreError,
    ReadState,
};
pub use presence::{ConnectionId, PresenceChange, PresenceStore};
pub use sequence::{SeqError, SeqReservation, SequenceAllocator};
