//! The HTTP edge without a network: a `poem::Request` in, the response and its body out, through the route
//! tree `serve` builds (edge, API, memory ports), with the JSON logs going to files (app.log, access.log,
//! ...) on their writer threads and the Prometheus recorder counting, as in production. A regression in
//! the request path shows here without a load test.
//!
//!     cargo bench -p bootstrap --bench edge                 # criterion: time per request
//!     EDGE_BENCH_ITERS=20000 target/release/deps/edge-<hash> # exactly N requests per case, no criterion,
//!                                                          # for callgrind (docs/benchmarks.md)
//!
//! It lives in bootstrap because only the composition root can build the real application on memory
//! ports without another copy of the wiring. The console log is off here (it would write into the
//! benchmark's output); in JSON it shares its formatting with app.log, so it adds one copy of each line.

use application::RequestMeta;
use application::auth::{LoginInput, RegisterInput};
use bootstrap::in_process::InProcess;
use bootstrap::wiring::{Ports, Services};
use criterion::{Criterion, criterion_group};
use poem::http::header::AUTHORIZATION;
use poem::{Endpoint, Request};
use std::sync::Arc;

struct Edge {
    app: Box<dyn Fn(Request) -> futures::future::BoxFuture<'static, usize> + Send + Sync>,
    token: String,
    _logs: (tempfile::TempDir, adapter_logging::LogGuard),
}

fn build(rt: &tokio::runtime::Runtime) -> Edge {
    rt.block_on(async {
        let mut builder = InProcess::new().expect("config");
        let mut config = builder.config_mut().clone();
        let logs = tempfile::tempdir().expect("temp dir");
        config.log.enable_console = false;
        config.log.log_dir = logs.path().join("logs").display().to_string();
        let (subscriber, guard) = adapter_logging::build(&config.log).expect("logging");
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber per process");
        let metrics = bootstrap::metrics::prometheus()
            .map(|handle| Arc::new(move || handle.render()) as Arc<dyn Fn() -> String + Send + Sync>);
        let services = Services::new(&config, Ports::in_memory(&config).expect("ports")).await.expect("services");
        let meta = RequestMeta::default();
        let password = "correct-horse-battery-staple".to_owned();
        let register = RegisterInput {
            username: "bench_user".into(),
            email: "bench@example.com".into(),
            password: password.clone(),
        };
        services.auth.register(register, &meta).await.expect("register");
        let pair =
            services.auth.login(LoginInput { login: "bench_user".into(), password }, &meta).await.expect("login");
        let app = Arc::new(adapter_http::app(services.http_state(&config, metrics)));
        let call = move |req: Request| -> futures::future::BoxFuture<'static, usize> {
            let app = app.clone();
            Box::pin(async move {
                let resp = app.get_response(req).await;
                resp.into_body().into_bytes().await.map(|b| b.len()).unwrap_or(0)
            })
        };
        Edge { app: Box::new(call), token: format!("Bearer {}", pair.access_token), _logs: (logs, guard) }
    })
}

fn ping() -> Request {
    Request::builder().uri_str("/ping").finish()
}

fn me(token: &str) -> Request {
    Request::builder().uri_str("/api/v1/users/me").header(AUTHORIZATION, token).finish()
}

fn not_found() -> Request {
    Request::builder().uri_str("/no/such/route").finish()
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let edge = build(&rt);
    let mut group = c.benchmark_group("edge");
    group.bench_function("GET /ping", |b| b.to_async(&rt).iter(|| (edge.app)(ping())));
    group.bench_function("GET /api/v1/users/me", |b| b.to_async(&rt).iter(|| (edge.app)(me(&edge.token))));
    group.bench_function("GET unmatched (404 body)", |b| b.to_async(&rt).iter(|| (edge.app)(not_found())));
    group.finish();
}

/// `EDGE_BENCH_ITERS=N`: N requests of each case and nothing else, so that two runs under callgrind (N and
/// 2N) give the instructions of N requests by difference.
fn fixed_iterations(n: usize) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let edge = build(&rt);
    let only = std::env::var("EDGE_BENCH_CASE").unwrap_or_default();
    rt.block_on(async {
        for (name, make) in [
            ("ping", &(|_: &str| ping()) as &dyn Fn(&str) -> Request),
            ("me", &me),
            ("unmatched", &(|_: &str| not_found())),
        ] {
            if !only.is_empty() && only != name {
                continue;
            }
            let mut bytes = 0;
            for _ in 0..n {
                bytes += (edge.app)(make(&edge.token)).await;
            }
            println!("{name}: {n} requests, {bytes} body bytes");
        }
    });
}

criterion_group!(edge, benches);

fn main() {
    match std::env::var("EDGE_BENCH_ITERS").ok().and_then(|n| n.parse().ok()) {
        Some(n) => fixed_iterations(n),
        None => {
            edge();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
