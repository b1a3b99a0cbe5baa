//! The conformance run of issue 13: three `exchange serve` instances on one MariaDB database and a private
//! Redis, users in one big group (some of them sending) and in direct pairs (both sides sending), every
//! user a [`RecipeClient`] that follows docs/ws-protocol.md's recipe. While they chat: random reconnects
//! (to a random instance), one SIGKILL of an instance (restarted on its port a few seconds later) and one
//! restart of Redis (which comes back empty: sessions, seq heads and the bus are gone, so every client is
//! closed with 4003 and signs in again, and the first sends meet an allocator behind the store).
//!
//! At the end, once every send was acked (each is retried with its client_msg_id until it is) and every
//! client's cursors reached the newest acked seq of its conversations **without an extra sync** (live
//! delivery must fill every hole itself), each client must hold exactly the acked messages of each of its
//! conversations: every seq from 1, once, with the acked client id; no inversion (a `message` or fresh `ack`
//! not above the previous one of its conversation on the same connection), no hole (a `synced` claiming
//! seqs that never came).
//!
//! The figures are printed (`--no-capture` shows them): messages, deliveries, inversions, holes,
//! duplicates dropped, reconnects, and the takeover time: from the SIGKILL to the first ack, after it, in a
//! conversation that had a send in flight on the killed instance (the sends are fired just before the kill,
//! so some are). That includes the client's reconnect, sync and resend, and any wait for the dead
//! instance's seq lease (600 ms).
//!
//! The default size takes about a minute and a half in a debug build on a loaded two-core machine. Every
//! figure is an environment variable; a bigger run by hand (release build, about five minutes):
//!
//! ```text
//! cargo build --release --locked -p bootstrap --bin exchange && \
//! EXCHANGE_BIN=target/release/exchange CONFORMANCE_SECONDS=180 CONFORMANCE_MEMBERS=500 \
//! CONFORMANCE_GROUP_SENDERS=50 CONFORMANCE_PAIRS=250 CONFORMANCE_RECONNECTS=300 \
//! CONFORMANCE_GROUP_EVERY_MS=1000 CONFORMANCE_DIRECT_EVERY_MS=2000 \
//! cargo nextest run --locked -p e2e --test conformance -E 'test(suite::)' --no-capture
//! ```
//! (`CONFORMANCE_SEED` replays a run's random choices; the seed is printed.)

use crate::{PASSWORD, builder, register, seed_group};
use adapter_sql::testing::TestDatabase;
use chrono::{DateTime, Utc};
use e2e::private::PrivateRedis;
use e2e::{Api, Server};
use exchange_testkit::ws::direct;
use exchange_testkit::ws::recipe::{Ledger, RecipeClient, RecipeOptions, Target};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Instances of the cluster.
const INSTANCES: usize = 3;
/// The instance that is killed (and restarted).
const VICTIM: usize = 1;
/// `shared.server` of a client without a socket.
const OFFLINE: usize = usize::MAX;
/// How long the drain and the catch-up may take on a loaded machine before the test fails.
const SETTLE: Duration = Duration::from_secs(180);

/// How big a run is.
#[derive(Clone, Debug)]
struct Size {
    members: usize,
    group_senders: usize,
    pairs: usize,
    seconds: u64,
    group_every: Duration,
    direct_every: Duration,
    reconnects: usize,
    seed: u64,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

impl Size {
    fn from_env() -> Self {
        let seed = std::env::var("CONFORMANCE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
        });
        let size = Self {
            members: env_or("CONFORMANCE_MEMBERS", 200),
            group_senders: env_or("CONFORMANCE_GROUP_SENDERS", 20),
            pairs: env_or("CONFORMANCE_PAIRS", 100),
            seconds: env_or("CONFORMANCE_SECONDS", 30),
            group_every: Duration::from_millis(env_or("CONFORMANCE_GROUP_EVERY_MS", 2000)),
            direct_every: Duration::from_millis(env_or("CONFORMANCE_DIRECT_EVERY_MS", 4000)),
            reconnects: env_or("CONFORMANCE_RECONNECTS", 40),
            seed,
        };
        assert!(size.group_senders <= size.members && size.members >= 2 && size.seconds >= 10, "{size:?}");
        size
    }

    fn users(&self) -> usize {
        self.members.max(2 * self.pairs)
    }
}

/// splitmix64: reproducible choices from the printed seed, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// `d` scaled by a factor in 0.5..1.5.
    fn around(&mut self, d: Duration) -> Duration {
        d.mul_f64(0.5 + (self.next() % 1000) as f64 / 1000.0)
    }
}

/// What one user does.
#[derive(Clone, Debug)]
struct Role {
    /// The group, if a member.
    group: Option<String>,
    /// Sends to the group.
    group_sender: bool,
    /// The direct peer's user id, if in a pair.
    peer: Option<String>,
    /// The conversations to check at the end.
    conversations: Vec<String>,
}

/// Told to one client by the run.
enum Command {
    /// Drop the socket and reconnect to this instance.
    Reconnect(usize),
    /// Send now (just before the kill, so sends are in flight when it happens).
    Burst,
}

/// Where the run stands.
#[derive(Clone)]
enum Phase {
    Traffic,
    /// No new sends; every send not acked is retried until it is.
    Drain,
    /// Reach these seqs (conversation -> newest acked) and stop.
    CatchUp(Arc<BTreeMap<String, u64>>),
}

/// What the clients share with the run while it goes.
struct Shared {
    server: Vec<AtomicUsize>,
    unacked: Vec<AtomicUsize>,
    ready: Vec<AtomicBool>,
    burst_written: AtomicU64,
    /// Every ack: conversation -> seq -> client_msg_id.
    acked: Mutex<BTreeMap<String, BTreeMap<u64, String>>>,
    conflicts: Mutex<Vec<String>>,
}

impl Shared {
    fn new(n: usize) -> Self {
        Self {
            server: (0..n).map(|_| AtomicUsize::new(OFFLINE)).collect(),
            unacked: (0..n).map(|_| AtomicUsize::new(0)).collect(),
            ready: (0..n).map(|_| AtomicBool::new(false)).collect(),
            burst_written: AtomicU64::new(0),
            acked: Mutex::new(BTreeMap::new()),
            conflicts: Mutex::new(Vec::new()),
        }
    }

    /// Copies what client `i` learned since `seen` acks into the shared view.
    fn publish(&self, i: usize, client: &RecipeClient, seen: &mut usize) {
        self.server[i].store(client.server().unwrap_or(OFFLINE), Ordering::Relaxed);
        self.unacked[i].store(client.unacked(), Ordering::Relaxed);
        self.ready[i].store(client.ready(), Ordering::Relaxed);
        let acks = &client.ledger().acks()[*seen..];
        if acks.is_empty() {
            return;
        }
        let mut acked = self.acked.lock().unwrap_or_else(|e| e.into_inner());
        for ack in acks {
            let seqs = acked.entry(ack.conversation.clone()).or_default();
            match seqs.get(&ack.seq) {
                Some(id) if *id != ack.client_msg_id => self
                    .conflicts
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(format!("{} seq {} acked to {id} and to {}", ack.conversation, ack.seq, ack.client_msg_id)),
                Some(_) => {}
                None => {
                    seqs.insert(ack.seq, ack.client_msg_id.clone());
                }
            }
        }
        *seen += acks.len();
    }
}

/// One user's client for the whole run; returns its ledger.
async fn run_client(
    i: usize,
    mut client: RecipeClient,
    role: Role,
    size: Size,
    mut commands: mpsc::UnboundedReceiver<Command>,
    phase: watch::Receiver<Phase>,
    shared: Arc<Shared>,
) -> Result<Ledger, String> {
    let mut rng = Rng(size.seed ^ (i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let start = Instant::now();
    let mut next_group = start + rng.around(size.group_every);
    let mut next_direct = start + rng.around(size.direct_every);
    let mut seen = 0;
    let mut sent = 0u64;
    let fail = |e: exchange_testkit::ws::recipe::RecipeError, client: &RecipeClient| {
        format!("client {i} ({}): {e}", client.username())
    };
    loop {
        let now = Instant::now();
        while let Ok(command) = commands.try_recv() {
            match command {
                Command::Reconnect(server) => client.reconnect(Some(server)).await,
                Command::Burst => {
                    if let Some(target) = burst_target(&role) {
                        sent += 1;
                        client.send(&target, json!({"n": sent, "burst": true})).await;
                        shared.burst_written.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
        let current = phase.borrow().clone();
        match current {
            Phase::Traffic if client.user_id().is_some() => {
                if let (true, Some(group)) = (role.group_sender, &role.group)
                    && now >= next_group
                {
                    sent += 1;
                    client.send(&Target::Group(group.clone()), json!({"n": sent})).await;
                    next_group = now + rng.around(size.group_every);
                }
                if let Some(peer) = &role.peer
                    && now >= next_direct
                {
                    sent += 1;
                    client.send(&Target::User(peer.clone()), json!({"n": sent})).await;
                    next_direct = now + rng.around(size.direct_every);
                }
            }
            Phase::Traffic | Phase::Drain => {}
            Phase::CatchUp(expected) => {
                let mine: BTreeMap<String, u64> =
                    role.conversations.iter().filter_map(|c| expected.get(c).map(|s| (c.clone(), *s))).collect();
                let outcome = client.catch_up(&mine, SETTLE).await;
                shared.publish(i, &client, &mut seen);
                outcome.map_err(|e| fail(e, &client))?;
                return Ok(client.close().await);
            }
        }
        client.pump(Duration::from_millis(50)).await.map_err(|e| fail(e, &client))?;
        shared.publish(i, &client, &mut seen);
    }
}

/// Where a burst send goes: the group for a group sender, else the direct peer.
fn burst_target(role: &Role) -> Option<Target> {
    match (&role.group, role.group_sender, &role.peer) {
        (Some(group), true, _) => Some(Target::Group(group.clone())),
        (_, _, Some(peer)) => Some(Target::User(peer.clone())),
        _ => None,
    }
}

/// Something the run does to the cluster at a time.
#[derive(Debug)]
enum Event {
    Reconnect { client: usize, server: usize },
    Kill,
    Restart,
    RedisDown,
    RedisUp,
}

/// Conversations with a send in flight on the victim at the kill: written to it before, not acked before.
fn in_flight(ledgers: &[Ledger], victim: usize, kill: Instant) -> BTreeSet<String> {
    let acked_before: BTreeSet<&str> =
        ledgers.iter().flat_map(|l| l.acks()).filter(|a| a.at < kill).map(|a| a.client_msg_id.as_str()).collect();
    ledgers
        .iter()
        .flat_map(|l| l.sends())
        .filter(|s| s.server == victim && s.at < kill && !acked_before.contains(s.client_msg_id.as_str()))
        .map(|s| s.conversation.clone())
        .collect()
}

/// What the servers warned about, by message, most frequent first: what a failing or slow run looks for.
fn server_warnings(servers: &[Server]) -> Vec<(usize, String)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for server in servers {
        for line in server.output().lines() {
            let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) else { continue };
            if matches!(entry["level"].as_str(), Some("WARN" | "ERROR")) {
                let message = entry["message"].as_str().unwrap_or("?").to_owned();
                *counts.entry(message).or_default() += 1;
            }
        }
    }
    let mut sorted: Vec<(usize, String)> = counts.into_iter().map(|(m, n)| (n, m)).collect();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.truncate(8);
    sorted
}

/// The takeover figure, per conversation with a send in flight on the victim at the kill: from the kill to
/// the first message stored after it in that conversation (by the server's clock: the ack's `created_at`,
/// so a test process slow to read its sockets does not add to it), or `None` if none was.
fn takeovers(
    ledgers: &[Ledger],
    conversations: &BTreeSet<String>,
    kill: DateTime<Utc>,
) -> BTreeMap<String, Option<Duration>> {
    conversations
        .iter()
        .map(|c| {
            let first = ledgers
                .iter()
                .flat_map(|l| l.acks())
                .filter(|a| a.conversation == *c)
                .filter_map(|a| a.created_at.parse::<DateTime<Utc>>().ok())
                .filter(|at| *at > kill)
                .min();
            (c.clone(), first.and_then(|at| (at - kill).to_std().ok()))
        })
        .collect()
}

/// Where a takeover's time goes, per send in flight on the victim at the kill: (from the kill to its resend
/// on a survivor: the client noticing, reconnecting and syncing; from the resend to its ack: the server).
fn takeover_parts(ledgers: &[Ledger], victim: usize, kill: Instant) -> Vec<(Duration, Duration)> {
    let mut parts = Vec::new();
    for ledger in ledgers {
        let acked_before: BTreeSet<&str> =
            ledger.acks().iter().filter(|a| a.at < kill).map(|a| a.client_msg_id.as_str()).collect();
        let flying: BTreeSet<&str> = ledger
            .sends()
            .iter()
            .filter(|s| s.server == victim && s.at < kill && !acked_before.contains(s.client_msg_id.as_str()))
            .map(|s| s.client_msg_id.as_str())
            .collect();
        for id in flying {
            let resent = ledger.sends().iter().find(|s| s.client_msg_id == id && s.at > kill).map(|s| s.at);
            let acked = ledger.acks().iter().find(|a| a.client_msg_id == id && a.at > kill).map(|a| a.at);
            if let (Some(resent), Some(acked)) = (resent, acked) {
                parts.push((resent - kill, acked.saturating_duration_since(resent)));
            }
        }
    }
    parts
}

/// The same as the clients saw it: from the kill to the first ack read after it in each conversation.
fn takeovers_seen(ledgers: &[Ledger], conversations: &BTreeSet<String>, kill: Instant) -> Option<Duration> {
    conversations
        .iter()
        .filter_map(|c| {
            ledgers
                .iter()
                .flat_map(|l| l.acks())
                .filter(|a| a.conversation == *c && a.at > kill)
                .map(|a| a.at - kill)
                .min()
        })
        .max()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipe_clients_hold_every_acked_message_once_in_order_through_a_kill_and_a_redis_restart() {
    let size = Size::from_env();
    eprintln!("conformance run: {size:?}");
    let mut rng = Rng(size.seed);

    // The cluster: one MariaDB database, a private Redis, three instances.
    let db = TestDatabase::mysql().await.unwrap_or_else(|e| panic!("MariaDB for the conformance run: {e}"));
    let mut redis = PrivateRedis::new();
    redis.start().await;
    let cluster = builder().envs(e2e::backends::database_env(&db)).envs(redis.env("conformance:"));
    let mut servers: Vec<Server> = Vec::new();
    for _ in 0..INSTANCES {
        servers.push(cluster.clone().spawn().await);
    }
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();

    // Users: the first `members` are in the group, the first `group_senders` of them send to it, and
    // users 2k and 2k+1 (k < pairs) chat directly.
    let started = Instant::now();
    let users = register(&Api::new(&bases[0]), "cf", size.users()).await;
    let ids: Vec<String> = users.iter().map(|(_, id)| id.clone()).collect();
    let gid = seed_group(&db.db().group_store(), &ids[..size.members]).await;
    eprintln!(
        "{} accounts and a {}-member group in {:.1} s",
        users.len(),
        size.members,
        started.elapsed().as_secs_f64()
    );
    let roles: Vec<Role> = (0..users.len())
        .map(|i| {
            let group = (i < size.members).then(|| gid.clone());
            let peer = (i / 2 < size.pairs).then(|| ids[i ^ 1].clone());
            let mut conversations: Vec<String> = group.iter().map(|g| format!("g:{g}")).collect();
            conversations.extend(peer.iter().map(|p| direct(&ids[i], p)));
            Role { group, group_sender: i < size.group_senders, peer, conversations }
        })
        .collect();

    // Clients, spread over the instances.
    let shared = Arc::new(Shared::new(users.len()));
    let (phase_tx, phase_rx) = watch::channel(Phase::Traffic);
    let mut commands = Vec::new();
    let mut tasks = Vec::new();
    for (i, (name, _)) in users.iter().enumerate() {
        let client =
            RecipeClient::new(name, PASSWORD, RecipeOptions::new(bases.clone()), i % INSTANCES, size.seed + i as u64);
        let (tx, rx) = mpsc::unbounded_channel();
        commands.push(tx);
        let (role, size, phase, shared) = (roles[i].clone(), size.clone(), phase_rx.clone(), shared.clone());
        tasks.push(tokio::spawn(run_client(i, client, role, size, rx, phase, shared)));
    }
    e2e::wait::until("every client connected and synced", SETTLE, || async {
        let ready = shared.ready.iter().filter(|r| r.load(Ordering::Relaxed)).count();
        if ready == users.len() { Ok(()) } else { Err(format!("{ready} of {} ready", users.len())) }
    })
    .await;

    // The run's events, at random times (reconnects) and fixed fractions of it (faults).
    let run = Duration::from_secs(size.seconds);
    let mut events: Vec<(Duration, Event)> = (0..size.reconnects)
        .map(|_| {
            let at = Duration::from_millis(1000 + rng.next() % (run.as_millis() as u64 - 2000));
            (at, Event::Reconnect { client: rng.below(users.len()), server: rng.below(INSTANCES) })
        })
        .collect();
    events.push((run.mul_f64(0.3), Event::Kill));
    events.push((run.mul_f64(0.3) + Duration::from_secs(4), Event::Restart));
    events.push((run.mul_f64(0.6), Event::RedisDown));
    events.push((run.mul_f64(0.6) + Duration::from_secs(3), Event::RedisUp));
    events.sort_by_key(|(at, _)| *at);
    let t0 = Instant::now();
    let mut kill_at = None;
    for (at, event) in events {
        tokio::time::sleep_until((t0 + at).into()).await;
        match event {
            Event::Reconnect { client, server } => {
                let _ = commands[client].send(Command::Reconnect(server));
            }
            Event::Kill => {
                // Sends fired on the victim just before it dies, so some are in flight.
                let before = shared.burst_written.load(Ordering::Relaxed);
                for (i, tx) in commands.iter().enumerate() {
                    if shared.server[i].load(Ordering::Relaxed) == VICTIM {
                        let _ = tx.send(Command::Burst);
                    }
                }
                e2e::wait::until("a burst send written", Duration::from_secs(5), || async {
                    let n = shared.burst_written.load(Ordering::Relaxed);
                    if n > before { Ok(()) } else { Err("none yet".to_owned()) }
                })
                .await;
                kill_at = Some((Instant::now(), Utc::now()));
                servers[VICTIM].signal(nix::sys::signal::Signal::SIGKILL);
                servers[VICTIM].wait_exit(Duration::from_secs(30)).await;
                eprintln!("{:.1} s: instance {VICTIM} killed", t0.elapsed().as_secs_f64());
            }
            Event::Restart => {
                servers[VICTIM] = cluster.clone().port(ports[VICTIM]).spawn().await;
                eprintln!("{:.1} s: instance {VICTIM} restarted", t0.elapsed().as_secs_f64());
            }
            Event::RedisDown => {
                redis.stop();
                eprintln!("{:.1} s: Redis stopped", t0.elapsed().as_secs_f64());
            }
            Event::RedisUp => {
                redis.start().await;
                eprintln!("{:.1} s: Redis started again (empty)", t0.elapsed().as_secs_f64());
            }
        }
    }
    tokio::time::sleep_until((t0 + run).into()).await;

    // Drain: no new sends; each one not acked is retried until it is.
    phase_tx.send_replace(Phase::Drain);
    let drain_started = Instant::now();
    let mut reported = Instant::now();
    let mut polls = 0;
    loop {
        polls += 1;
        let behind: Vec<(usize, usize, usize, bool)> = (0..users.len())
            .map(|i| {
                let s = &shared;
                let server = s.server[i].load(Ordering::Relaxed);
                (i, s.unacked[i].load(Ordering::Relaxed), server, s.ready[i].load(Ordering::Relaxed))
            })
            .filter(|(_, n, _, _)| *n > 0)
            .collect();
        if behind.is_empty() {
            break;
        }
        let what = format!("(client, unacked, server, ready): {:?}", &behind[..behind.len().min(10)]);
        assert!(drain_started.elapsed() < SETTLE, "sends still not acked after {SETTLE:?}: {what}");
        if reported.elapsed() > Duration::from_secs(5) {
            eprintln!(
                "{:.1} s: {} clients with sends not acked, e.g. {what}",
                t0.elapsed().as_secs_f64(),
                behind.len()
            );
            reported = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let drain = drain_started.elapsed();
    eprintln!("drain: {polls} polls in {drain:?}");

    // Every stored seq was acked (each send is retried until it is, and nothing else writes), so the acks
    // are the truth to compare with.
    let acked = shared.acked.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let conflicts = shared.conflicts.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(conflicts.is_empty(), "acks contradict each other: {conflicts:?}");
    for (conversation, seqs) in &acked {
        assert!(
            seqs.keys().copied().eq(1..=seqs.len() as u64),
            "{conversation}: acked seqs have gaps: {:?}",
            seqs.keys()
        );
    }
    let expected: BTreeMap<String, u64> =
        acked.iter().map(|(c, seqs)| (c.clone(), seqs.keys().last().copied().unwrap_or(0))).collect();

    // Catch up: every client's cursors reach the newest acked seqs by the recipe alone.
    let catch_up_started = Instant::now();
    phase_tx.send_replace(Phase::CatchUp(Arc::new(expected.clone())));
    let mut ledgers = Vec::new();
    let mut failures = Vec::new();
    for task in tasks {
        match task.await.expect("client task") {
            Ok(ledger) => ledgers.push(ledger),
            Err(why) => failures.push(why),
        }
    }
    let catch_up = catch_up_started.elapsed();
    assert!(failures.is_empty(), "{} clients failed: {:#?}", failures.len(), &failures[..failures.len().min(10)]);

    // Each client holds exactly what was acked, in every conversation of its own.
    let mut mismatches = Vec::new();
    for (i, ledger) in ledgers.iter().enumerate() {
        for conversation in &roles[i].conversations {
            let want = acked.get(conversation).cloned().unwrap_or_default();
            if let Err(why) = ledger.check(conversation, &want) {
                mismatches.push(format!("client {i}: {why}"));
            }
        }
    }

    // Figures.
    let sum = |f: &dyn Fn(&Ledger) -> u64| ledgers.iter().map(f).sum::<u64>();
    let inversions: Vec<_> = ledgers.iter().flat_map(|l| l.inversions()).collect();
    let holes: Vec<_> = ledgers.iter().flat_map(|l| l.holes()).collect();
    let gaps: Vec<_> = ledgers.iter().flat_map(|l| l.gaps()).collect();
    let own_conflicts: Vec<_> = ledgers.iter().flat_map(|l| l.conflicts()).collect();
    let sent: BTreeSet<&str> = ledgers.iter().flat_map(|l| l.sends()).map(|s| s.client_msg_id.as_str()).collect();
    let acked_total: usize = acked.values().map(BTreeMap::len).sum();
    let group_conversation = format!("g:{gid}");
    let mut ended: BTreeMap<String, u64> = BTreeMap::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    for l in &ledgers {
        for (k, v) in &l.figures().ended {
            *ended.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &l.figures().errors {
            *errors.entry(k.clone()).or_default() += v;
        }
    }
    let (kill, kill_wall) = kill_at.expect("the kill happened");
    let flying = in_flight(&ledgers, VICTIM, kill);
    let takeover = takeovers(&ledgers, &flying, kill_wall);
    let seen = takeovers_seen(&ledgers, &flying, kill);
    let mut times: Vec<Duration> = takeover.values().flatten().copied().collect();
    times.sort();
    eprintln!("--- conformance figures (seed {}) ---", size.seed);
    eprintln!(
        "cluster: {INSTANCES} instances, {} users, a {}-member group with {} senders, {} direct pairs, {} s of traffic",
        users.len(),
        size.members,
        size.group_senders,
        size.pairs,
        size.seconds
    );
    eprintln!(
        "messages: {} sent, {acked_total} acked ({} in the group, {} direct); drain {:.1} s, catch-up {:.1} s",
        sent.len(),
        acked.get(&group_conversation).map_or(0, BTreeMap::len),
        acked_total - acked.get(&group_conversation).map_or(0, BTreeMap::len),
        drain.as_secs_f64(),
        catch_up.as_secs_f64(),
    );
    eprintln!(
        "deliveries: {} message frames received, {} held (messages and own acks), {} acks ({} of retries), {} resends",
        sum(&|l| l.figures().messages),
        sum(&|l| l.figures().accepted),
        sum(&|l| l.figures().acks),
        sum(&|l| l.figures().duplicate_acks),
        sum(&|l| l.figures().resends),
    );
    eprintln!(
        "inversions: {} ({} before a connection's first synced); holes: {}; live gaps (answered by a sync): {}; \
         duplicates received and dropped: {}",
        inversions.len(),
        inversions.iter().filter(|i| i.before_first_synced).count(),
        holes.len(),
        gaps.len(),
        sum(&|l| l.figures().duplicates_dropped),
    );
    eprintln!(
        "reconnects: {} connections for {} clients ({} planned reconnects); endings {ended:?}; syncs {} ({} with more)",
        sum(&|l| l.figures().connections),
        users.len(),
        size.reconnects,
        sum(&|l| l.figures().syncs),
        sum(&|l| l.figures().more),
    );
    eprintln!("error frames: {errors:?}");
    let mut failed_connects: BTreeMap<String, u64> = BTreeMap::new();
    for l in &ledgers {
        for (k, v) in &l.figures().connect_failures {
            *failed_connects.entry(k.clone()).or_default() += v;
        }
    }
    eprintln!("failed sign-ins and connects: {failed_connects:?}");
    eprintln!("server warnings (the surviving processes): {:?}", server_warnings(&servers));
    // What the first clients with an inversion saw on that connection, to tell a server bug from a client one.
    for (i, ledger) in ledgers.iter().enumerate().filter(|(_, l)| !l.inversions().is_empty()).take(3) {
        let first = &ledger.inversions()[0];
        eprintln!("client {i}, connection {}: {:?}", first.connection, first);
        let lines = ledger.transcript(first.connection, &first.conversation);
        eprintln!("  transcript of {}: {}", first.conversation, lines[..lines.len().min(60)].join(", "));
    }
    match (times.last(), seen) {
        (Some(max), Some(seen)) => eprintln!(
            "takeover: {} conversations had a send in flight on the killed instance; from the SIGKILL to the next \
             message stored in each: max {} ms, median {} ms (server clock); to the next ack read by a client: max {} ms",
            flying.len(),
            max.as_millis(),
            times[times.len() / 2].as_millis(),
            seen.as_millis(),
        ),
        _ => eprintln!("takeover: no send was in flight on the killed instance at the kill"),
    }
    let parts = takeover_parts(&ledgers, VICTIM, kill);
    let max_of = |f: fn(&(Duration, Duration)) -> Duration| parts.iter().map(f).max().unwrap_or_default().as_millis();
    eprintln!(
        "  of which, over {} sends in flight: kill to resend on a survivor (reconnect and sync) max {} ms; resend to \
         ack max {} ms",
        parts.len(),
        max_of(|p| p.0),
        max_of(|p| p.1)
    );

    assert!(
        mismatches.is_empty(),
        "{} conversations differ from the acks: {:#?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(10)]
    );
    assert!(own_conflicts.is_empty(), "{own_conflicts:?}");
    assert!(holes.is_empty(), "{} holes: {:?}", holes.len(), &holes[..holes.len().min(10)]);
    assert!(inversions.is_empty(), "{} inversions: {:#?}", inversions.len(), &inversions[..inversions.len().min(10)]);
    assert!(acked_total > 0 && sent.len() == acked_total, "{} sent, {acked_total} acked", sent.len());
    assert!(takeover.values().all(Option::is_some), "a conversation never acked again after the kill: {takeover:?}");
}
