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

    pub async fn echo<T: serde::Serialize>(&self, value: T) -> Result<T> {
        Ok(value)
    }
}

fn main() {}
