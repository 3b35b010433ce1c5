use durable::prelude::*;

#[durable_object]
pub struct Counter {
    state: State,
}

#[durable_object]
impl Clone for Counter {
    fn clone(&self) -> Self {
        Self { state: self.state.clone() }
    }
}

fn main() {}
