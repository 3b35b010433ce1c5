use durable::prelude::*;

#[durable_object]
pub struct Quiet {
    _state: State,
}

#[durable_object]
impl Quiet {
    pub fn new(state: State, _env: Env) -> Self {
        Self { _state: state }
    }
}

#[durable_object]
pub struct Second {
    _state: State,
}

#[durable_object]
impl Second {
    pub fn new(state: State, _env: Env) -> Self {
        Self { _state: state }
    }
}

fn main() {}
