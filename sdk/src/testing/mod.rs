//! `cargo test` for Durable Objects: your objects, built from your crate, on
//! the real runtime (workerd), called from ordinary Rust tests with the same
//! typed stubs your worker uses. Outside Wasm only.
//!
//! ```no_run
//! use durable::prelude::*;
//! use durable::testing::TestEnv;
//! # #[durable_object] pub struct Counter { state: State }
//! # #[durable_object] impl Counter {
//! #     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//! #     pub async fn increment(&self, by: i64) -> Result<i64> { Ok(by) }
//! #     pub async fn get_counter_value(&self) -> Result<i64> { Ok(0) }
//! # }
//!
//! #[durable::test]
//! async fn increments(env: TestEnv) -> durable::Result<()> {
//!     let counter = env.namespace::<Counter>().get_by_name("a")?;
//!     assert_eq!(counter.increment(5).await?, 5);
//!     env.run_alarm(&counter).await?; // fire the object's alarm now (false: none was set)
//!     env.evict(&counter).await?; // drop it from memory; storage stays
//!     assert_eq!(counter.get_counter_value().await?, 5);
//!     Ok(())
//! }
//! ```
//!
//! # How it runs
//! - The first test of a test binary builds the crate under test with
//!   `durable build --test-hooks` (the Wasm in the `dev` profile, into
//!   `target/durable-test/<package>`; `DURABLE_TEST_PROFILE` picks another)
//!   and starts one workerd for the whole binary. The build and the runtime
//!   are shared by the binary's tests, which run in parallel.
//! - workerd serves one copy of the worker per test slot (as many slots as
//!   tests run at once: `RUST_TEST_THREADS`, else the machine's cores, at
//!   most 16; `DURABLE_TEST_SLOTS` overrides), each with storage of its own.
//!   A test leases a slot; when it ends, passed, failed or panicked, every
//!   object it built there loses its storage, its alarm and its memory
//!   before another test gets the slot. So tests see nothing of each other,
//!   whatever their order, and an object's `ctx.id.name` is the name the
//!   test asked for.
//! - A test's stubs work while the test runs. When it ends, the calls it
//!   left running (a thread that kept a stub) are waited for, and later
//!   calls fail ("this stub's test has ended"), before the slot is wiped: so
//!   nothing of a test lands in the next test's slot.
//! - workerd is stopped and its files removed when the test binary exits,
//!   also after failed tests, on every platform (an exit handler; the files
//!   of a binary that was killed are removed by the next run). On Linux
//!   workerd also dies with a binary that is killed outright (the
//!   parent-death signal); elsewhere it is left running then.
//! - The tools: the `durable` CLI is `DURABLE_CLI`, else the SDK checkout's
//!   `cli/` (when `durable` is a path dependency), built with cargo, else
//!   `durable` on `PATH`; workerd is `DURABLE_WORKERD`, else the one in the
//!   nearest `node_modules` above the crate (`npm install` brings it with
//!   wrangler). A missing one fails every test with what to run.
//! - A call waits at most `DURABLE_TEST_TIMEOUT` seconds (60). workerd's log
//!   is kept, and echoed to stderr with `DURABLE_TEST_LOG=1`.
//!
//! # Values
//! Arguments and results cross as JSON between the test and the driver
//! worker, which makes the real JavaScript RPC call: the object sees the
//! same JavaScript values as from a worker, with these differences: bytes
//! (`Bytes`, `Vec<u8>`) arrive as arrays of numbers (which the SDK accepts
//! for both), `NaN` and infinities as `null`, and integers beyond 2^53 are
//! not exact in arguments (results are: `BigInt`s come back exact).
//!
//! Every other value RPC passes works too. A test's calls go through one
//! session with the driver (a WebSocket, opened by the test's first call),
//! so what a call returns lives until the test ends:
//! - **Capabilities**: a method returning `Capability<T>` gives the typed
//!   stub (`SessionStub`), whose calls reach the object's value; `dup()`
//!   makes a second owner, dropping the stub disposes the capability, and
//!   whatever the test still holds is disposed when it ends.
//!   `<method>_pipelined` works as in Wasm (the driver makes the pipelined
//!   call, and the stub's calls travel on its promise).
//! - **Callbacks**: [`Callback::new`](crate::rpc::Callback::new) of a Rust
//!   closure. The object's calls of it come back to the test's thread, which
//!   runs the closure while the test awaits; an `Err` fails the object's
//!   call with its message, and so does a panic, which then fails the test.
//!   Dropping the test's last clone releases it: the object's later calls
//!   fail, saying so.
//! - **Byte streams**: [`ByteStream::from_chunks`](crate::rpc::ByteStream::from_chunks)
//!   (or `from_stream`, read to its end when made) as an argument; a
//!   `ByteStream` result is read to its end by the driver and read by the
//!   test with `into_chunks`. [`sink`] makes a `ByteSink` argument and a
//!   [`TestSink`] that reads what the object wrote.
//! - **HTTP values**: `HttpRequest::from(TestRequest)`,
//!   `HttpResponse::from(TestResponse)`, `HttpHeaders::from(vec![..])` as
//!   arguments; `TestResponse::try_from(HttpResponse)` reads one answered
//!   (its body read to its end).
//! - **Stubs as values**: a typed stub from `TestEnv::namespace` passed as
//!   an argument reaches the object it leads to; one the object answers
//!   leads to the object it named, in the test's slot.
//!
//! ```no_run
//! use durable::prelude::*;
//! use durable::rpc::{Callback, Capability};
//! # pub struct Claim { job: String }
//! # #[durable::rpc_target] impl Claim { pub fn job(&self) -> String { self.job.clone() } }
//! # #[durable_object] pub struct Board { state: State }
//! # #[durable_object] impl Board {
//! #     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//! #     pub async fn claim(&self, worker: String, notify: Callback<(String,), ()>) -> Result<Capability<Claim>> {
//! #         notify.call((worker,)).await?; Ok(Capability::new(Claim { job: "build".into() }))
//! #     }
//! # }
//!
//! #[durable::test]
//! async fn claims(env: durable::testing::TestEnv) -> durable::Result<()> {
//!     let board = env.namespace::<Board>().get_by_name("jobs")?;
//!     let heard = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
//!     let log = heard.clone();
//!     let notify = Callback::new(move |(said,): (String,)| {
//!         log.borrow_mut().push(said);
//!         async { Ok::<(), String>(()) }
//!     });
//!     let claim = board.claim("ada".into(), notify).await?; // a ClaimStub
//!     assert_eq!(claim.job().await?, "build");
//!     assert_eq!(*heard.borrow(), ["ada"]);
//!     drop(claim); // disposed on the object's side
//!     Ok(())
//! }
//! ```
//!
//! Outside Wasm nothing reaches JavaScript: the SDK's Wasm-only calls
//! (`Stub::call` and `fetch` with JavaScript values, `ByteSink::writer`,
//! `HttpResponse::streaming`, `RemoteCapability::call`) answer an `Err`
//! saying what a test uses instead, rather than aborting the test binary.
//!
//! # Restart
//! [`TestEnv::restart`] stops workerd and starts it again on the same
//! storage. It would take memory away from the other tests sharing the
//! runtime, so it needs a runtime of the test's own:
//! `#[durable::test(private)]` (a workerd for that test alone, started for
//! it and stopped after it).

mod build;
mod executor;
mod fetch;
mod http;
mod workerd;
mod session;
mod socket;
mod storage;
mod target;
pub(crate) mod values;

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

pub use fetch::{TestRequest, TestResponse};
pub use socket::{Message, TestSocket};
pub use storage::TestStorage;
pub use values::{sink, TestSink};
pub(crate) use executor::block_on as block_on_here;
pub(crate) use target::Target;
pub(crate) use values::{base64, describe, unbase64};
#[doc(hidden)]
pub use target::{arg_to_json, call_capability, call_pipelined, call_stub, Callee, HostCallee};

use crate::rpc::{Class, RpcError, Stub};
use crate::{Error, Result};
use build::Bundle;
use workerd::Workerd;
use target::{At, Lease};

/// A stub the test harness can address: every typed stub outside Wasm, and
/// [`Stub`]. Implemented by `#[durable_object]`; what [`TestEnv`]'s hooks take.
///
/// ```no_run
/// # use durable::prelude::*;
/// # #[durable_object] pub struct Counter { state: State }
/// # #[durable_object] impl Counter { pub fn new(state: State, _env: Env) -> Self { Self { state } } }
/// use durable::testing::{TestEnv, TestStub};
///
/// async fn fire_now(env: &TestEnv, stub: &impl TestStub) -> durable::Result<bool> {
///     env.run_alarm(stub).await
/// }
/// # async fn demo(env: TestEnv) -> durable::Result<()> {
/// let counter = env.namespace::<Counter>().get_by_name("a")?;
/// fire_now(&env, &counter).await?;
/// # Ok(()) }
/// ```
pub trait TestStub {
    /// The untyped stub.
    fn test_stub(&self) -> &Stub;
}

impl TestStub for Stub {
    fn test_stub(&self) -> &Stub {
        self
    }
}

/// What one test sees of the runtime: namespaces of the classes under test,
/// and the hooks (alarm now, eviction, restart, storage) no worker has.
/// `#[durable::test]` passes one to the test.
///
/// ```no_run
/// # use durable::prelude::*;
/// # #[durable_object] pub struct Counter { state: State }
/// # #[durable_object] impl Counter {
/// #     pub fn new(state: State, _env: Env) -> Self { Self { state } }
/// #     pub async fn increment(&self, by: i64) -> Result<i64> { Ok(by) }
/// # }
/// #[durable::test]
/// async fn counts(env: durable::testing::TestEnv) -> durable::Result<()> {
///     let a = env.namespace::<Counter>().get_by_name("a")?;
///     assert_eq!(a.increment(2).await?, 2);
///     Ok(())
/// }
/// ```
pub struct TestEnv {
    lease: Arc<Lease>,
}

impl fmt::Debug for TestEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestEnv").field("slot", &self.lease.slot).field("private", &self.lease.runtime.private).finish()
    }
}

/// A class's namespace in the test's slot: stubs by name or id, and the ids
/// of the objects the test built.
///
/// ```no_run
/// # use durable::prelude::*;
/// # #[durable_object] pub struct Counter { state: State }
/// # #[durable_object] impl Counter { pub fn new(state: State, _env: Env) -> Self { Self { state } } }
/// # async fn demo(env: durable::testing::TestEnv) -> durable::Result<()> {
/// let counters = env.namespace::<Counter>();
/// let a = counters.get_by_name("a")?;
/// let ids = counters.list_ids().await?;
/// # Ok(()) }
/// ```
pub struct TestNamespace<T> {
    lease: Arc<Lease>,
    class: std::result::Result<String, String>,
    _class: PhantomData<fn() -> T>,
}

/// The id of an object in the test runtime: its 64 hexadecimal digits.
///
/// ```no_run
/// # use durable::prelude::*;
/// # #[durable_object] pub struct Counter { state: State }
/// # #[durable_object] impl Counter { pub fn new(state: State, _env: Env) -> Self { Self { state } } }
/// # async fn demo(env: durable::testing::TestEnv) -> durable::Result<()> {
/// let counters = env.namespace::<Counter>();
/// for id in counters.list_ids().await? {
///     println!("{id}"); // the hex id, as `ctx.id.toString()`
///     let again = counters.get(&id)?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TestId(String);

impl TestId {
    /// The id's hexadecimal string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<T: Class> TestNamespace<T> {
    fn class(&self) -> Result<&str> {
        self.class.as_deref().map_err(|e| Error::Message(e.clone()))
    }

    fn stub(&self, at: At) -> Result<T::Stub> {
        let target = Target { lease: self.lease.clone(), class: self.class()?.to_owned(), at };
        Ok(Stub::for_host(std::sync::Arc::new(target)).into())
    }

    /// The typed stub of the object named `name` (`getByName`: the object's
    /// `ctx.id.name` is `name`).
    pub fn get_by_name(&self, name: &str) -> Result<T::Stub> {
        self.stub(At::Name(name.to_owned()))
    }

    /// The typed stub of the object with the id `id`.
    pub fn get(&self, id: &TestId) -> Result<T::Stub> {
        self.stub(At::Id(id.0.clone()))
    }

    /// The ids of the class's objects this test has built (constructed at
    /// least once), and, on a private runtime, of every object with storage,
    /// also from before a restart. Sorted.
    pub async fn list_ids(&self) -> Result<Vec<TestId>> {
        let class = self.class()?;
        let built: Vec<String> = self.lease.driver("/ids", &serde_json::json!({ "class": class }))?;
        let mut ids: Vec<String> = built;
        if self.lease.runtime.private {
            ids.extend(stored_ids(&self.lease.runtime.storage.join(Workerd::unique_key(self.lease.slot, class))));
        }
        ids.sort();
        ids.dedup();
        Ok(ids.into_iter().map(TestId).collect())
    }
}

/// The ids of the objects with a database in a namespace's storage directory.
fn stored_ids(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".sqlite").map(str::to_owned))
        .filter(|name| name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect()
}

impl TestEnv {
    /// The namespace of the class `T`, found by the binding it declares
    /// ([`Class::BINDING`]) in the worker's wrangler config.
    pub fn namespace<T: Class>(&self) -> TestNamespace<T> {
        let manifest = &self.lease.runtime.bundle.manifest;
        let class = manifest.class_of(T::BINDING).map(str::to_owned).ok_or_else(|| {
            format!(
                "no class of this worker is bound as `{}`: the test runtime serves the classes of the crate under test ({})",
                T::BINDING,
                manifest.classes.join(", ")
            )
        });
        TestNamespace { lease: self.lease.clone(), class, _class: PhantomData }
    }

    /// Fires the object's alarm now, if one is set: clears it, as the runtime
    /// does, then runs the object's `alarm` handler and waits for it.
    /// `Ok(false)` when no alarm was set; the handler's failure is an `Err`.
    pub async fn run_alarm(&self, stub: &impl TestStub) -> Result<bool> {
        Ok(self.target(stub)?.hook("alarm", vec![])?)
    }

    /// When the object's alarm is set for (milliseconds since the Unix epoch),
    /// if it is.
    pub async fn alarm_time(&self, stub: &impl TestStub) -> Result<Option<f64>> {
        Ok(self.target(stub)?.hook("getAlarm", vec![])?)
    }

    /// Drops the object from memory (`ctx.abort()`); its storage stays. The
    /// next call constructs it again, as after an eviction or hibernation.
    /// Its WebSockets are disconnected.
    pub async fn evict(&self, stub: &impl TestStub) -> Result<()> {
        match self.target(stub)?.hook::<serde_json::Value>("evict", vec![]) {
            // The abort ends the call that made it.
            Ok(_) => Ok(()),
            Err(RpcError::Remote(m) | RpcError::Transport(m)) if m.contains("evicted by the test") => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Restarts the runtime: every object's memory is gone, storage (and
    /// alarms) stay. Needs `#[durable::test(private)]`: on the shared
    /// runtime it would reset the other tests' objects under them.
    pub async fn restart(&self) -> Result<()> {
        if !self.lease.runtime.private {
            return Err(Error::Message(
                "restart needs a runtime of the test's own: write #[durable::test(private)] (the shared runtime serves other tests)".into(),
            ));
        }
        // The test's session ends with the runtime: the next call opens another.
        if let Some(session) = self.lease.open_session() {
            session.close();
        }
        self.lease.runtime.restart().map_err(Error::Message)
    }

    /// The object's storage, read and written from the test.
    pub fn storage(&self, stub: &impl TestStub) -> Result<TestStorage> {
        Ok(TestStorage::new(self.target(stub)?.clone()))
    }

    /// Sends `request` to the object's `fetch` handler.
    pub async fn fetch(&self, stub: &impl TestStub, request: TestRequest) -> Result<TestResponse> {
        fetch::send(self.target(stub)?, request)
    }

    /// Sends `request` to the worker's own `fetch` handler (`#[event(fetch)]`),
    /// whose Durable Object bindings lead to the test's objects.
    ///
    /// ```no_run
    /// # async fn demo(env: durable::testing::TestEnv) -> durable::Result<()> {
    /// let answer = env.fetch_worker(durable::testing::TestRequest::get("/apples")).await?;
    /// assert_eq!(answer.text(), "apples: 1\n");
    /// # Ok(()) }
    /// ```
    pub async fn fetch_worker(&self, request: TestRequest) -> Result<TestResponse> {
        fetch::send_to_worker(&self.lease, request)
    }

    /// Opens a WebSocket to the object: a `GET path` with `Upgrade: websocket`
    /// to its `fetch` handler.
    pub async fn websocket(&self, stub: &impl TestStub, path: &str) -> Result<TestSocket> {
        socket::connect(self.target(stub)?, path)
    }

    fn target<'a>(&self, stub: &'a impl TestStub) -> Result<&'a Target> {
        Ok(target::target_of(stub.test_stub())?)
    }
}

/// What a `#[durable::test]` function may return.
#[doc(hidden)]
pub trait TestOutcome {
    /// `Err` with the message the test fails with.
    fn outcome(self) -> std::result::Result<(), String>;
}

impl TestOutcome for () {
    fn outcome(self) -> std::result::Result<(), String> {
        Ok(())
    }
}

impl<E: fmt::Display> TestOutcome for std::result::Result<(), E> {
    fn outcome(self) -> std::result::Result<(), String> {
        self.map_err(|e| e.to_string())
    }
}

/// The shared runtime of this test binary, started by its first test.
fn shared(manifest_dir: &str, package: &str) -> std::result::Result<Arc<Workerd>, String> {
    static SHARED: OnceLock<std::result::Result<Arc<Workerd>, String>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let started = Instant::now();
            let bundle = bundle(manifest_dir, package)?;
            let workerd = build::workerd(Path::new(manifest_dir))?;
            let slots = slots();
            let runtime = Workerd::start(bundle.clone(), workerd, slots, false)?;
            report(&format!(
                "durable::testing: {package} built in {:.1}s, workerd ({slots} slots) ready in {:.1}s",
                bundle.seconds,
                started.elapsed().as_secs_f64()
            ));
            Ok(runtime)
        })
        .clone()
}

/// The test build of the package, made once per test binary.
fn bundle(manifest_dir: &str, package: &str) -> std::result::Result<Arc<Bundle>, String> {
    static BUNDLE: Mutex<Option<std::result::Result<Arc<Bundle>, String>>> = Mutex::new(None);
    let mut bundle = BUNDLE.lock().unwrap_or_else(|e| e.into_inner());
    bundle.get_or_insert_with(|| build::build(Path::new(manifest_dir), package).map(Arc::new)).clone()
}

fn slots() -> usize {
    let from = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<usize>().ok());
    from("DURABLE_TEST_SLOTS")
        .or_else(|| from("RUST_TEST_THREADS"))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, 16)
}

/// A line on the real stderr (not captured by the test harness).
fn report(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Runs one `#[durable::test]`: leases a slot (of the shared runtime, or of
/// a runtime of its own when `private`), runs `test`, wipes the slot, and
/// fails the test with the body's error or panic. Used by the attribute.
#[doc(hidden)]
pub fn __run<F, Fut>(manifest_dir: &str, package: &str, private: bool, test: F)
where
    F: FnOnce(TestEnv) -> Fut,
    Fut: Future,
    Fut::Output: TestOutcome,
{
    let runtime = if private {
        bundle(manifest_dir, package)
            .and_then(|bundle| Ok((bundle, build::workerd(Path::new(manifest_dir))?)))
            .and_then(|(bundle, workerd)| Workerd::start(bundle, workerd, 1, true))
    } else {
        shared(manifest_dir, package)
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(message) => panic!("durable::testing: {message}"),
    };
    let slot = runtime.lease().unwrap_or_else(|message| panic!("durable::testing: {message}"));
    let lease = Arc::new(Lease::new(runtime.clone(), slot));
    let env = TestEnv { lease: lease.clone() };
    let outcome = catch_unwind(AssertUnwindSafe(|| executor::block_on_serving(lease.inbox(), test(env)).outcome()));
    // Whatever happened, the next test must find the slot empty: the calls
    // the test left running end first, and none can start after the wipe.
    let settled = lease.end();
    let wiped = if private {
        Ok(())
    } else if !settled {
        Err(RpcError::Transport("calls the test left running did not end".into()))
    } else {
        lease.wipe()
    };
    runtime.release(slot, wiped.is_ok());
    match outcome {
        Err(panic) => resume_unwind(panic),
        Ok(Err(message)) => panic!("{message}"),
        Ok(Ok(())) => {
            if let Err(e) = wiped {
                panic!("durable::testing: the test passed, but wiping its objects failed: {e}");
            }
        }
    }
}
