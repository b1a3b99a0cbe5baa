//! Running Lua scripts by hash, loading them on first use, with the same fail-fast options as every command.
//!
//! fred's `Script::evalsha_with_reload` needs a plain client and would bypass the per-command options, so
//! scripts go out as `EVALSHA` through the options-carrying pool and fall back to `EVAL` (which also caches the
//! script on the server) after a `NOSCRIPT` reply.

use crate::connection::Conn;
use crate::error::{infra, malformed};
use domain::InfraError;
use fred::prelude::{ClientLike, Value};
use fred::types::scripts::Script;
use fred::types::{ClusterHash, CustomCommand};

/// One Lua script and its SHA-1, built once per adapter.
pub(crate) struct LuaScript {
    script: Script,
}

impl LuaScript {
    /// Wraps the source; the hash is computed here, the server learns the script on first call.
    pub(crate) fn new(source: &'static str) -> Self {
        Self { script: Script::from_lua(source) }
    }

    /// Runs the script with `keys` and `args` and returns its raw reply.
    pub(crate) async fn run(&self, conn: &Conn, keys: &[String], args: Vec<Value>) -> Result<Value, InfraError> {
        let call = |command: &'static str, head: Value| {
            let mut argv = Vec::with_capacity(2 + keys.len() + args.len());
            argv.push(head);
            argv.push(Value::from(keys.len() as i64));
            argv.extend(keys.iter().map(|k| Value::from(k.as_str())));
            argv.extend(args.iter().cloned());
            let client = conn.cmd();
            async move {
                client
                    .custom::<Value, Value>(CustomCommand::new_static(command, ClusterHash::Random, false), argv)
                    .await
            }
        };
        let sha = Value::from(self.script.sha1().clone());
        match call("EVALSHA", sha).await {
            Err(e) if e.details().starts_with("NOSCRIPT") => {
                let source = self.script.lua().ok_or_else(|| malformed("script without source"))?.clone();
                call("EVAL", Value::from(source)).await.map_err(infra)
            }
            result => result.map_err(infra),
        }
    }
}
