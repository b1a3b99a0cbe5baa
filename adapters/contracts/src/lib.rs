//! Executable port contracts: the doc comment of each domain port, as checks every adapter must pass.
//!
//! Each module holds one suite: `pub async fn` checks taking the port, and a macro that expands to one
//! `#[tokio::test]` per check so failures are reported by name. An adapter crate calls the macro in its
//! tests with an expression that builds a fresh, empty store:
//!
//! ```ignore
//! adapter_contracts::settings_suite!(async { std::sync::Arc::new(MemorySettingsStore::default()) });
//! ```
//!
//! Suites for ports without storage (`password_suite!`, `tokens_suite!`) take a factory of the adapter in
//! the same way.
//!
//! Checks never assume an empty store beyond what the factory promises, and use unique keys, so the same
//! suite can run against shared servers (MariaDB, Redis) in parallel.

pub mod audit;
pub mod bus;
pub mod cache;
pub mod control;
pub mod conversations;
pub mod daily_stats;
pub mod groups;
pub mod instances;
pub mod lock;
pub mod messages;
pub mod password;
pub mod presence;
pub mod rate_limit;
pub mod runs;
pub mod sequence;
pub mod sessions;
pub mod settings;
pub mod tokens;
pub mod users;

/// A string unique to this call, for keys that must not collide across parallel tests.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::now_v7().simple())
}

/// Expands to one `#[tokio::test]` per named check of `$module`, each on a fresh port from `$make`.
#[doc(hidden)]
#[macro_export]
macro_rules! __checks {
    ($make:expr; $module:ident; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                let port = $make.await;
                $crate::$module::$check(&*port).await;
            }
        )*
    };
}
