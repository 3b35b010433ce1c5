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
//!
//! Every object runs in its own Wasm instance: a panic or a trap resets only
//! the object it happened in.

use std::cell::Cell;

use durable::prelude::*;
use worker::Url;

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
            "/sleep" => {
                let ms: u64 = param("ms").and_then(|ms| ms.parse().ok()).unwrap_or(100).min(10_000);
                worker::Delay::from(std::time::Duration::from_millis(ms)).await;
                Ok(Response::ok("slept")?)
            }
            _ => Ok(Response::error("Not found", 404)?),
        }
    }
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

pub(crate) async fn handle(_req: worker::Request, env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    let Some(name) = crate::name_param(url) else {
        return Response::error("missing `name`", 400);
    };
    // `fetch` through the typed stub (Faults has no RPC methods, only `fetch`).
    let faults = Namespace::<Faults>::from_env(env, "FAULTS")?.get_by_name(&name)?;
    let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
    let request = worker::Request::new(&format!("https://faults{rest}{query}"), worker::Method::Get)?;
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
