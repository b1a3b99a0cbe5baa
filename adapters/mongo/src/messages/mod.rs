//! Chat messages in the `messages` collection.

mod document;
mod indexes;
mod store;

pub(crate) use indexes::ensure_indexes;
pub use store::MongoMessageStore;
