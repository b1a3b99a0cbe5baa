//! `exchange serve`: the HTTP API until SIGINT/SIGTERM.

use crate::app::Application;
use crate::cli::ServeArgs;
use crate::config::AppConfig;
use crate::lifecycle::termination_signal;

/// Builds the application and serves until a termination signal.
pub async fn run(config: AppConfig, _args: ServeArgs) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    app.run_until_stopped(termination_signal()).await
}
