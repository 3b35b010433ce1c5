use durable::prelude::*;
use durable::rpc::Capability;

pub struct Plain;

#[durable_object]
pub struct Desk {
    state: State,
}

#[durable_object]
impl Desk {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    pub fn open(&self) -> Capability<Plain> {
        Capability::new(Plain)
    }
}

fn main() {}
