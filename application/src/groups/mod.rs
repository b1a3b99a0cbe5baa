//! Group chat administration: creating, renaming and deleting groups, and managing who is in them.
//!
//! Every rule about who may do what lives here (not at the HTTP edge), so the REST API, the WebSocket
//! gateway and any future driver enforce the same ones. Messages themselves are sent by `chat`; this module
//! only writes system messages about group events and deletes a group's messages together with the group.

mod error;
mod notice;
mod service;
#[cfg(test)]
pub(crate) mod tests;

pub use error::GroupError;
pub use service::{ADDABLE_ROLES, GroupService, GroupView, NewGroup};
