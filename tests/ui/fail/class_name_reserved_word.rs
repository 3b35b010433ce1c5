//! A JavaScript class name that is a reserved word (or a name strict mode
//! forbids) cannot be declared by the generated `export class`.
#![allow(non_camel_case_types)]
use durable::prelude::*;

#[durable_object(name = "default")]
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
pub struct eval {
    state: State,
}

#[durable_object]
impl eval {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }
}

fn main() {}
