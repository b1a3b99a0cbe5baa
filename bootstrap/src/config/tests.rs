use super::*;
use std::path::PathBuf;

fn configs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../configs")
}

fn source(name: &str, env: &[(&str, &str)]) -> ConfigSource {
    ConfigSource {
        name: name.into(),
        dir: configs_dir(),
        env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    }
}

fn key_of(err: ConfigError) -> String {
    match err {
        ConfigError::Key { key, .. } => key,
        other => panic!("expected a key error, got {other}"),
    }
}

#[test]
fn embedded_default_is_valid_and_needs_no_server() {
    let c = load(&source("default", &[])).unwrap();
    assert_eq!(c.database.driver, DatabaseDriver::Sqlite);
    assert!(c.redis.is_none());
    assert!(c.mongodb.is_none());
    assert_eq!(c.cron.web_port, 8081);
}

#[test]
fn shipped_environments_load() {
    let dev = load(&source("development", &[])).unwrap();
    assert_eq!(dev.database.driver, DatabaseDriver::Mysql);
    assert_eq!(dev.redis.as_ref().unwrap().port, 6379);
    let test = load(&source("test", &[])).unwrap();
    assert_eq!(test.server.port, 0);
}

#[test]
fn environment_variables_override_any_key() {
    let c = load(&source(
        "default",
        &[
            ("EXCHANGE__SERVER__PORT", "9999"),
            ("EXCHANGE__LOG__FORMAT", "text"),
            ("EXCHANGE__SERVER__TRUSTED_PROXIES", "10.0.0.1,10.0.0.2"),
        ],
    ))
    .unwrap();
    assert_eq!(c.server.port, 9999);
    assert_eq!(c.log.format, LogFormat::Text);
    assert_eq!(c.server.trusted_proxies, vec!["10.0.0.1", "10.0.0.2"]);
}

#[test]
fn a_redis_section_can_come_from_variables_alone() {
    let c =
        load(&source("default", &[("EXCHANGE__REDIS__HOST", "127.0.0.1"), ("EXCHANGE__REDIS__PORT", "6390")])).unwrap();
    let redis = c.redis.unwrap();
    assert_eq!((redis.host.as_str(), redis.port, redis.key_prefix.as_str()), ("127.0.0.1", 6390, "exchange:"));
}

#[test]
fn wrong_types_name_the_key() {
    let err = load(&source("default", &[("EXCHANGE__SERVER__PORT", "eighty")])).unwrap_err();
    assert_eq!(key_of(err), "server.port");
    let err = load(&source("default", &[("EXCHANGE__LOG__FORMAT", "xml")])).unwrap_err();
    assert_eq!(err.to_string(), r#"config key `log.format`: expected json or text, found "xml""#);
    let err = load(&source("default", &[("EXCHANGE__DATABASE__DRIVER", "postgres")])).unwrap_err();
    assert_eq!(err.to_string(), r#"config key `database.driver`: expected mysql or sqlite, found "postgres""#);
    let err = load(&source("default", &[("EXCHANGE__LOG__OUTPUT", "file")])).unwrap_err();
    assert_eq!(err.to_string(), r#"config key `log.output`: expected stdout or stderr, found "file""#);
}

/// Regression: values that look like numbers or booleans were converted before reaching string keys, so a
/// password `0123` arrived as `123` and a path `1e3` as `1000`.
#[test]
fn variables_keep_string_values_verbatim() {
    let c = load(&source(
        "default",
        &[
            ("EXCHANGE__DATABASE__PATH", "1e3"),
            ("EXCHANGE__DATABASE__PASSWORD", "0123"),
            ("EXCHANGE__CRON__INSTANCE_ID", "TRUE"),
            ("EXCHANGE__SERVER__PORT", "8089"),
            ("EXCHANGE__LOG__COMPRESS", "false"),
        ],
    ))
    .unwrap();
    assert_eq!(c.database.path, "1e3");
    assert_eq!(c.database.password, "0123");
    assert_eq!(c.cron.instance_id, "TRUE");
    assert_eq!(c.server.port, 8089, "typed keys still convert");
    assert!(!c.log.compress);
}

#[test]
fn unknown_keys_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("typo.json"), r#"{"server": {"prot": 80}}"#).unwrap();
    let src = ConfigSource { name: "typo".into(), dir: dir.path().to_path_buf(), env: vec![] };
    let err = load(&src).unwrap_err();
    assert!(err.to_string().contains("server.prot"), "{err}");
}

#[test]
fn out_of_range_values_say_what_is_expected() {
    let err = load(&source("default", &[("EXCHANGE__DATABASE__MAX_CONNECTIONS", "0")])).unwrap_err();
    assert_eq!(err.to_string(), "config key `database.max_connections`: expected a value from 1 to 1000, found 0");
    let err = load(&source("default", &[("EXCHANGE__I18N__DEFAULT_LOCALE", "fr")])).unwrap_err();
    assert_eq!(key_of(err), "i18n.default_locale");
    let err = load(&source("default", &[("EXCHANGE__LOG__LEVEL", "loud")])).unwrap_err();
    assert_eq!(key_of(err), "log.level");
}

#[test]
fn unknown_environment_is_refused() {
    let err = load(&source("staging", &[])).unwrap_err();
    assert!(matches!(err, ConfigError::UnknownEnvironment { .. }), "{err}");
}

#[test]
fn production_refuses_the_development_key_and_an_empty_password() {
    let err = load(&source("production", &[])).unwrap_err();
    assert_eq!(key_of(err), "auth.token_secret_key");
    let err =
        load(&source("production", &[("EXCHANGE__AUTH__TOKEN_SECRET_KEY", "k4.secret.someotherkey")])).unwrap_err();
    assert_eq!(key_of(err), "database.password");
    let blank =
        [("EXCHANGE__AUTH__TOKEN_SECRET_KEY", "k4.secret.someotherkey"), ("EXCHANGE__DATABASE__PASSWORD", "  ")];
    assert_eq!(key_of(load(&source("production", &blank)).unwrap_err()), "database.password", "blank is empty");
    let ok = load(&source(
        "production",
        &[("EXCHANGE__AUTH__TOKEN_SECRET_KEY", "k4.secret.someotherkey"), ("EXCHANGE__DATABASE__PASSWORD", "s3cret")],
    ));
    assert!(ok.is_ok(), "{:?}", ok.err());
}

#[test]
fn cron_keys_are_checked_by_name() {
    let c = load(&source("default", &[])).unwrap();
    assert_eq!((c.cron.heartbeat_interval_secs, c.cron.instance_ttl_secs, c.cron.lock_lease_secs), (5, 15, 30));
    assert!(c.cron.examples && c.cron.probe_file.is_empty());
    let err = load(&source("default", &[("EXCHANGE__CRON__INSTANCE_TTL_SECS", "6")])).unwrap_err();
    assert_eq!(err.to_string(), "config key `cron.instance_ttl_secs`: expected a value from 10 to 3600, found 6");
    let err = load(&source("default", &[("EXCHANGE__CRON__LOCK_LEASE_SECS", "1")])).unwrap_err();
    assert_eq!(key_of(err), "cron.lock_lease_secs");
    let err = load(&source("default", &[("EXCHANGE__CRON__INSTANCE_ID", "has space")])).unwrap_err();
    assert_eq!(key_of(err), "cron.instance_id");
    let err = load(&source("default", &[("EXCHANGE__CRON__WEB_PORT", "http")])).unwrap_err();
    assert_eq!(key_of(err), "cron.web_port");
    let err = load(&source("default", &[("EXCHANGE__CRON__EXAMPLE", "true")])).unwrap_err();
    assert!(err.to_string().contains("cron.example"), "{err}");
    let prod = load(&source(
        "production",
        &[("EXCHANGE__AUTH__TOKEN_SECRET_KEY", "k4.secret.someotherkey"), ("EXCHANGE__DATABASE__PASSWORD", "s3cret")],
    ))
    .unwrap();
    assert!(!prod.cron.examples, "production registers no example tasks");
}

#[test]
fn ws_keys_are_checked_by_name() {
    let c = load(&source("default", &[])).unwrap();
    assert_eq!((c.ws.max_frame_bytes, c.ws.max_body_bytes, c.ws.messages_per_sec), (65536, 16384, 20));
    assert_eq!((c.ws.max_connections_per_user, c.ws.outbound_queue), (5, 256));
    let test = load(&source("test", &[])).unwrap();
    assert_eq!((test.ws.heartbeat_secs, test.ws.presence_ttl_secs), (1, 3));
    let err = load(&source("default", &[("EXCHANGE__WS__MAX_BODY_BYTES", "100000")])).unwrap_err();
    assert_eq!(err.to_string(), "config key `ws.max_body_bytes`: expected a value from 16 to 65536, found 100000");
    let err = load(&source("default", &[("EXCHANGE__WS__PRESENCE_TTL_SECS", "30")])).unwrap_err();
    assert_eq!(key_of(err), "ws.presence_ttl_secs");
    let err = load(&source("default", &[("EXCHANGE__WS__MESSAGES_PER_SEC", "0")])).unwrap_err();
    assert_eq!(key_of(err), "ws.messages_per_sec");
    let err = load(&source("default", &[("EXCHANGE__WS__OUTBOUND_QUEUE", "many")])).unwrap_err();
    assert_eq!(key_of(err), "ws.outbound_queue");
    let err = load(&source("default", &[("EXCHANGE__WS__MAX_FRAMES", "1")])).unwrap_err();
    assert!(err.to_string().contains("ws.max_frames"), "{err}");
}

#[test]
fn the_cron_page_url_must_be_an_http_address() {
    let c = load(&source("default", &[])).unwrap();
    assert!(c.cron.page_url.is_empty(), "no link by default");
    let ok = load(&source("default", &[("EXCHANGE__CRON__PAGE_URL", "https://cron.example.com/")])).unwrap();
    assert_eq!(ok.cron.page_url, "https://cron.example.com/");
    for bad in ["javascript:alert(1)", "cron.example.com", "https://a b/"] {
        let err = load(&source("default", &[("EXCHANGE__CRON__PAGE_URL", bad)])).unwrap_err();
        assert_eq!(key_of(err), "cron.page_url", "{bad}");
    }
}

#[test]
fn environment_and_default_locale_are_parsed_into_their_types() {
    let c = load(&source("default", &[])).unwrap();
    assert_eq!((c.env, c.i18n.default_locale), (Environment::Default, domain::locale::Locale::ZhCn));
    assert_eq!(c.env.to_string(), "default");
    let c = load(&source("default", &[("EXCHANGE__I18N__DEFAULT_LOCALE", "en")])).unwrap();
    assert_eq!(c.i18n.default_locale, domain::locale::Locale::En);
    let err = load(&source("default", &[("EXCHANGE__ENV", "staging")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "config key `env`: expected default or development or test or production, found \"staging\""
    );
    let err = load(&source("default", &[("EXCHANGE__I18N__DEFAULT_LOCALE", "fr")])).unwrap_err();
    assert_eq!(err.to_string(), "config key `i18n.default_locale`: expected zh-CN or en, found \"fr\"");
}

#[test]
fn rate_limit_seeds_are_bounded_by_their_settings() {
    let err = load(&source("default", &[("EXCHANGE__RATE_LIMIT__LOGIN_FAILURES", "1001")])).unwrap_err();
    assert_eq!(err.to_string(), "config key `rate_limit.login_failures`: expected a value from 1 to 1000, found 1001");
}
