//! `exchange init-admin`: create the first super admin, idempotently, refusing weak passwords.

use crate::cli::InitAdminArgs;
use crate::config::AppConfig;
use crate::wiring::{Backends, Ports, Services};
use anyhow::{Context, bail};
use application::admin::{AdminError, InitAdminOutcome};
use domain::Coded;
use domain::locale::Locale;
use std::io::IsTerminal;

/// Where the password comes from, in order: the flag, the variable, a prompt on a terminal.
fn password(args: &InitAdminArgs) -> anyhow::Result<String> {
    if let Some(password) = &args.password {
        return Ok(password.clone());
    }
    if let Ok(password) = std::env::var("EXCHANGE_ADMIN_PASSWORD") {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        bail!("no password given: pass --password, set EXCHANGE_ADMIN_PASSWORD, or run in a terminal to be prompted");
    }
    let first = rpassword::prompt_password("Password for the super admin: ").context("reading the password")?;
    let again = rpassword::prompt_password("Repeat it: ").context("reading the password")?;
    if first != again {
        bail!("the two passwords differ");
    }
    Ok(first)
}

/// Creates the super admin, or confirms it exists. Errors carry the reason in English for operators.
pub async fn run(config: AppConfig, args: InitAdminArgs) -> anyhow::Result<()> {
    let password = password(&args)?;
    let backends = Backends::connect(&config).await.context("connecting the backends")?;
    let services = Services::new(&config, Ports::from_backends(&config, &backends)?).await?;
    let settings = services.settings.current().await?;
    let outcome = services.admin.init_super_admin(&args.username, &args.email, &password, &settings).await;
    backends.close().await;
    match outcome {
        Ok(InitAdminOutcome::Created(user)) => {
            println!("created super admin {} <{}> ({})", user.username, user.email, user.id);
            Ok(())
        }
        Ok(InitAdminOutcome::AlreadyExists(user)) => {
            println!("super admin {} <{}> already exists; nothing changed", user.username, user.email);
            Ok(())
        }
        Err(err) => bail!("{} ({})", explain(&err), err.code()),
    }
}

fn explain(err: &AdminError) -> String {
    adapter_i18n::message(Locale::En, err.code(), &err.params())
}
