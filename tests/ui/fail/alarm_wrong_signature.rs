use durable::prelude::*;

#[durable_object]
pub struct Reminder {
    state: State,
}

#[durable_object]
impl Reminder {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    pub fn alarm(&self) {}
}

fn main() {}
