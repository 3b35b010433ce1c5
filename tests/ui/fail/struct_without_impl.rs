use durable::prelude::*;

#[durable_object]
pub struct Counter {
    state: State,
}

fn main() {}
