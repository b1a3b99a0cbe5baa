//! Direct conversations per participant and read positions, in `direct_conversations` and `read_states`.

mod direct_entity;
mod read_entity;
mod store;

pub use store::SqlConversationStore;
