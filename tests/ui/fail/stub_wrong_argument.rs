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

async fn caller(env: &Env) -> std::result::Result<i64, RpcError> {
    let counters = Namespace::<Counter>::from_env(env, "COUNTER").unwrap();
    let counter = counters.get_by_name("A").unwrap();
    counter.increment("five").await
}

fn main() {
    let _ = caller;
}
