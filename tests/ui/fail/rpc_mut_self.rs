use durable::prelude::*;

#[durable_object]
pub struct Counter {
    state: State,
    value: i64,
}

#[durable_object]
impl Counter {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state, value: 0 }
    }

    pub async fn increment(&mut self, amount: i64) -> Result<i64> {
        self.value += amount;
        Ok(self.value)
    }
}

fn main() {}
