//! Every contract suite, and the SQL-specific checks, against SQLite: a fresh temporary file per test.

mod common;

use adapter_sql::testing::{TestDatabase, or_fail};

async fn fresh() -> TestDatabase {
    or_fail(TestDatabase::sqlite().await)
}

common::every_sql_check!();
