//! Names starting with `__durable` belong to the generated code.
#![allow(non_camel_case_types)]
use durable::prelude::*;

#[durable_object(name = "__durable_runtime")]
pub struct Counter {
    state: State,
}

#[durable_object]
impl Counter {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
}

#[durable_object]
pub struct __DurableObjectRoom {
    state: State,
}

#[durable_object]
impl __DurableObjectRoom {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
}

// With a class name of its own, the struct still collides with the
// Rust items generated for another struct (`__DurableObjectRoom` is `Room`'s).
#[durable_object(name = "Lobby")]
pub struct __DurableObjectLobby {
    state: State,
}

#[durable_object]
impl __DurableObjectLobby {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
}

fn main() {}
