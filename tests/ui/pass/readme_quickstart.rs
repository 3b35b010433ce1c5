// The README's quickstart, compiled: keep the two in step.
use std::cell::Cell;
use durable::prelude::*;

#[durable_object]
pub struct Counter {
    state: State,
    calls: Cell<u64>, // in memory: lives while the object is loaded
}

#[durable_object]
impl Counter {
    // Required: builds the object when the runtime loads it.
    pub fn new(state: State, _env: Env) -> Self {
        Self { state, calls: Cell::new(0) }
    }

    // Public methods are JS RPC methods (`increment` in JavaScript too;
    // `get_counter_value` becomes `getCounterValue`).
    pub async fn increment(&self, amount: i64) -> Result<i64> {
        let value = self.get_counter_value().await? + amount;
        self.state.storage().put("value", &value).await?;
        self.calls.set(self.calls.get() + 1);
        Ok(value)
    }

    pub async fn get_counter_value(&self) -> Result<i64> {
        Ok(self.state.storage().get("value").await?.unwrap_or(0))
    }

    // Optional: HTTP requests sent with `stub.fetch(...)`.
    pub async fn fetch(&self, _req: Request) -> Result<Response> {
        Ok(Response::ok(format!("{} calls since load", self.calls.get()))?)
    }
}

// The worker in front of it (the `worker` crate's entry point) calls it through
// the generated typed stub, `CounterStub`: arguments and results are checked by
// the compiler.
#[worker::event(fetch, respond_with_errors)]
async fn handle(_req: worker::Request, env: worker::Env, _ctx: worker::Context) -> worker::Result<Response> {
    let counter = Namespace::<Counter>::from_env_default(&env)?.get_by_name("A")?;
    let count = counter.increment(5).await?; // i64, or an RpcError
    Response::ok(format!("count: {count}"))
}

#[durable_object]
pub trait JsCounter {
    async fn increment(&self, amount: i64) -> i64;
    async fn get_counter_value(&self) -> i64;
}

#[allow(dead_code)]
async fn call_js(env: &Env) -> durable::Result<i64> {
    let counter = Namespace::<JsCounter>::from_env_default(env)?.get_by_name("A")?;
    let n: i64 = counter.increment(1).await?;
    Ok(n)
}
fn main() {}
