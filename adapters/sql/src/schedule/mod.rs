//! The scheduler's port stored in SQL: run history, fenced against stale lock holders (the tick locks,
//! heartbeats and pause state are Redis's or memory's).

mod runs;

pub use runs::SqlRunStore;
