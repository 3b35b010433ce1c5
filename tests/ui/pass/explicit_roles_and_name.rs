use durable::prelude::*;

#[durable_object(name = "Tally")]
pub struct Counter {
    state: State,
}

#[durable_object]
impl Counter {
    #[durable(constructor)]
    pub fn create(state: State, _env: Env) -> Self {
        Self { state }
    }

    #[durable(fetch)]
    pub async fn serve(&self, _req: Request) -> durable::worker::Result<Response> {
        Response::ok("worker::Result works too")
    }
}

fn main() {}
