//! "Build a counter": one counter per name, kept in storage, called over JS RPC.
//!
//! Seen from JavaScript, `Counter` has the documented interface:
//! `increment(amount)`, `decrement(amount)` and `getCounterValue()`, each
//! resolving to the new or current count. The worker calls it through the
//! generated typed stub, `CounterStub`.
//!
//! `GET /counter/increment?name=A`, `/counter/decrement?name=A` and
//! `/counter/?name=A` answer `Durable Object 'A' count: N`.

use durable::prelude::*;
use worker::Url;

/// A counter whose value lives only in storage.
#[durable_object]
pub struct Counter {
    state: State,
}

#[durable_object]
impl Counter {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    /// The current count (`getCounterValue()` in JavaScript).
    pub async fn get_counter_value(&self) -> Result<i64> {
        Ok(self.state.storage().get("value").await?.unwrap_or(0))
    }

    /// Adds `amount`; resolves to the new count.
    pub async fn increment(&self, amount: i64) -> Result<i64> {
        self.add(amount).await
    }

    /// Subtracts `amount`; resolves to the new count.
    pub async fn decrement(&self, amount: i64) -> Result<i64> {
        self.add(-amount).await
    }

    async fn add(&self, amount: i64) -> Result<i64> {
        // No other event is delivered while the `get` is in flight (the input
        // gate), so this read-modify-write cannot interleave with another one.
        let value = self
            .get_counter_value()
            .await?
            .checked_add(amount)
            .ok_or_else(|| Error::message("the count would overflow"))?;
        self.state.storage().put("value", &value).await?;
        Ok(value)
    }
}

/// The worker side: validates the request and calls the named counter.
pub(crate) async fn handle(env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    let Some(name) = crate::name_param(url) else {
        return Response::ok(crate::NAME_HINT);
    };
    let counters = Namespace::<Counter>::from_env(env, "COUNTER")?;
    let counter = counters.get(&counters.id_from_name(&name)?)?;
    let count = match rest {
        "/increment" => counter.increment(1).await?,
        "/decrement" => counter.decrement(1).await?,
        "/" => counter.get_counter_value().await?,
        _ => return Response::error("Not found", 404),
    };
    Response::ok(format!("Durable Object '{name}' count: {count}"))
}
