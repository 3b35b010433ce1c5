//! What happens when a handler fails: an `Err` answers `500` with its message; a
//! panic answers `500` with the panic message, and the runtime rebuilds the
//! objects from storage. What was committed to storage stays.
//!
//! | route | does |
//! |---|---|
//! | `/faults/put?name=A&key=k&value=v` | stores `v` at `k` |
//! | `/faults/get?name=A&key=k` | answers the value at `k`, `404` if absent |
//! | `/faults/memory?name=A` | counts calls in memory only |
//! | `/faults/error?name=A` | returns `Err` |
//! | `/faults/panic?name=A` | stores `panicked=yes`, then panics |
//! | `/faults/panic-now?name=A` | panics before any `.await` |
//! | `/faults/sleep?name=A&ms=300` | answers `slept` after `ms` milliseconds |
//! | `/faults/panic-blocking?name=A` | panics inside `block_concurrency_while` |
//! | `/faults/arm-load-panics?name=A&n=2` | the next `n` constructions panic in their `block_concurrency_while` load |
//! | `/faults/trap?name=A` | traps (`unreachable`) with no panic before it |
//! | `/faults/overflow?name=A` | overflows the stack by unbounded recursion |
//! | `/faults/tx-panic?name=A&key=k` | inserts `k` in `transaction_sync`, then panics inside it |
//! | `/faults/rows?name=A` | the keys in the table `tx_rows`, one a line |
//! | `/faults/rpc/tx-panic-handled?name=A&key=k` | RPC: the same panic, in a sync method that handles the `Err` and writes on |
//! | `/faults/rpc/too-long?name=A` | RPC: a sync method returning a string longer than V8 allows |
//! | `/faults/rpc/foreign?name=A&when=sync` | RPC: a JavaScript exception unwinds through Rust code (`when=async`: after an await) |
//! | `/faults/rpc/sleep?name=A&ms=10` | RPC: an async method that answers after a delay |
//! | `/faults/callback-panic?name=A&label=L&when=sync` | passes a JavaScript callee a callback that panics (`sync`, `async`, or `none`) |
//! | `/faults/fn-closure?name=A` | calls a `Closure<dyn Fn>` (a closure kind of its own in wasm-bindgen's glue) |
//!
//! Every object runs in its own Wasm instance: a panic or a trap resets only
//! the object it happened in.

use std::cell::Cell;

use durable::prelude::*;
use durable::rpc::Callback;
use wasm_bindgen::prelude::*;
use worker::Url;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` declared without `catch`: a bad text throws through the
    /// Rust frames that called it (what the SDK never does; a user crate may).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse)]
    fn parse_json_unchecked(text: &str) -> JsValue;
}

/// An object that fails on request.
#[durable_object]
pub struct Faults {
    state: State,
    calls: Cell<u64>,
}

#[durable_object]
impl Faults {
    pub fn new(state: State, _env: Env) -> Self {
        // `/faults/arm-load-panics?n=N`: the next N constructions panic while
        // loading, inside `block_concurrency_while`.
        let storage = state.storage();
        let _ = state.block_concurrency_while(async move {
            let left: u32 = storage.get("load-panics").await?.unwrap_or(0);
            if left > 0 {
                storage.put("load-panics", &(left - 1)).await?;
                panic!("the constructor's load panicked on purpose ({left} left)");
            }
            Ok(())
        });
        Self { state, calls: Cell::new(0) }
    }

    /// Panics inside `transaction_sync`, handles the `Err`, and writes on:
    /// nothing of it may be kept, and the call must fail with the panic.
    pub fn tx_panic_handled(&self, key: String) -> Result<String> {
        let outcome = match insert_then_panic(&self.state, &key) {
            Ok(()) => "ok".to_owned(),
            Err(e) => format!("handled: {e}"),
        };
        let sql = self.state.storage().sql()?;
        sql.exec("INSERT INTO tx_rows (key) VALUES (?)", &durable::params![format!("{key}-after")])?;
        Ok(outcome)
    }

    /// A string one byte longer than V8's longest (2^29 - 24 characters).
    pub fn too_long(&self) -> Result<String> {
        Ok("x".repeat((1 << 29) - 23))
    }

    /// A JavaScript exception that unwinds through this method's Rust frames.
    pub fn foreign(&self) -> Result<u32> {
        let _ = parse_json_unchecked("{ not json");
        Ok(1)
    }

    /// The same, after an await.
    pub async fn foreign_async(&self) -> Result<u32> {
        self.state.storage().get::<u32>("nothing").await?;
        let _ = parse_json_unchecked("{ not json");
        Ok(1)
    }

    /// Answers `ms` after a delay of `ms` milliseconds.
    pub async fn sleep(&self, ms: u32) -> Result<u32> {
        worker::Delay::from(std::time::Duration::from_millis(ms.min(10_000) as u64)).await;
        Ok(ms)
    }

    pub async fn fetch(&self, req: Request) -> Result<Response> {
        let url = req.url()?;
        let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        let storage = self.state.storage();
        match req.path().as_str() {
            "/put" => {
                let key = param("key").ok_or("missing `key`")?;
                let value = param("value").ok_or("missing `value`")?;
                storage.put(&key, &value).await?;
                Ok(Response::ok(format!("stored {key}"))?)
            }
            "/get" => {
                let key = param("key").ok_or("missing `key`")?;
                match storage.get::<String>(&key).await? {
                    Some(value) => Ok(Response::ok(value)?),
                    None => Ok(Response::error(format!("no value at {key}"), 404)?),
                }
            }
            "/memory" => {
                self.calls.set(self.calls.get() + 1);
                Ok(Response::ok(self.calls.get().to_string())?)
            }
            "/shape" => shape(param("shape").as_deref()),
            "/error" => Err(Error::message("the handler failed on purpose")),
            "/panic" => {
                storage.put("panicked", &"yes").await?;
                panic!("the handler panicked on purpose");
            }
            "/panic-now" => panic!("the handler panicked before awaiting"),
            "/panic-blocking" => {
                let storage = storage.clone();
                self.state
                    .block_concurrency_while(async move {
                        storage.put("blocked", &"yes").await?;
                        if storage.get::<String>("blocked").await?.is_some() {
                            panic!("the handler panicked while blocking concurrency");
                        }
                        Ok(())
                    })
                    .await?;
                Ok(Response::ok("unreachable")?)
            }
            "/arm-load-panics" => {
                let n: u32 = param("n").and_then(|n| n.parse().ok()).unwrap_or(1);
                storage.put("load-panics", &n).await?;
                Ok(Response::ok(format!("the next {n} constructions panic"))?)
            }
            "/trap" => trap(),
            "/overflow" => Ok(Response::ok(depth(std::hint::black_box(1)).to_string())?),
            "/tx-panic" => {
                let key = param("key").ok_or("missing `key`")?;
                // Handling the `Err` is pointless: the panic ends the call.
                let _ = insert_then_panic(&self.state, &key);
                storage.put("after-tx-panic", &key).await?;
                Ok(Response::ok("the transaction's panic was survived")?)
            }
            "/rows" => Ok(Response::ok(rows(&self.state)?.join("\n"))?),
            "/fn-closure" => {
                // `Closure<dyn Fn>`: wasm-bindgen wraps it in `makeClosure`,
                // not `makeMutClosure`; `durable build` must patch both.
                let double = Closure::<dyn Fn(JsValue) -> JsValue>::new(|v: JsValue| JsValue::from_f64(v.as_f64().unwrap_or(0.0) * 2.0));
                let args = js_sys::Array::of1(&JsValue::from_f64(21.0));
                let result: JsValue = js_sys::Reflect::apply(double.as_ref().unchecked_ref::<js_sys::Function>(), &JsValue::UNDEFINED, &args)
                    .map_err(|e| Error::message(format!("{e:?}")))?;
                Ok(Response::ok(format!("{}", result.as_f64().unwrap_or(-1.0)))?)
            }
            "/sleep" => {
                let ms: u64 = param("ms").and_then(|ms| ms.parse().ok()).unwrap_or(100).min(10_000);
                worker::Delay::from(std::time::Duration::from_millis(ms)).await;
                Ok(Response::ok("slept")?)
            }
            _ => Ok(Response::error("Not found", 404)?),
        }
    }
}

/// Inserts `key` into `tx_rows` inside `transaction_sync`, then panics
/// inside the transaction: the runtime must roll the insert back.
fn insert_then_panic(state: &State, key: &str) -> Result<()> {
    let sql = state.storage().sql()?;
    sql.exec("CREATE TABLE IF NOT EXISTS tx_rows (key TEXT)", &[])?;
    let key = key.to_owned();
    let inside = sql.clone();
    state.storage().transaction_sync(move || {
        inside.exec("INSERT INTO tx_rows (key) VALUES (?)", &durable::params![key])?;
        panic!("the transaction panicked on purpose");
    })
}

/// The keys in `tx_rows`.
fn rows(state: &State) -> Result<Vec<String>> {
    let sql = state.storage().sql()?;
    sql.exec("CREATE TABLE IF NOT EXISTS tx_rows (key TEXT)", &[])?;
    let rows: Vec<(String,)> = sql.exec("SELECT key FROM tx_rows ORDER BY rowid", &[])?.raw()?;
    Ok(rows.into_iter().map(|(k,)| k).collect())
}

/// Traps without a panic: the Wasm `unreachable` instruction.
fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort();
}

/// Recurses until the stack runs out (each frame keeps a buffer alive).
#[allow(unconditional_recursion)]
fn depth(n: u64) -> u64 {
    let frame = std::hint::black_box([n; 64]);
    depth(n + 1) + frame[(n % 64) as usize]
}

/// `/shape?shape=..`: responses of every shape the runtime's conversion
/// takes (status, headers, no body, a streamed body), and one with a status
/// the runtime refuses, which fails the request without resetting the object.
fn shape(shape: Option<&str>) -> Result<Response> {
    match shape {
        Some("headers") => {
            let headers = worker::Headers::new();
            headers.set("x-shape", "headers")?;
            headers.set("content-type", "text/x-shape")?;
            Ok(Response::ok("with headers")?.with_status(201).with_headers(headers))
        }
        Some("empty") => Ok(Response::empty()?.with_status(204)),
        Some("stream") => {
            let chunks = [Ok::<Vec<u8>, worker::Error>(b"streamed ".to_vec()), Ok(b"body".to_vec())];
            Ok(Response::from_stream(futures_util::stream::iter(chunks))?)
        }
        Some("bad-status") => Ok(Response::ok("never sent")?.with_status(999)),
        _ => Err(Error::message("shape: headers, empty, stream or bad-status")),
    }
}

pub(crate) async fn handle(_req: worker::Request, env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    let Some(name) = crate::name_param(url) else {
        return Response::error("missing `name`", 400);
    };
    let faults = Namespace::<Faults>::from_env(env, "FAULTS")?.get_by_name(&name)?;
    let param = |key: &str| url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
    // RPC calls through the typed stub: `ok: ..` or `err: ..`, always 200.
    let answer = |result: std::result::Result<String, durable::rpc::RpcError>| match result {
        Ok(value) => Response::ok(format!("ok: {value}")),
        Err(error) => Response::ok(format!("err: {error}")),
    };
    match rest {
        "/rpc/tx-panic-handled" => return answer(faults.tx_panic_handled(param("key").unwrap_or_default()).await),
        // The structured call, as a JavaScript caller makes it: the string is
        // made in JavaScript, which is what fails (a typed stub's wire-format
        // call carries it as bytes, and the runtime refuses it for its size).
        "/rpc/too-long" => {
            let result = faults.raw().call::<String>("tooLong", Vec::new()).await;
            return answer(result.map(|s| format!("{} bytes", s.len())));
        }
        "/rpc/foreign" => {
            let result = if param("when").as_deref() == Some("async") { faults.foreign_async().await } else { faults.foreign().await };
            return answer(result.map(|n| n.to_string()));
        }
        "/rpc/sleep" => return answer(faults.sleep(param("ms").and_then(|ms| ms.parse().ok()).unwrap_or(10)).await.map(|n| n.to_string())),
        "/callback-panic" => return callback_panic(env, &name, param("label").unwrap_or_default(), param("when").unwrap_or_default()).await,
        _ => {}
    }
    let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
    let request = worker::Request::new(&format!("https://faults{rest}{query}"), worker::Method::Get)?;
    if rest == "/shape" {
        // As the object answered: status, headers and body.
        return Ok(faults.fetch(request).await?);
    }
    let mut answer = faults.fetch(request).await?;
    let status = answer.status_code();
    let text = answer.text().await?;
    if status == 200 {
        Response::ok(text)
    } else {
        Response::error(text, status)
    }
}

/// A class whose second schema migration is broken: every call answers the
/// migration's error, and the schema stays at version 1.
#[durable_object]
pub struct BrokenSchema {
    state: State,
}

const BROKEN_MIGRATIONS: &[durable::sql::Migration] = &[
    durable::sql::Migration { version: 1, name: "items", sql: "CREATE TABLE items (id INTEGER PRIMARY KEY)" },
    durable::sql::Migration {
        version: 2,
        name: "half done",
        sql: "ALTER TABLE items ADD COLUMN name TEXT; CREATE TABLE oops (",
    },
];

#[durable_object]
impl BrokenSchema {
    pub fn new(state: State, _env: Env) -> Self {
        let storage = state.storage();
        let _ = state.block_concurrency_while(async move { storage.migrate(BROKEN_MIGRATIONS).map(|_| ()) });
        Self { state }
    }

    /// The columns of `items` (only reached if migrations succeeded).
    pub fn columns(&self) -> Result<Vec<String>> {
        let sql = self.state.storage().sql()?;
        Ok(sql.exec("SELECT * FROM items", &[])?.column_names())
    }
}

/// Hands the JavaScript archive's session (`examples/js-caller`) a callback
/// that panics (`when`: `sync`, before its future; `async`, inside it;
/// anything else: doubles its argument). The session records what its
/// `await cb(7)` saw under `label` (`/js-archive/probe?label=`).
async fn callback_panic(env: &Env, name: &str, label: String, when: String) -> worker::Result<Response> {
    let archive = Namespace::<crate::js_archive::JsArchive>::from_env_default(env)?.get_by_name(name)?;
    let session = archive.open_session("faults".into()).await?;
    let when = std::rc::Rc::new(when);
    let callback = Callback::new(move |(n,): (u32,)| {
        if when.as_str() == "sync" {
            panic!("the callback panicked on purpose (sync part)");
        }
        let when = std::rc::Rc::clone(&when);
        async move {
            if when.as_str() == "async" {
                panic!("the callback panicked on purpose (async part)");
            }
            Ok::<_, String>(n * 2)
        }
    });
    let seen = session.probe(label, callback).await?;
    Response::ok(seen)
}
