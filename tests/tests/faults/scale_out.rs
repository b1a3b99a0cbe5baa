//! Scale-out as docs/operations.md describes it: three API instances and three cron instances on one
//! MariaDB database and one Redis prefix, on different ports of this machine. Sessions, rate limits and
//! settings are shared; a token from one instance works on the others, even from a clock a little ahead;
//! every tick of an every-second task runs exactly once across the cron instances.

use crate::PASSWORD;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use domain::token::TokenIssuer;
use e2e::cron::{Tally, read_probe};
use e2e::{Api, Server, ServerBuilder, SharedBackends};
use serde_json::json;
use std::time::Duration;

fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::seconds(1)).expect("truncate")
}

/// The fleet: API instances behind a (pretend) trusted proxy, cron instances running the probe task.
struct Fleet {
    api: Vec<Server>,
    cron: Vec<Server>,
    probe: std::path::PathBuf,
    backends: SharedBackends,
    _dir: tempfile::TempDir,
}

impl Fleet {
    async fn start(n: usize) -> Self {
        let backends = SharedBackends::start().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let probe = dir.path().join("probe.log");
        // One MongoDB for the messages when there is one (`make test` sets MONGODB_URI); SQL otherwise.
        let mongo: Vec<(String, String)> = match std::env::var("MONGODB_URI") {
            Ok(uri) if !uri.is_empty() => vec![
                ("EXCHANGE__MONGODB__URI".into(), uri),
                ("EXCHANGE__MONGODB__DATABASE".into(), format!("faults_{}", uuid::Uuid::now_v7().simple())),
            ],
            _ => {
                eprintln!("MONGODB_URI is not set: the fleet keeps messages in SQL");
                Vec::new()
            }
        };
        let mut api = Vec::new();
        for _ in 0..n {
            let builder = ServerBuilder::new()
                .envs(mongo.clone())
                .env("EXCHANGE__SERVER__TRUSTED_PROXIES", "127.0.0.1")
                .env("EXCHANGE__RATE_LIMIT__AUTH_PER_MINUTE", "3");
            api.push(backends.apply(builder).spawn().await);
        }
        let mut cron = Vec::new();
        for i in 1..=n {
            let builder = ServerBuilder::cron()
                .env("EXCHANGE__CRON__INSTANCE_ID", format!("cron-{i}"))
                .env("EXCHANGE__CRON__EXAMPLES", "false")
                .env("EXCHANGE__CRON__PROBE_FILE", probe.display().to_string())
                .env("EXCHANGE__CRON__PROBE_WORK_MS", "50")
                .env("EXCHANGE__LOG__LEVEL", "info");
            cron.push(backends.apply(builder).spawn().await);
        }
        Self { api, cron, probe, backends, _dir: dir }
    }

    fn client(&self, i: usize, ip: &str) -> Api {
        Api::new(&self.api[i].base).from_ip(ip)
    }

    fn init_admin(&self) {
        let env = self.backends.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let out = e2e::run_once(
            self.api[0].dir(),
            &["init-admin", "--username", "fleet_admin", "--email", "fleet@example.com", "--password", PASSWORD],
            &env,
        );
        assert!(out.status.success(), "init-admin: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_api_and_three_cron_instances_share_state_and_run_each_tick_once() {
    let fleet = Fleet::start(3).await;
    let from = whole_second(Utc::now()) + TimeDelta::seconds(2);

    // Accounts and sessions: registered on one, signed in on another, used on the third.
    fleet.client(0, "192.0.2.1").register("fleet_user", "fleet_user@example.com", PASSWORD).await;
    let tokens = fleet.client(1, "192.0.2.2").login("fleet_user", PASSWORD).await;
    for i in 0..3 {
        let me = fleet.client(i, "192.0.2.3").get("/api/v1/users/me", Some(&tokens.access)).await;
        assert_eq!((me.status, me.body["username"].as_str()), (200, Some("fleet_user")), "instance {i}");
    }

    // A token from an instance whose clock runs 30 s ahead is accepted (it is `nbf` in our future).
    let dev = adapter_crypto::PasetoIssuer::new(adapter_crypto::DEV_SECRET_KEY, &[]).expect("dev key");
    let claims = dev.verify(&tokens.access, Utc::now()).expect("our own token verifies");
    let ahead = TimeDelta::seconds(30);
    let skewed = domain::token::AccessClaims {
        jti: uuid::Uuid::now_v7(),
        iat: claims.iat + ahead,
        nbf: claims.nbf + ahead,
        exp: claims.exp + ahead,
        ..claims
    };
    let skewed = dev.issue(&skewed).expect("sign");
    let me = fleet.client(2, "192.0.2.3").get("/api/v1/users/me", Some(&skewed)).await;
    assert_eq!(me.status, 200, "a token from a clock 30 s ahead: {:?}", me.body);

    // Rate limits hold across instances: 3 auth calls per minute per IP in total, wherever they land.
    // (A different unknown account each time, so the per-account login lockout plays no part.)
    let body = |i: usize| json!({"username": format!("nobody_{i}"), "password": "not-the-password"});
    for i in 0..3 {
        let r = fleet.client(i, "203.0.113.50").post("/api/v1/auth/login", None, body(i)).await;
        assert_eq!(r.code(), "auth.invalid_credentials", "call {i} on instance {i}");
    }
    for i in 0..3 {
        let r = fleet.client(i, "203.0.113.50").post("/api/v1/auth/login", None, body(10 + i)).await;
        assert_eq!((r.status, r.code()), (429, "rate_limited"), "instance {i}");
        assert!(r.headers.contains_key("retry-after"));
    }

    // A settings change made on one instance is applied by all.
    fleet.init_admin();
    let root = fleet.client(0, "192.0.2.10").login("fleet_admin", PASSWORD).await;
    let closed = fleet
        .client(0, "192.0.2.10")
        .call(
            "PATCH",
            "/api/v1/admin/settings",
            Some(&root.access),
            Some(json!({"values": {"auth.registration_open": false}})),
        )
        .await;
    assert_eq!(closed.status, 200, "{:?}", closed.body);
    for i in 0..3 {
        let r = fleet
            .client(i, &format!("192.0.2.{}", 20 + i))
            .post(
                "/api/v1/auth/register",
                None,
                json!({"username": format!("too_late_{i}"), "email": format!("late{i}@example.com"), "password": PASSWORD}),
            )
            .await;
        assert_eq!((r.status, r.code()), (403, "auth.registration_closed"), "instance {i}");
    }

    // Exactly-once ticks: at least 15 seconds of every-second probe ticks, each run once by one of three.
    e2e::wait::until("15 probe runs", Duration::from_secs(90), || async {
        let n = read_probe(&fleet.probe).iter().filter(|l| l.fire >= from).count();
        if n >= 15 { Ok(()) } else { Err(format!("{n} runs")) }
    })
    .await;
    let to = whole_second(Utc::now()) - TimeDelta::seconds(2);
    for node in &fleet.cron {
        node.signal(nix::sys::signal::Signal::SIGTERM);
    }
    let lines = read_probe(&fleet.probe);
    let tally = Tally::over(&lines, &["probe".to_owned()], from, to);
    assert!(tally.ticks() >= 10, "only {} ticks in {from}..{to}", tally.ticks());
    assert!(tally.duplicates().is_empty(), "ticks run more than once: {:?}", tally.duplicates());
    assert!(tally.misses().is_empty(), "ticks never run: {:?}", tally.misses());
}
