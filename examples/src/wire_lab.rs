//! Calls between two objects of the SDK in the wire format (`durable::rpc`'s
//! binary form): the same callee takes them and the structured calls of
//! JavaScript callers, and answers both alike.
//!
//! `GET /wire-lab/check?scenario=S&name=N` makes one call through a typed
//! stub (the wire format) and the same call in the structured form (the
//! untyped stub, as a JavaScript caller makes it), and answers both
//! outcomes as JSON: `{ "wire": {"ok": ..} | {"error": ..}, "structured": .. }`.
//! Callers of other versions are declared as `#[durable_object]` traits over
//! the same binding: a newer one whose order lines carry an extra field, an
//! older one whose lines lack the optional `note`, and one whose `total`
//! takes what the callee refuses.

use durable::prelude::*;
use durable::rpc::{to_js, RpcError, Stub};
use serde::{Deserialize, Serialize};
use worker::Url;

use crate::counter::{Counter, CounterStub};

/// An order: what `total` sums.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Order {
    pub lines: Vec<Line>,
}

/// One line of an [`Order`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Line {
    pub sku: String,
    pub quantity: u32,
    pub price: f64,
    pub tags: Vec<String>,
    pub note: Option<String>,
}

/// The callee.
#[durable_object]
pub struct WireLab {
    env: Env,
}

#[durable_object]
impl WireLab {
    pub fn new(_state: State, env: Env) -> Self {
        Self { env }
    }

    /// The sum of quantity times price; an empty order is an error.
    pub fn total(&self, order: Order) -> Result<f64> {
        if order.lines.is_empty() {
            return Err(Error::message("an empty order"));
        }
        Ok(order.lines.iter().map(|l| f64::from(l.quantity) * l.price).sum())
    }

    /// The line it was given, with what it read of `note`.
    #[durable(retryable)]
    pub async fn echo(&self, line: Line, note: Option<Option<String>>) -> Result<(Line, Option<Option<String>>)> {
        Ok((line, note))
    }

    /// Panics.
    pub fn explode(&self) -> u32 {
        panic!("the wire lab exploded")
    }

    /// The counter named `name`: a result that holds a JavaScript handle.
    pub fn peer(&self, name: String) -> Result<CounterStub> {
        Namespace::<Counter>::from_env_default(&self.env)?.get_by_name(&name)
    }

    /// Increments the counter it is handed: an argument that holds a handle.
    pub async fn poke(&self, counter: CounterStub) -> Result<i64> {
        Ok(counter.increment(1).await?)
    }
}

/// A line as a newer caller writes it: one field more.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewerLine {
    pub sku: String,
    pub quantity: u32,
    pub price: f64,
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub gift_wrap: bool,
}

/// An order as a newer caller writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewerOrder {
    pub lines: Vec<NewerLine>,
}

/// A line as an older caller writes it: no `note`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OlderLine {
    pub sku: String,
    pub quantity: u32,
    pub price: f64,
    pub tags: Vec<String>,
}

/// An order as an older caller writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OlderOrder {
    pub lines: Vec<OlderLine>,
}

/// `WireLab` as a newer caller sees it.
#[durable_object]
pub trait NewerWireLab {
    async fn total(&self, order: NewerOrder) -> f64;
}

/// `WireLab` as an older caller sees it, with a method it no longer has,
/// and `total` taking what it refuses.
#[durable_object]
pub trait OlderWireLab {
    async fn total(&self, order: OlderOrder) -> f64;
    async fn retired(&self) -> u32;
}

/// `WireLab` seen by a caller whose `total` takes the wrong shape.
#[durable_object]
pub trait WrongWireLab {
    async fn total(&self, order: Vec<u32>) -> f64;
}

fn line(i: u32) -> Line {
    Line { sku: format!("SKU-{i:05}"), quantity: i % 7 + 1, price: f64::from(i) * 0.25 + 1.0, tags: vec!["red".into(), format!("t{i}")], note: None }
}

/// An order of `n` lines (150: about 10 KB as JSON).
pub fn sample_order(n: u32) -> Order {
    Order { lines: (0..n).map(line).collect() }
}

fn outcome<T: Serialize>(result: std::result::Result<T, RpcError>) -> serde_json::Value {
    match result {
        Ok(value) => serde_json::json!({ "ok": value }),
        Err(e) => serde_json::json!({ "error": e.to_string() }),
    }
}

/// The same call in the structured form, through the untyped stub.
async fn structured<T: Serialize>(stub: &Stub, method: &str, args: &[&T]) -> serde_json::Value {
    let args: Vec<_> = args.iter().map(|a| to_js(a).expect("convertible")).collect();
    outcome(stub.call::<serde_json::Value>(method, args).await)
}

/// `/wire-lab/check?scenario=S`: see the module's documentation.
pub(crate) async fn handle(env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    let param = |k: &str| url.query_pairs().find(|(key, _)| key == k).map(|(_, v)| v.into_owned());
    let name = param("name").unwrap_or_else(|| "wire".into());
    if rest == "/bench" {
        // N sequential `total(order)` calls through the typed stub.
        let calls: u32 = param("calls").and_then(|c| c.parse().ok()).unwrap_or(100).min(100_000);
        let lab = Namespace::<WireLab>::from_env_default(env)?.get_by_name(&name)?;
        let order = sample_order(150);
        for _ in 0..calls {
            lab.total(order.clone()).await?;
        }
        return Response::ok(calls.to_string());
    }
    if rest != "/check" {
        return Response::error("Not found", 404);
    }
    let lab = Namespace::<WireLab>::from_env_default(env)?.get_by_name(&name)?;
    let raw = lab.raw().clone();
    let order = sample_order(150);
    let (wire, structured) = match param("scenario").as_deref().unwrap_or("") {
        "total" => (outcome(lab.total(order.clone()).await), structured(&raw, "total", &[&order]).await),
        "empty" => {
            let empty = Order { lines: vec![] };
            (outcome(lab.total(empty.clone()).await), structured(&raw, "total", &[&empty]).await)
        }
        "echo" => {
            let mut noted = line(3);
            noted.note = Some("fragile".into());
            let mut wire = Vec::new();
            for (l, note) in [(line(1), None), (noted.clone(), Some(None)), (noted, Some(Some("n".to_owned())))] {
                // Debug: `None` and `Some(None)` told apart.
                let read = lab.echo(l, note).await.map(|(l, note)| (l.note, note));
                wire.push(serde_json::json!(format!("{read:?}")));
            }
            (serde_json::json!(wire), serde_json::Value::Null)
        }
        "newer" => {
            let stub = Namespace::<NewerWireLab>::from_env(env, "WIRE_LAB")?.get_by_name(&name)?;
            let newer = NewerOrder {
                lines: order
                    .lines
                    .iter()
                    .map(|l| NewerLine { sku: l.sku.clone(), quantity: l.quantity, price: l.price, tags: l.tags.clone(), note: Some("n".into()), gift_wrap: true })
                    .collect(),
            };
            (outcome(stub.total(newer.clone()).await), structured(&raw, "total", &[&newer]).await)
        }
        "older" => {
            let stub = Namespace::<OlderWireLab>::from_env(env, "WIRE_LAB")?.get_by_name(&name)?;
            let older = OlderOrder {
                lines: order.lines.iter().map(|l| OlderLine { sku: l.sku.clone(), quantity: l.quantity, price: l.price, tags: l.tags.clone() }).collect(),
            };
            (outcome(stub.total(older.clone()).await), structured(&raw, "total", &[&older]).await)
        }
        "retired" => {
            let stub = Namespace::<OlderWireLab>::from_env(env, "WIRE_LAB")?.get_by_name(&name)?;
            (outcome(stub.retired().await), structured::<()>(&raw, "retired", &[]).await)
        }
        "wrong" => {
            let stub = Namespace::<WrongWireLab>::from_env(env, "WIRE_LAB")?.get_by_name(&name)?;
            (outcome(stub.total(vec![1, 2]).await), structured(&raw, "total", &[&vec![1, 2]]).await)
        }
        "explode" => (outcome(lab.explode().await), structured::<()>(&raw, "explode", &[]).await),
        "handles" => {
            // A result holding a handle, then an argument holding one.
            let counter = lab.peer(format!("{name}-peer")).await;
            let first = match &counter {
                Ok(counter) => outcome(counter.increment(1).await),
                Err(e) => outcome::<()>(Err(e.clone())),
            };
            let second = match counter {
                Ok(counter) => outcome(lab.poke(counter).await),
                Err(e) => outcome::<()>(Err(e)),
            };
            (serde_json::json!([first, second]), serde_json::Value::Null)
        }
        other => return Response::error(format!("no scenario `{other}`"), 400),
    };
    Response::from_json(&serde_json::json!({ "wire": wire, "structured": structured }))
}
