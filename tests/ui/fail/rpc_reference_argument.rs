use durable::prelude::*;

#[durable_object]
pub struct Greeter {
    state: State,
}

#[durable_object]
impl Greeter {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    pub fn greet(&self, name: &str) -> String {
        format!("hello {name}")
    }
}

fn main() {}
