//! Users in the `users` table: soft delete, reserved names, and the last-super-admin guard.

mod entity;
mod query;
mod repository;
mod row;

pub use repository::SqlUserRepository;
