//! Value checks that types alone cannot express, and the production safety rules.

use super::load::EMBEDDED_DEFAULT;
use super::{AppConfig, ConfigError, DatabaseDriver, Environment};
use domain::settings::{SettingKey, SettingType};
use std::net::IpAddr;

const LEVELS: [&str; 5] = ["trace", "debug", "info", "warn", "error"];

/// The signing key shipped in `configs/default.json`; public, so production must never use it.
fn development_token_key() -> Option<String> {
    let default: serde_json::Value = serde_json::from_str(EMBEDDED_DEFAULT).ok()?;
    default["auth"]["token_secret_key"].as_str().map(str::to_owned)
}

fn require(ok: bool, key: &str, message: &str) -> Result<(), ConfigError> {
    if ok { Ok(()) } else { Err(ConfigError::key(key, message)) }
}

fn range<T: PartialOrd + std::fmt::Display + Copy>(v: T, min: T, max: T, key: &str) -> Result<(), ConfigError> {
    require(v >= min && v <= max, key, &format!("expected a value from {min} to {max}, found {v}"))
}

/// Checks every section; the first problem found is returned.
pub(super) fn validate(c: &AppConfig) -> Result<(), ConfigError> {
    let s = &c.server;
    require(!s.host.trim().is_empty(), "server.host", "expected an interface address such as 127.0.0.1")?;
    require(s.ws_path.starts_with('/'), "server.ws_path", "expected a path starting with `/`")?;
    range(s.request_timeout_secs, 1, 3600, "server.request_timeout_secs")?;
    range(s.shutdown_timeout_secs, 1, 3600, "server.shutdown_timeout_secs")?;
    range(s.body_limit, 1024, 64 * 1024 * 1024, "server.body_limit")?;
    for (i, proxy) in s.trusted_proxies.iter().enumerate() {
        require(proxy.parse::<IpAddr>().is_ok(), &format!("server.trusted_proxies[{i}]"), "expected an IP address")?;
    }

    let d = &c.database;
    match d.driver {
        DatabaseDriver::Mysql => {
            require(!d.host.is_empty(), "database.host", "expected the MySQL host name")?;
            require(!d.username.is_empty(), "database.username", "expected the MySQL user name")?;
            require(!d.database.is_empty(), "database.database", "expected the MySQL database name")?;
            require(
                d.database.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_'),
                "database.database",
                "expected letters, digits and `_` only",
            )?;
        }
        DatabaseDriver::Sqlite => require(!d.path.is_empty(), "database.path", "expected the SQLite file path")?,
    }
    range(d.max_connections, 1, 1000, "database.max_connections")?;
    require(d.min_connections <= d.max_connections, "database.min_connections", "expected at most max_connections")?;
    range(d.connect_timeout_secs, 1, 300, "database.connect_timeout_secs")?;

    if let Some(r) = &c.redis {
        require(!r.host.is_empty(), "redis.host", "expected the Redis host name")?;
        require(r.port != 0, "redis.port", "expected a port from 1 to 65535")?;
        range(r.db, 0, 15, "redis.db")?;
        range(r.pool_size, 1, 256, "redis.pool_size")?;
    }
    if let Some(m) = &c.mongodb {
        require(
            m.uri.starts_with("mongodb://") || m.uri.starts_with("mongodb+srv://"),
            "mongodb.uri",
            "expected a connection string starting with mongodb:// or mongodb+srv://",
        )?;
        require(!m.database.is_empty(), "mongodb.database", "expected a database name")?;
    }

    let a = &c.auth;
    require(
        a.token_secret_key.starts_with("k4.secret."),
        "auth.token_secret_key",
        "expected a PASERK k4.secret key (run `exchange keygen`)",
    )?;
    for (i, key) in a.previous_public_keys.iter().enumerate() {
        require(
            key.starts_with("k4.public."),
            &format!("auth.previous_public_keys[{i}]"),
            "expected a PASERK k4.public key",
        )?;
    }
    range(a.access_ttl_secs, 30, 86_400, "auth.access_ttl_secs")?;
    range(a.refresh_ttl_secs, a.access_ttl_secs, 365 * 86_400, "auth.refresh_ttl_secs")?;
    range(a.argon2_memory_kib, 1024, 4 * 1024 * 1024, "auth.argon2_memory_kib")?;
    range(a.argon2_iterations, 1, 100, "auth.argon2_iterations")?;
    range(a.argon2_parallelism, 1, 64, "auth.argon2_parallelism")?;
    range(a.hash_max_concurrent, 0, 1024, "auth.hash_max_concurrent")?;
    range(a.hash_max_queue, 1, 1_000_000, "auth.hash_max_queue")?;

    // The rate-limit section seeds settings of the same names: their bounds are the settings' own.
    let rl = &c.rate_limit;
    for (key, value) in [
        (SettingKey::AuthPerMinute, rl.auth_per_minute),
        (SettingKey::ApiPerMinuteIp, rl.api_per_minute_ip),
        (SettingKey::ApiPerMinuteUser, rl.api_per_minute_user),
        (SettingKey::LoginFailures, rl.login_failures),
    ] {
        if let SettingType::Integer { min, max } = key.setting_type() {
            range(i64::from(value), min, max, key.as_str())?;
        }
    }

    let cr = &c.cron;
    range(cr.run_retention_days, 1, 3650, "cron.run_retention_days")?;
    require(!cr.web_host.trim().is_empty(), "cron.web_host", "expected an interface address such as 127.0.0.1")?;
    require(
        cr.instance_id.len() <= 128 && cr.instance_id.chars().all(|ch| ch.is_ascii_graphic()),
        "cron.instance_id",
        "expected at most 128 printable ASCII characters without spaces (or empty for <host>-<pid>)",
    )?;
    let url = cr.page_url.trim();
    require(
        url.is_empty()
            || ((url.starts_with("http://") || url.starts_with("https://"))
                && url.len() <= 2048
                && url.chars().all(|ch| ch.is_ascii_graphic())),
        "cron.page_url",
        "expected an http:// or https:// address without spaces (or empty for no link)",
    )?;
    range(cr.heartbeat_interval_secs, 1, 300, "cron.heartbeat_interval_secs")?;
    range(cr.instance_ttl_secs, cr.heartbeat_interval_secs * 2, 3600, "cron.instance_ttl_secs")?;
    range(cr.lock_lease_secs, 3, 3600, "cron.lock_lease_secs")?;
    range(cr.misfire_grace_secs, 1, 3600, "cron.misfire_grace_secs")?;
    range(cr.default_timeout_secs, 1, 7 * 86_400, "cron.default_timeout_secs")?;
    range(cr.shutdown_timeout_secs, 1, 3600, "cron.shutdown_timeout_secs")?;
    range(cr.probe_tasks, 1, 10_000, "cron.probe_tasks")?;
    range(cr.probe_work_ms, 0, 60_000, "cron.probe_work_ms")?;

    let w = &c.ws;
    range(w.max_frame_bytes, 1024, 16 * 1024 * 1024, "ws.max_frame_bytes")?;
    range(w.max_body_bytes, 16, w.max_frame_bytes, "ws.max_body_bytes")?;
    range(w.messages_per_sec, 1, 10_000, "ws.messages_per_sec")?;
    range(w.max_connections_per_user, 1, 1_000, "ws.max_connections_per_user")?;
    range(w.outbound_queue, 8, 1_000_000, "ws.outbound_queue")?;
    range(w.heartbeat_secs, 1, 600, "ws.heartbeat_secs")?;
    range(w.presence_ttl_secs, w.heartbeat_secs * 2, 3600, "ws.presence_ttl_secs")?;
    range(w.idle_timeout_secs, w.heartbeat_secs * 2, 86_400, "ws.idle_timeout_secs")?;
    range(w.auth_timeout_secs, 1, 600, "ws.auth_timeout_secs")?;
    range(w.session_check_secs, 1, 3600, "ws.session_check_secs")?;
    range(w.sync_max_messages, 1, 100_000, "ws.sync_max_messages")?;
    range(w.seq_lease_ms, 50, 60_000, "ws.seq_lease_ms")?;
    range(w.seq_wait_ms, 0, 60_000, "ws.seq_wait_ms")?;

    let l = &c.log;
    require(
        LEVELS.contains(&l.level.to_ascii_lowercase().as_str()),
        "log.level",
        "expected one of trace, debug, info, warn, error",
    )?;
    for (key, name) in [
        ("log.filename", &l.filename),
        ("log.access_log_file", &l.access_log_file),
        ("log.error_log_file", &l.error_log_file),
        ("log.cron_log_file", &l.cron_log_file),
    ] {
        require(!name.is_empty() && !name.contains('/'), key, "expected a file name without `/`")?;
    }
    require(!l.log_dir.is_empty(), "log.log_dir", "expected a directory")?;
    range(l.max_size, 1, 100_000, "log.max_size")?;

    if c.env == Environment::Production {
        production_rules(c)?;
    }
    Ok(())
}

/// Production refuses settings that are only safe on a developer's machine.
fn production_rules(c: &AppConfig) -> Result<(), ConfigError> {
    if development_token_key().as_deref() == Some(c.auth.token_secret_key.as_str()) {
        return Err(ConfigError::key(
            "auth.token_secret_key",
            "is the public development key; production needs its own (run `exchange keygen` and set EXCHANGE__AUTH__TOKEN_SECRET_KEY)",
        ));
    }
    if c.database.driver == DatabaseDriver::Mysql && c.database.password.trim().is_empty() {
        return Err(ConfigError::key(
            "database.password",
            "is empty or blank; production requires a database password (set EXCHANGE__DATABASE__PASSWORD)",
        ));
    }
    Ok(())
}
