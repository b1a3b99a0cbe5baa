//! Conversations as a user sees them: who may read and write one, and (with the chat REST use cases)
//! listing, history and read positions.

pub mod access;

pub use access::can_access;
