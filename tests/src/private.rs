//! Servers a test owns outright, for staging outages: a `redis-server` and a `mariadbd` on free ports,
//! started and stopped through their own process handles (never by name), killed when the value drops.
//! The shared servers on 3306 and 6379 are never touched.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a private server may take to accept connections on a loaded two-core machine.
const START_LIMIT: Duration = Duration::from_secs(120);

/// Waits until something accepts TCP connections on `port`, panicking with `what` after [`START_LIMIT`].
async fn wait_listening(port: u16, what: &str, child: &mut Child) {
    let deadline = Instant::now() + START_LIMIT;
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening on {port}: {status}");
        }
        assert!(Instant::now() < deadline, "{what} did not listen on {port} within {START_LIMIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Makes `cmd`'s process die with the test process (SIGKILL on parent death), so a test killed by a
/// timeout leaves no server behind; `Drop` handles every other ending.
pub(crate) fn dies_with_parent(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs between fork and exec and only makes one async-signal-safe prctl call.
    unsafe {
        cmd.pre_exec(|| nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL).map_err(std::io::Error::from))
    }
}

/// Sends `signal` to `child` and reaps it.
fn stop_child(mut child: Child, signal: nix::sys::signal::Signal) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    if nix::sys::signal::kill(pid, signal).is_err() {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// A `redis-server` of the test's own on a free port, without persistence (`--save ''`): a restart comes
/// back empty, like a cache node that was replaced.
pub struct PrivateRedis {
    /// Its port.
    pub port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    /// A server not started yet (its port is reserved only by having been free a moment ago).
    pub fn new() -> Self {
        Self { port: crate::free_port(), child: None }
    }

    /// Starts it (`EXCHANGE_TEST_REDIS_SERVER` overrides the binary) and waits until it accepts connections.
    pub async fn start(&mut self) {
        let binary = std::env::var("EXCHANGE_TEST_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let mut child = dies_with_parent(&mut Command::new(binary))
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server (set EXCHANGE_TEST_REDIS_SERVER to its path)");
        wait_listening(self.port, "private redis-server", &mut child).await;
        self.child = Some(child);
    }

    /// Kills it (SIGKILL: an outage, not a maintenance stop).
    pub fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            stop_child(child, nix::sys::signal::Signal::SIGKILL);
        }
    }

    /// `EXCHANGE__REDIS__*` settings pointing a server at it, keys under `prefix`.
    pub fn env(&self, prefix: &str) -> Vec<(String, String)> {
        vec![
            ("EXCHANGE__REDIS__HOST".into(), "127.0.0.1".into()),
            ("EXCHANGE__REDIS__PORT".into(), self.port.to_string()),
            ("EXCHANGE__REDIS__KEY_PREFIX".into(), prefix.into()),
        ]
    }
}

impl Default for PrivateRedis {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A `mariadbd` of the test's own: a fresh data directory (made once by `mariadb-install-db`, about 6 s),
/// root without a password over TCP on a free port, its socket and files in a temporary directory.
/// `EXCHANGE_TEST_MARIADBD` and `EXCHANGE_TEST_MARIADB_INSTALL_DB` override the binaries.
pub struct PrivateMariaDb {
    /// Its TCP port.
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

fn sbin_fallback(var: &str, name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(var) {
        return PathBuf::from(path);
    }
    let in_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|c| c.exists()))
        .unwrap_or_default();
    in_path.unwrap_or_else(|| PathBuf::from("/usr/sbin").join(name))
}

/// `--user=root` is required by mariadbd when run as root and harmless to leave out otherwise.
fn as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's effective user.
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

impl PrivateMariaDb {
    /// Creates the data directory; the server is not started yet.
    pub fn install() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cmd = Command::new(sbin_fallback("EXCHANGE_TEST_MARIADB_INSTALL_DB", "mariadb-install-db"));
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", dir.path().join("data").display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
        if as_root() {
            cmd.arg("--user=root");
        }
        let out = cmd.output().expect("run mariadb-install-db (apt-get install mariadb-server)");
        assert!(out.status.success(), "mariadb-install-db failed:\n{}", String::from_utf8_lossy(&out.stderr));
        Self { port: crate::free_port(), dir, child: None }
    }

    /// Starts the server and waits until it accepts TCP connections.
    pub async fn start(&mut self) {
        let d = self.dir.path();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(d.join("server.log")).expect("log");
        let mut cmd = Command::new(sbin_fallback("EXCHANGE_TEST_MARIADBD", "mariadbd"));
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", d.join("data").display()))
            .arg(format!("--socket={}", d.join("mysqld.sock").display()))
            .arg(format!("--pid-file={}", d.join("mysqld.pid").display()))
            .arg(format!("--port={}", self.port))
            .args(["--bind-address=127.0.0.1", "--skip-log-bin", "--innodb-buffer-pool-size=32M"])
            .args(["--max-connections=200", "--skip-name-resolve"])
            .stdout(Stdio::null())
            .stderr(Stdio::from(log));
        if as_root() {
            cmd.arg("--user=root");
        }
        let mut child = dies_with_parent(&mut cmd).spawn().expect("start mariadbd");
        wait_listening(self.port, "private mariadbd", &mut child).await;
        self.child = Some(child);
    }

    /// Stops it the way an operator restarting it would (SIGTERM, then waits for the exit).
    pub fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            stop_child(child, nix::sys::signal::Signal::SIGTERM);
        }
    }

    /// Kills it (SIGKILL: a crash; the next start recovers InnoDB).
    pub fn kill(&mut self) {
        if let Some(child) = self.child.take() {
            stop_child(child, nix::sys::signal::Signal::SIGKILL);
        }
    }

    /// `EXCHANGE__DATABASE__*` settings pointing a server at database `name` here (created by the server's
    /// `auto_migrate`).
    pub fn env(&self, name: &str) -> Vec<(String, String)> {
        vec![
            ("EXCHANGE__DATABASE__DRIVER".into(), "mysql".into()),
            ("EXCHANGE__DATABASE__HOST".into(), "127.0.0.1".into()),
            ("EXCHANGE__DATABASE__PORT".into(), self.port.to_string()),
            ("EXCHANGE__DATABASE__USERNAME".into(), "root".into()),
            ("EXCHANGE__DATABASE__PASSWORD".into(), String::new()),
            ("EXCHANGE__DATABASE__DATABASE".into(), name.into()),
        ]
    }

    /// What the server logged (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for PrivateMariaDb {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A MongoDB-compatible server of the test's own (SecantusDB, design notes section 5) keeping its data in a
/// temporary directory, so a restart finds the messages stored before it. The binary is
/// `EXCHANGE_TEST_MONGOD`, else `.venv-mongo/bin/secantusd-py` under the workspace (where `./.ci/services`
/// installs it), else `secantusd-py` on the PATH.
pub struct PrivateMongo {
    /// Its port.
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateMongo {
    /// A server not started yet, with an empty data directory.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("data")).expect("data dir");
        Self { port: crate::free_port(), dir, child: None }
    }

    fn binary() -> PathBuf {
        if let Some(path) = std::env::var_os("EXCHANGE_TEST_MONGOD") {
            return PathBuf::from(path);
        }
        let venv = crate::workspace_root().join(".venv-mongo/bin/secantusd-py");
        if venv.exists() { venv } else { PathBuf::from("secantusd-py") }
    }

    /// Starts it and waits until it accepts connections.
    pub async fn start(&mut self) {
        let d = self.dir.path();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(d.join("server.log")).expect("log");
        let mut child = dies_with_parent(&mut Command::new(Self::binary()))
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string(), "--sync-on-commit"])
            .arg("--storage-path")
            .arg(d.join("data"))
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start secantusd-py (./.ci/services installs it; or set EXCHANGE_TEST_MONGOD)");
        wait_listening(self.port, "private MongoDB-compatible server", &mut child).await;
        self.child = Some(child);
    }

    /// Kills it (SIGKILL: a crash; committed writes are on disk).
    pub fn kill(&mut self) {
        if let Some(child) = self.child.take() {
            stop_child(child, nix::sys::signal::Signal::SIGKILL);
        }
    }

    /// `EXCHANGE__MONGODB__*` settings pointing a server at database `name` here.
    pub fn env(&self, name: &str) -> Vec<(String, String)> {
        vec![
            ("EXCHANGE__MONGODB__URI".into(), format!("mongodb://127.0.0.1:{}/?directConnection=true", self.port)),
            ("EXCHANGE__MONGODB__DATABASE".into(), name.into()),
        ]
    }
}

impl Default for PrivateMongo {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for PrivateMongo {
    fn drop(&mut self) {
        self.kill();
    }
}
