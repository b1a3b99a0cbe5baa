//! sea-orm adapters for MySQL/MariaDB and SQLite: the connection pool, the schema migrations, and the
//! driven ports stored in SQL (settings, users, audit log, chat messages, groups, conversations and
//! read state, run records, daily statistics, readiness).
//!
//! Both engines pass the same contract suites as the in-memory adapters. Nothing sea-orm or sqlx leaks
//! through a port: errors become the domain's `InfraError`/`UserStoreError`, rows become domain types.

mod audit;
mod connect;
mod conversations;
mod daily_stats;
mod error;
mod groups;
mod health;
mod messages;
pub mod migrations;
mod options;
mod retry;
mod schedule;
mod settings;
#[cfg(feature = "testing")]
pub mod testing;
mod time;
mod transaction;
mod users;

pub use audit::SqlAuditLog;
pub use connect::{SqlDatabase, connect, create_mysql_database};
pub use conversations::SqlConversationStore;
pub use daily_stats::SqlDailyStats;
pub use error::SqlError;
pub use groups::SqlGroupStore;
pub use health::SqlHealthProbe;
pub use messages::SqlMessageStore;
pub use migrations::{Migrator, migrate};
pub use options::{SqlDriver, SqlOptions};
pub use schedule::SqlRunStore;
pub use settings::SqlSettingsStore;
pub use users::SqlUserRepository;
