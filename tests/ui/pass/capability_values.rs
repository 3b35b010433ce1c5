// Capabilities as values: typed stubs as arguments and inside structs,
// enums, `Option` and `Vec`, made from `Capability<T>` by `.into()`.
use durable::prelude::*;
use durable::rpc::{Capability, RemoteCapability};
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
    pub jobs: Vec<JobStub>,
    pub featured: Option<JobStub>,
}

#[derive(Serialize, Deserialize)]
pub enum Claim {
    Taken(JobStub),
    Untyped(RemoteCapability),
    Closed,
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
        Listing { jobs: vec![Capability::new(Job).into()], featured: Some(Capability::new(Job).into_stub()) }
    }

    pub fn claim(&self, job: JobStub, others: Vec<Option<JobStub>>) -> Claim {
        let _ = others;
        Claim::Taken(job)
    }
}

async fn caller(board: BoardStub) -> Result<String, RpcError> {
    let listing = board.listing().await?;
    let first = listing.jobs.into_iter().next();
    let claim = board.claim(Capability::new(Job).into(), vec![first]).await?;
    match claim {
        Claim::Taken(job) => job.title().await,
        Claim::Untyped(_) | Claim::Closed => Ok(String::new()),
    }
}

fn main() {
    let _ = caller;
}
