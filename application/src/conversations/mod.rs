//! Conversations as a user sees them: who may read and write one, and (with the chat REST use cases)
//! listing, history and read positions.

pub mod access;
mod error;
mod service;
#[cfg(test)]
mod tests;

pub use access::can_access;
pub use error::ConversationError;
pub use service::{ConversationService, ConversationSummary, HistoryPage, ReadPosition};
