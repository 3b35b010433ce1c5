use durable::prelude::*;

#[durable_object]
pub struct Proxy {
    state: State,
}

#[durable_object]
impl Proxy {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    // A stub's `connect` opens a TCP socket: this method could never be called.
    pub async fn connect(&self, address: String) -> Result<String> {
        Ok(address)
    }

    #[durable(name = "connect")]
    pub fn open(&self) -> bool {
        true
    }

    // Kept out of RPC, the name is fine.
    #[durable(skip)]
    pub fn dup(&self) -> bool {
        false
    }
}

// The same for an interface of a class written in JavaScript.
#[durable_object]
pub trait Tunnel {
    async fn connect(&self, port: u16) -> bool;
}

fn main() {}
