//! End-to-end tests: the real `exchange` binary over HTTP. One test binary, one module per area.

/// Generates one test per composition for a scenario `async fn name(Composition)`.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn embedded() {
                super::$name(e2e::Composition::Embedded).await
            }

            #[tokio::test]
            async fn mariadb_redis() {
                super::$name(e2e::Composition::MariaDbRedis).await
            }
        }
    )*};
}

mod accounts;
mod admin;
mod admin_console;
mod bad_input;
mod chat_rest;
mod chat_ws;
mod config;
mod cron_api;
mod cron_bench;
mod cron_cluster;
mod cron_page;
mod cron_redis_outage;
mod cron_shutdown;
mod init_admin;
mod legacy_hashes;
mod ops;
mod purity;
mod rate_limits;
mod shutdown;

use serde_json::Value;

/// GET `url` and return status, headers and JSON body (Null when not JSON).
pub async fn get_json(url: &str, headers: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = reqwest::Client::new().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, headers, body)
}
