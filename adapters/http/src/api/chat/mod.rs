//! The chat REST API: groups and their members, conversations with history and read state, presence.
//! Sending and live delivery are WebSocket (`docs/ws-protocol.md`); these operations cover everything a
//! client needs around them.

mod conversations;
mod groups;
mod models;
mod presence;

pub use conversations::ConversationsApi;
pub use groups::GroupsApi;
pub use presence::PresenceApi;
