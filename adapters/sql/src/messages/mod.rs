//! Chat messages in the `messages` table.

mod entity;
mod row;
mod store;

pub(crate) use row::seq_to_db;
pub use store::SqlMessageStore;
