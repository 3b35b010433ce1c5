// A `Capability<T>` inside a value that crosses RPC: the receiver would get
// a stub, so the field must be the typed stub (`JobStub`).
use durable::prelude::*;
use durable::rpc::Capability;
use serde::{Deserialize, Serialize};

pub struct Job;

#[durable::rpc_target]
impl Job {
    pub fn title(&self) -> String {
        "paint".into()
    }
}

#[derive(Serialize, Deserialize)]
pub struct Listing {
    pub jobs: Vec<Capability<Job>>,
}

#[durable_object]
pub struct Board {
    state: State,
}

#[durable_object]
impl Board {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    pub fn listing(&self) -> Listing {
        Listing { jobs: vec![Capability::new(Job)] }
    }
}

fn main() {}
