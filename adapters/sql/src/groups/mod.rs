//! Groups and memberships in the `groups` and `group_members` tables.

mod group_entity;
mod member_entity;
mod row;
mod store;

pub use store::SqlGroupStore;
