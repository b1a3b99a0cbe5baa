//! A bad configuration stops start-up with a message naming the key.

use e2e::run_once;

fn stderr_of(env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = run_once(dir.path(), &["serve"], env);
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn wrong_type_names_the_key() {
    let (code, stderr) = stderr_of(&[("EXCHANGE__SERVER__PORT", "eighty")]);
    assert_ne!(code, 0);
    assert!(stderr.contains("server.port"), "{stderr}");
}

#[test]
fn out_of_range_names_the_key_and_what_is_expected() {
    let (code, stderr) = stderr_of(&[("EXCHANGE__DATABASE__MAX_CONNECTIONS", "0")]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("database.max_connections") && stderr.contains("expected a value from 1 to 1000"),
        "{stderr}"
    );
}

#[test]
fn unknown_environment_is_refused() {
    let (code, stderr) = stderr_of(&[("EXCHANGE_ENV", "staging")]);
    assert_ne!(code, 0);
    assert!(stderr.contains("staging"), "{stderr}");
}

#[test]
fn production_refuses_the_development_key() {
    let (code, stderr) = stderr_of(&[("EXCHANGE_ENV", "production")]);
    assert_ne!(code, 0);
    assert!(stderr.contains("auth.token_secret_key"), "{stderr}");
}

#[test]
fn every_subcommand_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["serve", "cron", "migrate", "openapi", "keygen"] {
        let out = run_once(dir.path(), &[sub, "--help"], &[]);
        assert!(out.status.success(), "{sub} --help failed");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"), "{sub}");
    }
}
