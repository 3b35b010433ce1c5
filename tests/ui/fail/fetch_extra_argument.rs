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

    pub async fn fetch(&self, _req: Request, _env: Env) -> Result<Response> {
        Ok(Response::ok("hi")?)
    }
}

fn main() {}
