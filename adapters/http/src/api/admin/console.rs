//! `GET /api/v1/admin/console`: what the admin console page needs to know about this deployment beyond
//! the data endpoints: who is signed in, where the scheduler's page is, the limits it should respect.

use crate::api::ApiTags;
use crate::api::models::RoleDto;
use crate::api::security::AdminAuth;
use crate::problem::ApiError;
use crate::state::HttpState;
use application::admin::{AUDIT_EXPORT_CAP, MAX_DAYS};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};

/// The console information operation.
pub struct AdminConsoleApi {
    state: HttpState,
}

impl AdminConsoleApi {
    /// Console information over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

/// The signed-in admin.
#[derive(Object)]
#[oai(example)]
struct ConsoleUserDto {
    /// User id.
    id: String,
    /// Username.
    username: String,
    /// Current role (re-read from the database).
    role: RoleDto,
}

/// Deployment facts for the console page.
#[derive(Object)]
#[oai(example)]
struct ConsoleInfoDto {
    /// The caller.
    me: ConsoleUserDto,
    /// The scheduler's web page (`cron.page_url`), when one is known.
    #[oai(skip_serializing_if_is_none)]
    cron_page_url: Option<String>,
    /// The port of a scheduler page served by this same process (`serve --with-cron`), for a link on the
    /// host the browser already uses; absent otherwise.
    #[oai(skip_serializing_if_is_none)]
    cron_port: Option<u16>,
    /// Languages the API and page speak.
    locales: Vec<String>,
    /// The default language (the `i18n.default_locale` setting).
    default_locale: String,
    /// Most days the daily statistics series covers.
    max_days: u32,
    /// Most rows one audit export holds.
    export_cap: u32,
    /// Server version.
    version: String,
}

impl Example for ConsoleUserDto {
    fn example() -> Self {
        Self { id: crate::api::models::EXAMPLE_USER_ID.into(), username: "root".into(), role: RoleDto::SuperAdmin }
    }
}

impl Example for ConsoleInfoDto {
    fn example() -> Self {
        Self {
            me: ConsoleUserDto::example(),
            cron_page_url: Some("https://cron.example.com/".into()),
            cron_port: None,
            locales: vec!["zh-CN".into(), "en".into()],
            default_locale: "zh-CN".into(),
            max_days: MAX_DAYS,
            export_cap: AUDIT_EXPORT_CAP as u32,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

#[OpenApi(prefix_path = "/api/v1/admin/console", tag = "ApiTags::Admin")]
impl AdminConsoleApi {
    /// Deployment facts for the admin console page: the caller, the scheduler page's address, languages
    /// and limits.
    #[oai(path = "/", method = "get", operation_id = "admin_console_info")]
    async fn info(&self, auth: AdminAuth) -> Result<Json<ConsoleInfoDto>, ApiError> {
        let actor = auth.0;
        let settings = self.state.settings.current().await?;
        let console = &self.state.console;
        Ok(Json(ConsoleInfoDto {
            me: ConsoleUserDto { id: actor.id.to_string(), username: actor.username, role: actor.role.into() },
            cron_page_url: console.cron_page_url.clone(),
            cron_port: console.cron_port,
            locales: domain::locale::Locale::ALL.iter().map(|l| l.as_str().to_owned()).collect(),
            default_locale: settings.default_locale().as_str().to_owned(),
            max_days: MAX_DAYS,
            export_cap: AUDIT_EXPORT_CAP as u32,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }))
    }
}
