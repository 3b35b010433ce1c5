//! The fetch benchmark's counter, written with workers-rs 0.8.7 as its
//! documentation shows: `GET /increment` reads the count from storage, adds
//! one, writes it back and answers the new count, the same work and the same
//! answer as the SDK's `Counter::fetch` and the JavaScript `JsCounter.fetch`.
//!
//! workers-rs classes cannot be called over JS RPC (they do not extend
//! `DurableObject`), so this column exists for the fetch path only.

use worker::{durable_object, event, Context, DurableObject, Env, Error, Request, Response, Result, State};

/// One counter per name, its value kept only in storage.
#[durable_object]
pub struct Counter {
    state: State,
}

impl DurableObject for Counter {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if req.path() != "/increment" {
            return Response::error("Not found", 404);
        }
        let storage = self.state.storage();
        // No other event is delivered while the `get` is in flight (the input
        // gate), so this read-modify-write cannot interleave with another one.
        let value = storage
            .get::<i64>("value")
            .await?
            .unwrap_or(0)
            .checked_add(1)
            .ok_or_else(|| Error::RustError("the count would overflow".into()))?;
        storage.put("value", value).await?;
        Response::ok(value.to_string())
    }
}

/// The worker: `GET /increment?name=A` increments the counter named `A`
/// (the benchmark calls the object directly; this is for trying it by hand).
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let url = req.url()?;
    let Some(name) = url.query_pairs().find(|(k, _)| k == "name").map(|(_, v)| v.into_owned()) else {
        return Response::error("pass ?name=", 400);
    };
    let stub = env.durable_object("WORKERS_RS_COUNTER")?.id_from_name(&name)?.get_stub()?;
    stub.fetch_with_str(&format!("https://counter{}", url.path())).await
}
