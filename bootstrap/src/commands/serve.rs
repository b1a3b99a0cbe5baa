//! `exchange serve`: the HTTP API until SIGINT/SIGTERM.

use crate::app::Application;
use crate::cli::ServeArgs;
use crate::config::AppConfig;
use crate::lifecycle::termination_signal;

/// Builds the application (with the scheduler and its page when `--with-cron`) and serves until a
/// termination signal.
pub async fn run(config: AppConfig, args: ServeArgs) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    if args.with_cron {
        app.start_cron().await?;
    }
    app.run_until_stopped(termination_signal()).await
}
