use durable::prelude::*;

#[durable_object]
pub struct Counter {
    state: State,
    hits: u64,
}

#[durable_object]
impl Counter {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state, hits: 0 }
    }

    pub async fn fetch(&mut self, _req: Request) -> Result<Response> {
        self.hits += 1;
        Ok(Response::ok("hi")?)
    }
}

fn main() {}
