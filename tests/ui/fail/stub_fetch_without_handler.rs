// The class has no `fetch` handler: its stub's `fetch` (and `fetch_url`,
// `forward`) must not compile, and the message must say why.
use durable::prelude::*;

#[durable_object]
pub struct Counter {
    state: State,
}

#[durable_object]
impl Counter {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    pub async fn increment(&self, amount: i64) -> Result<i64> {
        Ok(amount)
    }
}

async fn caller(env: &Env, req: Request) -> Result<Response> {
    let counter = Namespace::<Counter>::from_env_default(env)?.get_by_name("A")?;
    counter.fetch(req).await
}

async fn forwarder(env: &Env, req: Request) -> Result<Response> {
    let counter = Namespace::<Counter>::from_env_default(env)?.get_by_name("A")?;
    counter.forward(req, "https://counter/").await
}

fn main() {
    let _ = caller;
    let _ = forwarder;
}
