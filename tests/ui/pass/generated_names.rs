//! Classes named like what the generated worker.mjs declares around them
//! (the runtime, the base class, the glue's factory): its own names all start
//! with `__durable`, so these collide with nothing.
use durable::prelude::*;

#[durable_object]
pub struct Runtime {
    state: State,
}

#[durable_object]
impl Runtime {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
}

#[durable_object(name = "DurableObject")]
pub struct Base {
    state: State,
}

#[durable_object]
impl Base {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
}

#[durable_object(name = "instantiate")]
pub struct Factory {
    state: State,
}

#[durable_object]
impl Factory {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
}

fn main() {}
