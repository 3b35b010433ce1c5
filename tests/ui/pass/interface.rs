use durable::prelude::*;

/// A Durable Object written in JavaScript.
#[durable_object]
pub trait JsCounter {
    async fn increment(&self, amount: i64) -> i64;
    #[durable(name = "getCounterValue")]
    async fn value(&self) -> i64;
    fn reset(&self) -> Result<()>;
}

#[allow(dead_code)]
async fn caller(env: &Env) -> std::result::Result<i64, RpcError> {
    let counter: JsCounterStub = Namespace::<JsCounter>::from_env(env, "JS_COUNTER").unwrap().get_by_name("A").unwrap();
    counter.reset().await?;
    let _: i64 = counter.increment(1).await?;
    counter.value().await
}

fn main() {}
