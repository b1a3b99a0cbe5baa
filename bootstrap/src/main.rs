//! The `exchange` binary: parse arguments, load config, start logging, run the subcommand, report the exit
//! cause. Exit codes: 0 success, 1 runtime failure, 2 invalid configuration or arguments.

use bootstrap::cli::{Cli, Command, ServeArgs};
use bootstrap::commands;
use bootstrap::config::{self, ConfigSource};
use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: a request allocates and frees a few dozen small blocks (futures,
/// header maps, extensions, log buffers); measured under callgrind, `GET /ping` went from 51.1k to 46.3k
/// instructions (malloc and free from ~7.2k to ~2.7k; docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    if let Command::Keygen = command {
        return match commands::keygen::output() {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(err) => fail(1, &format!("{err:#}")),
        };
    }
    let config = match config::load(&ConfigSource::from_process(cli.config, cli.config_dir)) {
        Ok(config) => config,
        Err(err) => return fail(2, &err.to_string()),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => return fail(1, &format!("cannot start the async runtime: {err}")),
    };
    if let Command::Openapi(args) = &command {
        // Prints to stdout, so no console logging may interleave.
        return match runtime.block_on(commands::openapi::spec(&config, args.cron)) {
            Ok(spec) => {
                println!("{spec}");
                ExitCode::SUCCESS
            }
            Err(err) => fail(1, &format!("{err:#}")),
        };
    }
    let guard = match adapter_logging::init(&config.log) {
        Ok(guard) => guard,
        Err(err) => return fail(2, &err.to_string()),
    };
    let result = runtime.block_on(async {
        match command {
            Command::Serve(args) => commands::serve::run(config, args).await,
            Command::Cron(args) => commands::cron::run(config, args).await,
            Command::Migrate => commands::migrate::run(config).await,
            Command::InitAdmin(args) => commands::init_admin::run(config, args).await,
            Command::Openapi(_) | Command::Keygen => Ok(()),
        }
    });
    let code = match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "exchange failed");
            eprintln!("exchange: {err:#}");
            ExitCode::from(1)
        }
    };
    // Let background tasks notice the runtime is going away before the logs are flushed.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    drop(guard);
    code
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("exchange: {message}");
    ExitCode::from(code)
}
