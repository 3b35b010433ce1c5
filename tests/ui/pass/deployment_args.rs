//! Every argument of `#[durable_object]` on a struct at once.
use durable::prelude::*;

#[durable_object(name = "Tally", binding = "TALLIES", renamed_from = "Counter", storage = "kv")]
pub struct Tally {
    state: State,
}

#[durable_object]
impl Tally {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
}

#[durable_object(storage = "sqlite")]
pub struct Room {
    state: State,
}

#[durable_object]
impl Room {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
}

fn main() {}
