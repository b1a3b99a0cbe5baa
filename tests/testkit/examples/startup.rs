//! How long `TestApp::start` takes: the first start (which also builds the OpenAPI document) and then the
//! fastest and median of 20 more. `cargo run -p exchange-testkit --example startup` reproduces the figure
//! quoted in docs/testing.md.

use exchange_testkit::TestApp;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let first = TestApp::start().await?;
    let first_took = started.elapsed();
    drop(first);
    let mut took: Vec<Duration> = Vec::with_capacity(20);
    for _ in 0..20 {
        let started = Instant::now();
        let app = TestApp::start().await?;
        took.push(started.elapsed());
        drop(app);
    }
    took.sort();
    println!("first start: {first_took:?}; next 20: fastest {:?}, median {:?}", took[0], took[took.len() / 2]);
    Ok(())
}
