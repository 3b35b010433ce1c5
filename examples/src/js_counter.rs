//! Calling a Durable Object written in JavaScript, typed: the trait declares
//! the documented counter's interface, and `#[durable_object]` turns it into
//! `JsCounter` (for `Namespace<JsCounter>`) and the stub `JsCounterStub`.
//!
//! `GET /js-counter/increment?name=A` and friends answer like `/counter/`.

use durable::prelude::*;
use worker::Url;

/// The "Build a counter" object of the `js-caller` worker, written in JavaScript.
#[durable_object]
pub trait JsCounter {
    async fn increment(&self, amount: i64) -> i64;
    async fn decrement(&self, amount: i64) -> i64;
    async fn get_counter_value(&self) -> i64;
}

pub(crate) async fn handle(env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    let Some(name) = crate::name_param(url) else {
        return Response::ok(crate::NAME_HINT);
    };
    let counter = Namespace::<JsCounter>::from_env_default(env)?.get_by_name(&name)?;
    let count = match rest {
        "/increment" => counter.increment(1).await?,
        "/decrement" => counter.decrement(1).await?,
        "/" => counter.get_counter_value().await?,
        _ => return Response::error("Not found", 404),
    };
    Response::ok(format!("Durable Object '{name}' count: {count}"))
}
