use durable::prelude::*;

#[durable_object(transferred_from = "other:Counter")]
pub struct Counter {
    state: State,
}

#[durable_object]
impl Counter {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
}

fn main() {}
