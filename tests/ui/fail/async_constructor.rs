use durable::prelude::*;

#[durable_object]
pub struct Counter {
    state: State,
}

#[durable_object]
impl Counter {
    pub async fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
}

fn main() {}
