use durable::prelude::*;
use durable::rpc::Capability;

pub struct Session;

#[durable::rpc_target]
impl Session {
    pub fn user(&self) -> String {
        "ada".into()
    }
}

#[durable_object]
pub struct Desk {
    state: State,
}

#[durable_object]
impl Desk {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    pub fn open(&self) -> Capability<Session> {
        Capability::new(Session)
    }
}

// Disposing a capability gives it up: the compiler refuses a later call.
async fn demo(desk: DeskStub) -> Result<String, RpcError> {
    let session = desk.open().await?;
    session.dispose();
    session.user().await
}

// A capability has one owner; a second is made explicitly with `dup()`.
fn not_clone(session: &SessionStub) -> SessionStub {
    session.clone()
}

fn main() {}
