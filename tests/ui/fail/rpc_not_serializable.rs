use durable::prelude::*;

pub struct Opaque;

#[durable_object]
pub struct Counter {
    state: State,
}

#[durable_object]
impl Counter {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    pub async fn store(&self, _value: Opaque) -> Result<()> {
        Ok(())
    }
}

fn main() {}
