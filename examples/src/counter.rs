//! "Build a counter": one counter per name, kept in storage.
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

    /// `/increment`, `/decrement` and `/` answer the new or current count.
    pub async fn fetch(&self, req: Request) -> Result<Response> {
        let count = match req.path().as_str() {
            "/increment" => self.add(1).await?,
            "/decrement" => self.add(-1).await?,
            "/" => self.value().await?,
            _ => return Ok(Response::error("Not found", 404)?),
        };
        Ok(Response::ok(count.to_string())?)
    }

    async fn value(&self) -> Result<i64> {
        Ok(self.state.storage().get("value").await?.unwrap_or(0))
    }

    async fn add(&self, amount: i64) -> Result<i64> {
        // No other event is delivered while the `get` is in flight (the input
        // gate), so this read-modify-write cannot interleave with another one.
        let value = self.value().await? + amount;
        self.state.storage().put("value", &value).await?;
        Ok(value)
    }
}

/// The worker side: validates the request and forwards it to the named counter.
pub(crate) async fn handle(_req: worker::Request, env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    forward(env, "COUNTER", url, rest).await
}

/// Shared by the counter examples: same routes, same answers.
pub(crate) async fn forward(env: &Env, binding: &str, url: &Url, rest: &str) -> worker::Result<Response> {
    let Some(name) = crate::name_param(url) else {
        return Response::ok(crate::NAME_HINT);
    };
    if !matches!(rest, "/increment" | "/decrement" | "/") {
        return Response::error("Not found", 404);
    }
    let stub = env.durable_object(binding)?.id_from_name(&name)?.get_stub()?;
    let mut answer = stub.fetch_with_str(&format!("https://counter{rest}")).await?;
    let count = answer.text().await?;
    if answer.status_code() != 200 {
        return Response::error(count, answer.status_code());
    }
    Response::ok(format!("Durable Object '{name}' count: {count}"))
}
