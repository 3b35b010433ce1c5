//! The test runtime: one workerd process serving `slots` copies of the
//! user's worker, each with storage of its own (its own `uniqueKey` per
//! class), behind a router that picks the copy by the `x-durable-test-slot`
//! header. A test leases a slot; on release, everything the test built there
//! is wiped (storage, alarm, memory) before the next test gets it.
//!
//! Nothing outlives the test binary, on every platform:
//! - a runtime's files are a run directory under the system's temporary
//!   directory (its storage) and a config beside the bundle; the run
//!   directory holds `owner.lock`, locked by the test binary while it runs
//!   (the OS releases the lock when the process ends, however it ends);
//! - when the binary exits (all tests done, passed or failed), a handler
//!   registered with the C library's `atexit` stops every runtime still
//!   running and removes its files (the shared runtime lives in a `static`,
//!   which Rust never drops);
//! - each start removes the run directories (and configs) whose lock nobody
//!   holds: those of binaries that were killed before their exit handler ran;
//! - on Linux, workerd also gets the parent-death signal, so it dies with a
//!   binary that is killed outright (SIGKILL). Elsewhere such a kill leaves
//!   workerd running (Ctrl-C in a terminal reaches workerd too: it is in the
//!   binary's process group / console).

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::build::Bundle;
use super::http;

/// How long a call may take before the harness gives up on it.
fn timeout() -> Duration {
    let seconds = std::env::var("DURABLE_TEST_TIMEOUT").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    Duration::from_secs(seconds)
}

/// One workerd, its slots and its storage.
pub(crate) struct Workerd {
    pub bundle: Arc<Bundle>,
    workerd: PathBuf,
    config: PathBuf,
    pub storage: PathBuf,
    slots: usize,
    process: Mutex<Option<Process>>,
    pool: Mutex<Pool>,
    returned: Condvar,
    pub timeout: Duration,
    /// Whether the runtime serves a single test (may restart).
    pub private: bool,
    /// What this runtime's router answers the readiness probe: another test
    /// binary's workerd on the same port answers something else.
    nonce: String,
    /// The run directory (storage below it).
    run: PathBuf,
    /// Its `owner.lock`, locked while the runtime may use the directory.
    owner: Mutex<Option<std::fs::File>>,
}

struct Pool {
    free: Vec<usize>,
    /// Slots whose wipe failed: never leased again.
    poisoned: usize,
}

struct Process {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<u8>>>,
}

impl std::fmt::Debug for Workerd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workerd").field("bundle", &self.bundle.dir).field("slots", &self.slots).field("private", &self.private).finish()
    }
}

impl Workerd {
    /// Writes the config and starts workerd.
    pub fn start(bundle: Arc<Bundle>, workerd: PathBuf, slots: usize, private: bool) -> Result<Arc<Self>, String> {
        let (run, owner) = run_dir()?;
        let storage = run.join("storage");
        std::fs::create_dir_all(&storage).map_err(|e| format!("creating {}: {e}", storage.display()))?;
        // `embed` paths are relative to the config file: it lives in the bundle.
        remove_stale_configs(&bundle.dir, &std::env::temp_dir());
        let config = bundle.dir.join(format!("{CONFIG_PREFIX}{}.capnp", run.file_name().and_then(|n| n.to_str()).unwrap_or("run")));
        let runtime = Arc::new(Workerd {
            run,
            owner: Mutex::new(Some(owner)),
            bundle,
            workerd,
            config,
            storage,
            slots,
            process: Mutex::new(None),
            pool: Mutex::new(Pool { free: (0..slots).rev().collect(), poisoned: 0 }),
            returned: Condvar::new(),
            timeout: timeout(),
            private,
            nonce: fresh_nonce(),
        });
        at_exit(&runtime);
        runtime.spawn()?;
        Ok(runtime)
    }

    /// The address of the running workerd.
    pub fn addr(&self) -> Result<SocketAddr, String> {
        self.process.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(|p| p.addr).ok_or_else(|| "the test runtime is not running".to_owned())
    }

    /// The last lines workerd printed.
    pub fn log_tail(&self) -> String {
        match self.process.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            Some(p) => tail(&p.log),
            None => String::new(),
        }
    }

    fn spawn(&self) -> Result<(), String> {
        let mut last = String::new();
        // A port found free may be taken before workerd binds it: retry.
        for _ in 0..3 {
            let port = free_port()?;
            std::fs::write(&self.config, self.config_text(port)).map_err(|e| format!("writing {}: {e}", self.config.display()))?;
            let mut command = Command::new(&self.workerd);
            command.arg("serve").arg(&self.config).arg("--experimental").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
            let mut child = keeper_spawn(command).map_err(|e| format!("starting {}: {e}", self.workerd.display()))?;
            let log = Arc::new(Mutex::new(Vec::new()));
            for out in [child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>), child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>)].into_iter().flatten() {
                let log = log.clone();
                std::thread::spawn(move || collect(out, &log));
            }
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let exited = || child.try_wait().ok().flatten().map(|status| format!("workerd exited ({status})"));
            match wait_ready(exited, addr, &self.nonce, Duration::from_secs(20)) {
                Ok(()) => {
                    *self.process.lock().unwrap_or_else(|e| e.into_inner()) = Some(Process { child, addr, log });
                    return Ok(());
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    std::thread::sleep(Duration::from_millis(50));
                    last = format!("{e}\nworkerd said:\n{}", tail(&log));
                }
            }
        }
        Err(format!("the test runtime (workerd) did not start: {last}"))
    }

    /// Stops workerd (storage stays).
    pub fn stop(&self) {
        if let Some(mut process) = self.process.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = process.child.kill();
            let _ = process.child.wait();
        }
    }

    /// Stops workerd and starts it again on the same storage.
    pub fn restart(&self) -> Result<(), String> {
        self.stop();
        self.spawn()
    }

    /// Waits for a free slot.
    pub fn lease(&self) -> Result<usize, String> {
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(slot) = pool.free.pop() {
                return Ok(slot);
            }
            if pool.poisoned == self.slots {
                return Err("every slot of the test runtime failed to wipe after a test; see the earlier failures".into());
            }
            pool = self.returned.wait(pool).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Gives `slot` back: usable again only if `clean`.
    pub fn release(&self, slot: usize, clean: bool) {
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        if clean {
            pool.free.push(slot);
        } else {
            pool.poisoned += 1;
        }
        self.returned.notify_all();
    }

    /// The unique key of `class`'s namespace in `slot`: its storage directory's name.
    pub fn unique_key(slot: usize, class: &str) -> String {
        format!("slot{slot}-{class}")
    }

    fn config_text(&self, port: u16) -> String {
        let manifest = &self.bundle.manifest;
        let mut services = String::new();
        let mut router_bindings = Vec::new();
        let modules: Vec<String> = manifest
            .modules
            .iter()
            .map(|m| {
                let kind = if m.kind == "wasm" { "wasm" } else { "esModule" };
                format!("(name = {name}, {kind} = embed {name})", name = capnp_string(&m.name))
            })
            .collect();
        let flags: Vec<String> = manifest.compatibility_flags.iter().map(|f| capnp_string(f)).collect();
        for slot in 0..self.slots {
            let namespaces: Vec<String> = manifest
                .classes
                .iter()
                .map(|c| format!("(className = {}, uniqueKey = {}, enableSql = true)", capnp_string(c), capnp_string(&Self::unique_key(slot, c))))
                .collect();
            let mut bindings: Vec<String> = manifest
                .bindings
                .iter()
                .map(|b| format!("(name = {}, durableObjectNamespace = {})", capnp_string(&b.name), capnp_string(&b.class)))
                .collect();
            for class in &manifest.classes {
                bindings.push(format!("(name = {}, durableObjectNamespace = {})", capnp_string(&format!("__DURABLE_NS_{class}")), capnp_string(class)));
            }
            for (name, value) in &manifest.vars {
                match value {
                    serde_json::Value::String(text) => bindings.push(format!("(name = {}, text = {})", capnp_string(name), capnp_string(text))),
                    other => bindings.push(format!("(name = {}, json = {})", capnp_string(name), capnp_string(&other.to_string()))),
                }
            }
            let _ = write!(
                services,
                "    (name = \"slot{slot}\", worker = (\n      modules = [{}],\n      compatibilityDate = {},\n      compatibilityFlags = [{}],\n      \
                 durableObjectNamespaces = [{}],\n      durableObjectStorage = (localDisk = \"storage\"),\n      bindings = [{}],\n    )),\n",
                modules.join(", "),
                capnp_string(&manifest.compatibility_date),
                flags.join(", "),
                namespaces.join(", "),
                bindings.join(", "),
            );
            router_bindings.push(format!("(name = \"SLOT{slot}\", service = (name = \"slot{slot}\", entrypoint = \"__durableTest\"))"));
            router_bindings.push(format!("(name = \"WORKER{slot}\", service = \"slot{slot}\")"));
        }
        router_bindings.push(format!("(name = \"NONCE\", text = {})", capnp_string(&self.nonce)));
        format!(
            "# Generated by durable::testing for one test run. Do not edit.\n\
             using Workerd = import \"/workerd/workerd.capnp\";\n\
             const config :Workerd.Config = (\n  services = [\n\
             {services}    (name = \"router\", worker = (\n      modules = [(name = \"router.mjs\", esModule = {router})],\n      \
             compatibilityDate = \"2025-09-01\",\n      bindings = [{bindings}],\n    )),\n    \
             (name = \"storage\", disk = (path = {storage}, writable = true)),\n  ],\n  \
             sockets = [(name = \"http\", address = \"127.0.0.1:{port}\", http = (), service = \"router\")],\n);\n",
            router = capnp_string(ROUTER_JS),
            bindings = router_bindings.join(", "),
            storage = capnp_string(&self.storage.to_string_lossy()),
        )
    }
}

impl Workerd {
    /// Stops workerd and removes the runtime's files.
    fn shut_down(&self) {
        self.stop();
        let _ = std::fs::remove_file(&self.config);
        // Unlocked and closed first: Windows removes no open file.
        drop(self.owner.lock().unwrap_or_else(|e| e.into_inner()).take());
        let _ = std::fs::remove_dir_all(&self.run);
    }
}

impl Drop for Workerd {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// The runtimes not yet dropped, for the exit handler.
static LIVE: Mutex<Vec<std::sync::Weak<Workerd>>> = Mutex::new(Vec::new());

/// Registers `runtime` with the exit handler (installed by the first call).
fn at_exit(runtime: &Arc<Workerd>) {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    live.retain(|r| r.strong_count() > 0);
    live.push(Arc::downgrade(runtime));
    drop(live);
    INSTALLED.get_or_init(|| {
        extern "C" {
            fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
        }
        // SAFETY: `atexit` is the C standard library's (glibc, musl, macOS's
        // libSystem, Windows' CRT: all link with Rust's std); its only
        // argument is a function pointer, here to a `'static` `extern "C"`
        // function that never unwinds (it catches panics), which the C
        // library calls once, from `exit`, after which no Rust code of ours
        // runs. A failure to register (nonzero) only loses the cleanup.
        let _ = unsafe { atexit(shut_down_at_exit) };
    });
}

/// Stops every runtime still running and removes its files, as the process
/// exits (the shared runtime lives in a `static`, never dropped).
extern "C" fn shut_down_at_exit() {
    let _ = std::panic::catch_unwind(|| {
        let live = std::mem::take(&mut *LIVE.lock().unwrap_or_else(|e| e.into_inner()));
        for runtime in live.iter().filter_map(std::sync::Weak::upgrade) {
            runtime.shut_down();
        }
    });
}

/// Routes each request to the slot its `x-durable-test-slot` header names:
/// to the worker's own `fetch` with `x-durable-test-worker`, else to the
/// slot's test driver. Without a slot, it answers the runtime's nonce (the
/// readiness probe).
const ROUTER_JS: &str = r#"export default {
  fetch(request, env) {
    const slot = request.headers.get("x-durable-test-slot");
    if (slot === null) return new Response(`durable-test-runtime ${env.NONCE}`);
    if (request.headers.has("x-durable-test-worker")) {
      const worker = env[`WORKER${slot}`];
      if (worker === undefined) return new Response(`no slot ${slot}`, { status: 599 });
      const forwarded = new Request(request);
      for (const name of [...forwarded.headers.keys()]) if (name.startsWith("x-durable-test-")) forwarded.headers.delete(name);
      return worker.fetch(forwarded);
    }
    const target = env[`SLOT${slot}`];
    if (target === undefined) return new Response(`no slot ${slot}`, { status: 599 });
    return target.fetch(request);
  },
};
"#;

/// A Cap'n Proto text literal.
fn capnp_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Waits until the runtime at `addr` answers the probe with `nonce`, so with
/// the config written for this run: a workerd of another test binary that
/// took the port first answers another nonce. `exited` says why the process
/// is gone, if it is.
fn wait_ready(mut exited: impl FnMut() -> Option<String>, addr: SocketAddr, nonce: &str, limit: Duration) -> Result<(), String> {
    let started = Instant::now();
    let expected = format!("durable-test-runtime {nonce}");
    let mut stranger = None;
    while started.elapsed() < limit {
        if let Some(why) = exited() {
            return Err(why);
        }
        if let Ok(answer) = http::send(addr, "GET", "/", &[], &[], Duration::from_secs(2)) {
            if answer.status == 200 && answer.body == expected.as_bytes() {
                return Ok(());
            }
            stranger = Some(answer.status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(match stranger {
        Some(status) => format!(
            "another server (another test binary's workerd?) answered on {addr} with {status} for {}s, not this run's",
            limit.as_secs()
        ),
        None => format!("workerd did not answer within {}s", limit.as_secs()),
    })
}

/// A value no other run picks: hex of hashes seeded by the OS (per process),
/// the time, the process id and a counter.
fn fresh_nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let mut out = String::new();
    for round in 0..2u64 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        hasher.write_u32(std::process::id());
        hasher.write_u64(COUNT.fetch_add(1, Ordering::Relaxed));
        hasher.write_u64(round);
        let _ = write!(out, "{:016x}", hasher.finish());
    }
    out
}

/// Keeps what workerd prints (the last 256 KiB); echoes it to stderr with
/// `DURABLE_TEST_LOG=1`.
fn collect(mut out: Box<dyn Read + Send>, log: &Mutex<Vec<u8>>) {
    let echo = std::env::var("DURABLE_TEST_LOG").is_ok_and(|v| v == "1");
    let mut buf = [0u8; 8192];
    while let Ok(n) = out.read(&mut buf) {
        if n == 0 {
            break;
        }
        if echo {
            let _ = std::io::stderr().write_all(&buf[..n]);
        }
        let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
        log.extend_from_slice(&buf[..n]);
        let excess = log.len().saturating_sub(256 * 1024);
        log.drain(..excess);
    }
}

fn tail(log: &Mutex<Vec<u8>>) -> String {
    let log = log.lock().unwrap_or_else(|e| e.into_inner());
    let text = String::from_utf8_lossy(&log);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// What run directories (under the system's temporary directory) are named: `durable-test-<pid>-<n>`.
const RUN_PREFIX: &str = "durable-test-";
/// What configs (in the bundle) are named: `workerd-durable-test-<pid>-<n>.capnp`, after their run directory.
const CONFIG_PREFIX: &str = "workerd-";
/// The file of a run directory its test binary keeps locked.
const OWNER_LOCK: &str = "owner.lock";

/// A fresh directory for one runtime's storage, under the system's temporary
/// directory, and its `owner.lock`, locked. Those of test binaries that are
/// no longer running are removed first.
fn run_dir() -> Result<(PathBuf, std::fs::File), String> {
    static NEXT: Mutex<u32> = Mutex::new(0);
    let base = std::env::temp_dir();
    remove_stale_runs(&base);
    let n = {
        let mut next = NEXT.lock().unwrap_or_else(|e| e.into_inner());
        *next += 1;
        *next
    };
    let dir = base.join(format!("{RUN_PREFIX}{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let owner = lock_owner(&dir)?;
    Ok((dir, owner))
}

/// Creates and locks `dir`'s owner lock.
fn lock_owner(dir: &Path) -> Result<std::fs::File, String> {
    let path = dir.join(OWNER_LOCK);
    let file = std::fs::File::create(&path).map_err(|e| format!("creating {}: {e}", path.display()))?;
    file.try_lock().map_err(|e| format!("locking {}: {e}", path.display()))?;
    Ok(file)
}

/// Whether the run directory `dir` is abandoned: nobody holds its owner
/// lock (its test binary ended). A directory without one is abandoned once
/// it is an hour old (one being created has it within moments).
fn abandoned(dir: &Path) -> bool {
    match std::fs::File::open(dir.join(OWNER_LOCK)) {
        // Taking the lock proves nobody holds it; dropping the file releases it.
        Ok(file) => file.try_lock().is_ok(),
        Err(_) => std::fs::metadata(dir).and_then(|m| m.modified()).is_ok_and(|at| at.elapsed().is_ok_and(|age| age > Duration::from_secs(3600))),
    }
}

/// Removes the abandoned run directories in `base`.
fn remove_stale_runs(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_str().is_some_and(|n| n.starts_with(RUN_PREFIX)) && path.is_dir() && abandoned(&path) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// Removes the configs in `bundle` whose run directory (in `base`) is gone or abandoned.
fn remove_stale_configs(bundle: &Path, base: &Path) {
    let Ok(entries) = std::fs::read_dir(bundle) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(run) = name.to_str().and_then(|n| n.strip_prefix(CONFIG_PREFIX)?.strip_suffix(".capnp")) else { continue };
        if !run.starts_with(RUN_PREFIX) {
            continue;
        }
        let dir = base.join(run);
        if !dir.is_dir() || abandoned(&dir) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Starts `command` from a thread that lives as long as the process. On Linux
/// the child gets SIGKILL when that thread (so, the process) ends: the
/// parent-death signal is tied to the thread that forked, and a test's own
/// thread ends with the test.
fn keeper_spawn(command: Command) -> std::io::Result<Child> {
    type Job = (Command, mpsc::Sender<std::io::Result<Child>>);
    static KEEPER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let keeper = KEEPER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("durable-test-runtime".into())
            .spawn(move || {
                for (mut command, reply) in rx {
                    die_with_parent(&mut command);
                    let _ = reply.send(command.spawn());
                }
            })
            .expect("spawning the runtime keeper thread");
        Mutex::new(tx)
    });
    let (reply, answer) = mpsc::channel();
    keeper
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send((command, reply))
        .map_err(|_| std::io::Error::other("the runtime keeper thread is gone"))?;
    answer.recv().map_err(|_| std::io::Error::other("the runtime keeper thread is gone"))?
}

/// Leaves out the parent-death signal (a knob for the harness's own tests:
/// they check on Linux the cleanup that the other platforms rely on).
fn parent_death_signal_off() -> bool {
    std::env::var("DURABLE_TEST_NO_PARENT_DEATH_SIGNAL").is_ok_and(|v| v == "1")
}

#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    if parent_death_signal_off() {
        return;
    }
    extern "C" {
        fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
    }
    const PR_SET_PDEATHSIG: std::ffi::c_int = 1;
    const SIGKILL: std::ffi::c_ulong = 9;
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {
    let _ = parent_death_signal_off;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capnp_strings_are_escaped() {
        assert_eq!(capnp_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }

    #[test]
    fn only_abandoned_run_directories_and_their_configs_are_removed() {
        let base = std::env::temp_dir().join(format!("durable-sweep-test-{}", std::process::id()));
        let bundle = base.join("bundle");
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&bundle).unwrap();
        // A live run (its lock held here), one whose binary ended (lock file, unlocked).
        let live = base.join("durable-test-1-1");
        let ended = base.join("durable-test-2-1");
        for dir in [&live, &ended] {
            std::fs::create_dir_all(dir.join("storage")).unwrap();
            std::fs::write(bundle.join(format!("workerd-{}.capnp", dir.file_name().unwrap().to_str().unwrap())), "").unwrap();
        }
        let held = lock_owner(&live).unwrap();
        drop(lock_owner(&ended).unwrap());
        // A config whose run directory is gone, and a file of someone else's.
        std::fs::write(bundle.join("workerd-durable-test-3-1.capnp"), "").unwrap();
        std::fs::write(bundle.join("worker.mjs"), "").unwrap();
        remove_stale_configs(&bundle, &base);
        remove_stale_runs(&base);
        let mut left: Vec<String> = std::fs::read_dir(&base).unwrap().chain(std::fs::read_dir(&bundle).unwrap()).map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        assert_eq!(left, ["bundle", "durable-test-1-1", "worker.mjs", "workerd-durable-test-1-1.capnp"]);
        // Once its owner lets go, the live one is abandoned too.
        drop(held);
        assert!(abandoned(&live));
        std::fs::remove_dir_all(&base).unwrap();
    }

    /// A server answering every request with `body`, as a test runtime's router does.
    fn router_answering(body: &'static str) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            }
        });
        addr
    }

    #[test]
    fn the_probe_accepts_only_this_runs_runtime() {
        let nonce = fresh_nonce();
        assert_ne!(nonce, fresh_nonce());
        let limit = Duration::from_millis(300);
        // Another test binary's runtime, of this version or of an older one.
        for other in ["durable-test-runtime 0123456789abcdef0123456789abcdef", "ready"] {
            let error = wait_ready(|| None, router_answering(other), &nonce, limit).unwrap_err();
            assert!(error.contains("another server"), "{error}");
        }
        let ours: &'static str = Box::leak(format!("durable-test-runtime {nonce}").into_boxed_str());
        wait_ready(|| None, router_answering(ours), &nonce, limit).unwrap();
    }
}
