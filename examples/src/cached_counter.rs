//! The `blockConcurrencyWhile` counter from the in-memory state reference: the
//! value is read from storage once, when the object is constructed, served from
//! memory afterwards, and written through to storage on every change.

use std::cell::Cell;
use std::rc::Rc;

use durable::prelude::*;
use worker::Url;

/// A counter cached in memory.
#[durable_object]
pub struct CachedCounter {
    state: State,
    value: Rc<Cell<i64>>,
}

#[durable_object]
impl CachedCounter {
    pub fn new(state: State, _env: Env) -> Self {
        let value = Rc::new(Cell::new(0));
        let (storage, slot) = (state.storage(), Rc::clone(&value));
        // `blockConcurrencyWhile` ensures no requests are delivered until the
        // value is loaded; after that, reads never touch storage.
        let _ = state.block_concurrency_while(async move {
            slot.set(storage.get("value").await?.unwrap_or(0));
            Ok(())
        });
        Self { state, value }
    }

    pub async fn fetch(&self, req: Request) -> Result<Response> {
        let value = match req.path().as_str() {
            "/increment" => self.value.get() + 1,
            "/decrement" => self.value.get() - 1,
            "/" => return Ok(Response::ok(self.value.get().to_string())?),
            // Resets the object: the next request rebuilds it, and waits for
            // the constructor's load just as the first request did.
            "/crash" => panic!("the cached counter crashed on purpose"),
            _ => return Ok(Response::error("Not found", 404)?),
        };
        // Memory first, so a request that arrives while the write is in flight
        // already sees the new value; the output gate holds our response until
        // the write is durable.
        self.value.set(value);
        self.state.storage().put("value", &value).await?;
        Ok(Response::ok(value.to_string())?)
    }
}

/// The worker side: same routes and answers as `/counter/`, over `fetch`.
pub(crate) async fn handle(env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    let Some(name) = crate::name_param(url) else {
        return Response::ok(crate::NAME_HINT);
    };
    if !matches!(rest, "/increment" | "/decrement" | "/" | "/crash") {
        return Response::error("Not found", 404);
    }
    let stub = env.durable_object("CACHED_COUNTER")?.id_from_name(&name)?.get_stub()?;
    let mut answer = stub.fetch_with_str(&format!("https://counter{rest}")).await?;
    let count = answer.text().await?;
    if answer.status_code() != 200 {
        return Response::error(count, answer.status_code());
    }
    Response::ok(format!("Durable Object '{name}' count: {count}"))
}
