//! Command-line interface of the `exchange` binary.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// exchange: accounts, admin console, WebSocket IM and distributed cron in one binary.
#[derive(Debug, Parser)]
#[command(name = "exchange", version, about, long_about = None)]
pub struct Cli {
    /// Configuration to use: default, development, test, production, or a path to a JSON file.
    /// Falls back to EXCHANGE_ENV, then `default` (SQLite + in-memory adapters).
    #[arg(long, global = true)]
    pub config: Option<String>,
    /// Directory holding `<name>.json` (default `configs`, or EXCHANGE_CONFIG_DIR).
    #[arg(long, global = true)]
    pub config_dir: Option<PathBuf>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API and WebSocket server until SIGINT/SIGTERM.
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Print the OpenAPI 3 document of the HTTP API as JSON.
    Openapi,
    /// Print a new PASERK secret key for `auth.token_secret_key`.
    Keygen,
    /// Create the first super admin (idempotent). The password comes from --password, else the
    /// EXCHANGE_ADMIN_PASSWORD variable, else a prompt on the terminal.
    InitAdmin(InitAdminArgs),
}

/// Options of `init-admin`.
#[derive(Debug, Args)]
pub struct InitAdminArgs {
    /// Username of the super admin (3-32 letters, digits, `_` or CJK).
    #[arg(long)]
    pub username: String,
    /// E-mail of the super admin.
    #[arg(long)]
    pub email: String,
    /// Password; prefer EXCHANGE_ADMIN_PASSWORD or the prompt, which keep it out of the shell history.
    #[arg(long)]
    pub password: Option<String>,
}

/// Options of `serve`.
#[derive(Debug, Default, Args)]
pub struct ServeArgs {}
