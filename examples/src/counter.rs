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
use durable::TypeScript;
use serde::{Deserialize, Serialize};
use worker::Url;

/// A structured value for the RPC benchmarks.
#[derive(Debug, Clone, Serialize, Deserialize, TypeScript)]
pub struct Batch {
    pub items: Vec<Item>,
}

/// One element of a [`Batch`].
#[derive(Debug, Clone, Serialize, Deserialize, TypeScript)]
pub struct Item {
    pub id: u32,
    pub name: String,
    pub tags: Vec<String>,
    pub score: f64,
    pub active: bool,
}

impl Batch {
    /// About 10 KB of nested data (as JSON).
    pub fn sample() -> Self {
        let items = (0..110)
            .map(|i| Item {
                id: i,
                name: format!("item number {i}"),
                tags: vec!["alpha".into(), "beta".into(), format!("t{i}")],
                score: f64::from(i) * 1.5,
                active: i % 2 == 0,
            })
            .collect();
        Batch { items }
    }
}

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
        // Checked: `-i64::MIN` does not exist (it would wrap to i64::MIN).
        self.add(amount.checked_neg().ok_or_else(|| Error::message("the count would overflow"))?).await
    }

    /// `/increment` over `fetch`: what the benchmarks compare with the same
    /// handler in JavaScript (a storage get and put per request).
    pub async fn fetch(&self, req: Request) -> Result<Response> {
        if req.path() != "/increment" {
            return Ok(Response::error("Not found", 404)?);
        }
        Ok(Response::ok(self.add(1).await?.to_string())?)
    }

    /// Does nothing: the benchmarks measure the cost of a call itself with it.
    pub fn nop(&self) {}

    /// [`increment`](Self::increment) on the synchronous key-value API
    /// (`ctx.storage.kv`): no await, no promise.
    pub fn increment_sync(&self, amount: i64) -> Result<i64> {
        let kv = self.state.storage().kv()?;
        let value = kv
            .get::<i64>("sync")?
            .unwrap_or(0)
            .checked_add(amount)
            .ok_or_else(|| Error::message("the count would overflow"))?;
        kv.put("sync", &value)?;
        Ok(value)
    }

    /// Counts the items of a structured value: the benchmarks use it to measure
    /// the cost of carrying ~10 KB of nested data over RPC.
    pub fn weigh(&self, batch: Batch) -> u32 {
        batch.items.len() as u32
    }

    /// A structured value of ~10 KB, made afresh: the benchmarks use it to
    /// measure the cost of a result of that size.
    pub fn sample_batch(&self) -> Batch {
        Batch::sample()
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

/// `/counter/bench?calls=N&payload=small|10k|10k-result|nop&name=A`: N sequential RPC calls
/// through the typed stub, for the benchmarks; answers the number of calls made.
pub(crate) async fn bench(env: &Env, url: &Url) -> worker::Result<Response> {
    let param = |k: &str| url.query_pairs().find(|(key, _)| key == k).map(|(_, v)| v.into_owned());
    let calls: u32 = param("calls").and_then(|c| c.parse().ok()).unwrap_or(100).min(100_000);
    let name = param("name").unwrap_or_else(|| "bench".into());
    let counter = Namespace::<Counter>::from_env_default(env)?.get_by_name(&name)?;
    let batch = Batch::sample();
    let payload = param("payload");
    for _ in 0..calls {
        match payload.as_deref() {
            Some("10k") => _ = counter.weigh(batch.clone()).await?,
            Some("10k-result") => {
                let got = counter.sample_batch().await?;
                if got.items.len() != batch.items.len() {
                    return Response::error(format!("sample_batch answered {} items", got.items.len()), 500);
                }
            }
            Some("nop") => counter.nop().await?,
            _ => _ = counter.increment(1).await?,
        }
    }
    Response::ok(calls.to_string())
}

/// `/counter/ids`: the namespace API in one answer (JSON): ids from names are
/// stable, unique ids round-trip through their string form, and a stub got
/// with a location hint or from a parsed id reaches the same object.
pub(crate) async fn ids(env: &Env) -> worker::Result<Response> {
    use durable::rpc::GetOptions;
    let counters = Namespace::<Counter>::from_env_default(env)?;
    let (a, b, c) = (counters.id_from_name("ids-x")?, counters.id_from_name("ids-x")?, counters.id_from_name("ids-y")?);
    let unique = counters.new_unique_id()?;
    let parsed = counters.id_from_string(&unique.to_string())?;
    let hinted = counters.get_with(&unique, GetOptions { location_hint: Some("weur".into()), ..Default::default() })?;
    let after_increment = hinted.increment(3).await?;
    let via_parsed = counters.get(&parsed)?.get_counter_value().await?;
    let bad_id = counters.id_from_string("not an id").map(|_| ()).map_err(|e| e.to_string());
    let eu = counters.new_unique_id_in("eu").map(|id| id.to_string().len()).map_err(|e| e.to_string());
    Response::from_json(&serde_json::json!({
        "sameNameEqual": a == b,
        "differentNamesDiffer": a != c,
        "name": a.name(),
        "uniqueLength": unique.to_string().len(),
        "uniqueHex": unique.to_string().chars().all(|ch| ch.is_ascii_hexdigit()),
        "parsedEqual": parsed == unique,
        "afterIncrement": after_increment,
        "viaParsed": via_parsed,
        "badId": bad_id.err(),
        "jurisdictionEu": match eu { Ok(len) => serde_json::json!({ "ok": len }), Err(e) => serde_json::json!({ "error": e }) },
    }))
}

/// The worker side: validates the request and calls the named counter.
pub(crate) async fn handle(env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    if rest == "/bench" {
        return bench(env, url).await;
    }
    if rest == "/ids" {
        return ids(env).await;
    }
    let Some(name) = crate::name_param(url) else {
        return Response::ok(crate::NAME_HINT);
    };
    let counters = Namespace::<Counter>::from_env_default(env)?;
    let counter = counters.get(&counters.id_from_name(&name)?)?;
    let count = match rest {
        "/increment" => counter.increment(1).await?,
        "/decrement" => counter.decrement(1).await?,
        "/" => counter.get_counter_value().await?,
        _ => return Response::error("Not found", 404),
    };
    Response::ok(format!("Durable Object '{name}' count: {count}"))
}
