use std::cell::Cell;

use durable::prelude::*;

#[durable_object]
pub struct Counter {
    state: State,
    hits: Cell<u64>,
}

#[durable_object]
impl Counter {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state, hits: Cell::new(0) }
    }

    pub async fn fetch(&self, _req: Request) -> Result<Response> {
        self.hits.set(self.hits.get() + 1);
        let total: u64 = self.state.storage().get("total").await?.unwrap_or(0) + 1;
        self.state.storage().put("total", &total).await?;
        Ok(Response::ok(total.to_string())?)
    }

    // Methods that are neither constructor nor handler stay ordinary methods.
    pub fn hits(&self) -> u64 {
        self.hits.get()
    }
}

fn main() {}
