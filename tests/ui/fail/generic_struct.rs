use durable::prelude::*;

#[durable_object]
pub struct Counter<T> {
    state: State,
    value: T,
}

fn main() {}
