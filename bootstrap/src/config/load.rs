//! Layering: embedded `configs/default.json`, then `configs/<name>.json`, then environment variables.

use super::{AppConfig, ConfigError};
use config::{Config, Environment, File, FileFormat};
use std::path::{Path, PathBuf};

/// The default configuration, compiled in so the binary runs with no files around it.
pub const EMBEDDED_DEFAULT: &str = include_str!("../../../configs/default.json");

/// Keys whose environment value is a comma-separated list: (variable, key).
const LIST_KEYS: &[(&str, &str)] = &[
    ("EXCHANGE__SERVER__TRUSTED_PROXIES", "server.trusted_proxies"),
    ("EXCHANGE__AUTH__PREVIOUS_PUBLIC_KEYS", "auth.previous_public_keys"),
];

/// Where configuration comes from.
#[derive(Clone, Debug)]
pub struct ConfigSource {
    /// Environment name (`default`, `development`, `test`, `production`) or a path to a JSON file.
    pub name: String,
    /// Directory holding `<name>.json`.
    pub dir: PathBuf,
    /// `(KEY, value)` pairs standing in for the process environment, so tests need not mutate it.
    pub env: Vec<(String, String)>,
}

impl ConfigSource {
    /// Name from `--config`, else `EXCHANGE_ENV`, else `default`; directory from `EXCHANGE_CONFIG_DIR`
    /// or `configs`; variables from the process environment.
    pub fn from_process(cli_name: Option<String>, cli_dir: Option<PathBuf>) -> Self {
        let name = cli_name.or_else(|| std::env::var("EXCHANGE_ENV").ok()).unwrap_or_else(|| "default".into());
        let dir = cli_dir
            .or_else(|| std::env::var_os("EXCHANGE_CONFIG_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("configs"));
        let env = std::env::vars().filter(|(k, _)| k.starts_with("EXCHANGE__")).collect();
        Self { name, dir, env }
    }

    fn file(&self) -> PathBuf {
        let as_path = Path::new(&self.name);
        if self.name.ends_with(".json") { as_path.to_path_buf() } else { self.dir.join(format!("{}.json", self.name)) }
    }
}

/// Loads, layers, deserializes and validates the configuration.
pub fn load(source: &ConfigSource) -> Result<AppConfig, ConfigError> {
    let mut builder = Config::builder().add_source(File::from_str(EMBEDDED_DEFAULT, FileFormat::Json));
    let file = source.file();
    if file.exists() {
        builder = builder.add_source(File::from(file.clone()).format(FileFormat::Json).required(true));
    } else if source.name != "default" {
        return Err(ConfigError::UnknownEnvironment { name: source.name.clone(), path: file.display().to_string() });
    }
    // Values stay strings (typed fields convert when deserialized), so a password or path such as `0123` is
    // not read as the number 123; the list keys are split on commas here.
    let mut env_map = source.env.iter().cloned().collect::<std::collections::HashMap<_, _>>();
    for (var, key) in LIST_KEYS {
        if let Some(raw) = env_map.remove(*var) {
            let items: Vec<String> =
                raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
            builder = builder.set_override(*key, items).map_err(ConfigError::from_config)?;
        }
    }
    builder = builder.add_source(
        Environment::with_prefix("EXCHANGE")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(false)
            .source(Some(env_map)),
    );
    let merged = builder.build().map_err(ConfigError::from_config)?;
    let config: AppConfig = merged.try_deserialize().map_err(ConfigError::from_config)?;
    super::validate::validate(&config)?;
    Ok(config)
}
