//! `exchange-load`: drives a running exchange server over loopback with many WebSocket connections and
//! reports delivery latency (p50/p99), messages per second, and server memory per connection.
//!
//! Modes: `idle` (N connections that only keep alive: memory per connection, connections kept), `direct`
//! (N connections in pairs messaging each other at M messages/s in total), `group` (one group of G members,
//! all connected, K of them sending M messages/s in total: fan-out to G-1 each). Accounts and the group are
//! made over REST first. See docs/benchmarks.md "WebSocket IM" for the commands and figures.

mod client;
mod memory;
mod setup;
mod stats;

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use client::{Connection, Report, Target};
use futures::{StreamExt, stream};
use stats::{Latency, ms};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What the run does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// Connections that only stay alive.
    Idle,
    /// Pairs of users messaging each other.
    Direct,
    /// One group, fan-out to every member.
    Group,
}

/// Command-line options.
#[derive(Debug, Parser)]
#[command(name = "exchange-load", about = "WebSocket load tool for exchange")]
struct Args {
    /// Server base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base: String,
    /// WebSocket path (`server.ws_path`).
    #[arg(long, default_value = "/ws")]
    ws_path: String,
    /// idle, direct or group.
    #[arg(long, value_enum, default_value = "idle")]
    mode: Mode,
    /// Connections (idle, direct). In group mode: one per member.
    #[arg(long, default_value_t = 100)]
    connections: usize,
    /// Accounts the idle connections are spread over (the server must allow connections / users per user).
    #[arg(long, default_value_t = 100)]
    users: usize,
    /// Group members (group mode).
    #[arg(long, default_value_t = 1000)]
    group_size: usize,
    /// Messages per second sent in total (direct, group).
    #[arg(long, default_value_t = 100)]
    rate: u32,
    /// Members that send in group mode (each stays under the server's per-connection frame rate).
    #[arg(long)]
    senders: Option<usize>,
    /// Seconds of sending (direct, group) or of holding the connections (idle).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds to wait for the last deliveries after sending stops.
    #[arg(long, default_value_t = 3)]
    drain: u64,
    /// Connection attempts in flight at once.
    #[arg(long, default_value_t = 200)]
    connect_parallel: usize,
    /// The server's process id, to read its VmRSS before and after connecting.
    #[arg(long)]
    server_pid: Option<u32>,
}

/// A short id for this run's account names.
fn run_id() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{:x}", nanos % 0xffff_ffff)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let rest = setup::Rest::new(&args.base);
    let run = run_id();
    let (connections, accounts) = match args.mode {
        Mode::Idle => (args.connections, args.users.clamp(1, args.connections.max(1))),
        Mode::Direct => {
            if args.connections < 2 || args.connections % 2 != 0 {
                bail!("direct mode needs an even number of connections (pairs)");
            }
            (args.connections, args.connections)
        }
        Mode::Group => (args.group_size, args.group_size),
    };
    let started = Instant::now();
    let accounts = rest.accounts(&run, accounts).await.context("creating accounts")?;
    println!("accounts: {} in {:.1} s", accounts.len(), started.elapsed().as_secs_f64());
    let group = match args.mode {
        Mode::Group => Some(rest.group(&accounts[0], &accounts).await?),
        _ => None,
    };

    let rss_before = args.server_pid.and_then(memory::vm_rss_kib);
    let (stop_tx, stop) = watch::channel(false);
    let url = client::ws_url(&args.base, &args.ws_path);
    let started = Instant::now();
    let attempts: Vec<(usize, anyhow::Result<Connection>)> = stream::iter((0..connections).map(|i| {
        let token = accounts[i % accounts.len()].token.clone();
        let (url, stop) = (url.clone(), stop.clone());
        async move { (i, client::connect(&url, &token, stop).await) }
    }))
    .buffer_unordered(args.connect_parallel.max(1))
    .collect()
    .await;
    let mut conns: Vec<(usize, Connection)> = Vec::with_capacity(connections);
    let mut failures: HashMap<String, usize> = HashMap::new();
    for (i, attempt) in attempts {
        match attempt {
            Ok(c) => conns.push((i, c)),
            Err(err) => *failures.entry(format!("{err:#}")).or_default() += 1,
        }
    }
    conns.sort_by_key(|(i, _)| *i);
    println!(
        "connected: {}/{} in {:.1} s{}",
        conns.len(),
        connections,
        started.elapsed().as_secs_f64(),
        if failures.is_empty() { String::new() } else { format!(", failures: {failures:?}") }
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = args.server_pid.and_then(memory::vm_rss_kib);
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        let per = memory::per_connection_kib(before, after, conns.len()).unwrap_or(0.0);
        println!(
            "server VmRSS: {before} KiB before, {after} KiB with {} connections: {per:.1} KiB per connection",
            conns.len()
        );
    }

    // Who sends to whom, and how many deliveries each send should produce.
    let (senders, fanout): (Vec<(usize, Target)>, u64) = match args.mode {
        Mode::Idle => (Vec::new(), 0),
        Mode::Direct => (conns.iter().map(|(i, _)| (*i, Target::Direct(accounts[i ^ 1].id.clone()))).collect(), 1),
        Mode::Group => {
            let k = args.senders.unwrap_or_else(|| (args.rate as usize).div_ceil(10)).clamp(1, conns.len().max(1));
            let group = group.clone().unwrap_or_default();
            (conns.iter().take(k).map(|(i, _)| (*i, Target::Group(group.clone()))).collect(), (conns.len() - 1) as u64)
        }
    };
    let by_index: HashMap<usize, &Connection> = conns.iter().map(|(i, c)| (*i, c)).collect();
    let sending = Instant::now();
    let cpu_before = args.server_pid.and_then(memory::cpu_ticks);
    let mut skipped = 0u64;
    if senders.is_empty() {
        tokio::time::sleep(Duration::from_secs(args.duration)).await;
    } else {
        let total = u64::from(args.rate) * args.duration;
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(args.rate.max(1))));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        for n in 0..total {
            tick.tick().await;
            let (i, target) = &senders[n as usize % senders.len()];
            if by_index.get(i).is_none_or(|c| c.sends.try_send(target.clone()).is_err()) {
                skipped += 1;
            }
        }
    }
    let send_secs = sending.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(args.drain)).await;
    let cpu_after = args.server_pid.and_then(memory::cpu_ticks);
    let _ = stop_tx.send(true);

    let mut total = Report::default();
    let mut lost: HashMap<String, usize> = HashMap::new();
    for (_, conn) in conns {
        let Ok(r) = conn.task.await else { continue };
        total.delivery_us.extend(r.delivery_us);
        total.ack_us.extend(r.ack_us);
        total.sent += r.sent;
        for (code, n) in r.errors {
            *total.errors.entry(code).or_default() += n;
        }
        if let Some(why) = r.lost {
            *lost.entry(why).or_default() += 1;
        }
    }
    let acked = total.ack_us.len() as u64;
    let delivered = total.delivery_us.len() as u64;
    let delivery = Latency::of(total.delivery_us);
    let ack = Latency::of(total.ack_us);
    println!("mode: {:?}, connections: {}, accounts: {}", args.mode, connections, accounts.len());
    println!("connections lost before the end: {} {lost:?}", lost.values().sum::<usize>());
    if !senders.is_empty() {
        println!(
            "sent: {} ({} skipped: sender busy), acked: {acked}, over {send_secs:.1} s: {:.0} messages/s stored",
            total.sent,
            skipped,
            acked as f64 / send_secs
        );
        println!(
            "deliveries: {delivered} of {} expected ({:.0}/s), fan-out {fanout}",
            acked * fanout,
            delivered as f64 / send_secs
        );
        println!("delivery latency: p50 {}, p99 {}, max {}", ms(delivery.p50), ms(delivery.p99), ms(delivery.max));
        println!("ack latency: p50 {}, p99 {}, max {}", ms(ack.p50), ms(ack.p99), ms(ack.max));
        if let (Some(before), Some(after)) = (cpu_before, cpu_after) {
            let secs = after.saturating_sub(before) as f64 / memory::TICKS_PER_SEC;
            let per = |n: u64| if n == 0 { 0.0 } else { secs * 1e6 / n as f64 };
            println!(
                "server CPU: {secs:.2} s over the run: {:.1} us per delivery, {:.0} us per stored message",
                per(delivered),
                per(acked)
            );
        }
    }
    if !total.errors.is_empty() {
        println!("error frames: {:?}", total.errors);
    }
    Ok(())
}
