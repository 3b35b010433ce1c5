use durable::prelude::*;

#[durable_object]
pub struct Counter {
    state: State,
}

#[durable_object]
impl Counter {
    pub async fn fetch(&self, _req: Request) -> Result<Response> {
        Ok(Response::ok("hi")?)
    }
}

fn main() {}
