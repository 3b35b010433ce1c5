//! The test runtime: one workerd process serving `slots` copies of the
//! user's worker, each with storage of its own (its own `uniqueKey` per
//! class), behind a router that picks the copy by the `x-durable-test-slot`
//! header. A test leases a slot; on release, everything the test built there
//! is wiped (storage, alarm, memory) before the next test gets it.
//!
//! workerd runs as a child of a thread that lives as long as the test binary,
//! with the parent-death signal set on Linux: it is killed when the binary
//! exits, also after a panic.

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
pub(crate) struct Runtime {
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

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").field("bundle", &self.bundle.dir).field("slots", &self.slots).field("private", &self.private).finish()
    }
}

impl Runtime {
    /// Writes the config and starts workerd.
    pub fn start(bundle: Arc<Bundle>, workerd: PathBuf, slots: usize, private: bool) -> Result<Arc<Self>, String> {
        let run = run_dir()?;
        let storage = run.join("storage");
        std::fs::create_dir_all(&storage).map_err(|e| format!("creating {}: {e}", storage.display()))?;
        // `embed` paths are relative to the config file: it lives in the bundle.
        remove_stale(&bundle.dir, "workerd-durable-test-");
        let config = bundle.dir.join(format!("workerd-{}.capnp", run.file_name().and_then(|n| n.to_str()).unwrap_or("run")));
        let runtime = Arc::new(Runtime {
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
        });
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
            match wait_ready(&mut child, addr) {
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

impl Drop for Runtime {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_file(&self.config);
        if let Some(run) = self.storage.parent() {
            let _ = std::fs::remove_dir_all(run);
        }
    }
}

/// Routes each request to the slot its `x-durable-test-slot` header names:
/// to the worker's own `fetch` with `x-durable-test-worker`, else to the
/// slot's test driver.
const ROUTER_JS: &str = r#"export default {
  fetch(request, env) {
    const slot = request.headers.get("x-durable-test-slot");
    if (slot === null) return new Response("ready");
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

fn wait_ready(child: &mut Child, addr: SocketAddr) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("workerd exited ({status})"));
        }
        if let Ok(answer) = http::send(addr, "GET", "/", &[], &[], Duration::from_secs(2)) {
            if answer.status == 200 && answer.body == b"ready" {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err("workerd did not answer within 20s".into())
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

/// A fresh directory for one runtime's storage, under the system's temporary
/// directory; those of test binaries that are no longer running are removed.
fn run_dir() -> Result<PathBuf, String> {
    static NEXT: Mutex<u32> = Mutex::new(0);
    let base = std::env::temp_dir();
    let pid = std::process::id();
    remove_stale(&base, "durable-test-");
    let n = {
        let mut next = NEXT.lock().unwrap_or_else(|e| e.into_inner());
        *next += 1;
        *next
    };
    let dir = base.join(format!("durable-test-{pid}-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Removes the entries of `dir` named `<prefix><pid>-...` whose process is
/// gone (Linux only: elsewhere they stay).
fn remove_stale(dir: &Path, prefix: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let path = entry.path();
            let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
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

#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
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
fn die_with_parent(_command: &mut Command) {}

#[cfg(test)]
mod tests {
    use super::capnp_string;

    #[test]
    fn capnp_strings_are_escaped() {
        assert_eq!(capnp_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }
}
