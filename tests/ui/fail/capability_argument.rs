// A capability crosses RPC as a stub: a method cannot take the value itself,
// nor a stub by reference.
use durable::prelude::*;
use durable::rpc::Capability;

pub struct Job;

#[durable::rpc_target]
impl Job {
    pub fn title(&self) -> String {
        "paint".into()
    }
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

    pub fn take(&self, job: Capability<Job>) -> u32 {
        let _ = job;
        1
    }

    pub fn borrow(&self, job: &JobStub) -> u32 {
        let _ = job;
        2
    }
}

fn main() {}
