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

    pub async fn fetch(&self, _req: Request) -> Result<Response> {
        Ok(Response::ok("one")?)
    }

    #[durable(fetch)]
    pub async fn serve(&self, _req: Request) -> Result<Response> {
        Ok(Response::ok("two")?)
    }
}

fn main() {}
