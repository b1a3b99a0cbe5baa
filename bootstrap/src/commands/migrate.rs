//! `exchange migrate`: apply pending migrations and exit.

use crate::config::{AppConfig, DatabaseDriver};
use crate::wiring::sql_options;
use anyhow::Context;

/// Creates the MySQL database if missing, then applies every pending migration.
pub async fn run(config: AppConfig) -> anyhow::Result<()> {
    let options = sql_options(&config.database);
    if config.database.driver == DatabaseDriver::Mysql && adapter_sql::create_mysql_database(&options).await? {
        tracing::info!(database = %config.database.database, "database created");
    }
    let db = adapter_sql::connect(&options).await.context("connecting to the database")?;
    adapter_sql::migrate(&db).await.context("applying migrations")?;
    tracing::info!("migrations applied");
    db.close().await.ok();
    Ok(())
}
