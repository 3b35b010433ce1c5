use durable::prelude::*;

#[durable_object]
pub struct Counter {
    state: State,
}

#[durable_object]
impl Counter {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    // Not the alarm handler, but its JavaScript name would be the runtime's.
    #[durable(name = "alarm")]
    pub async fn wake_up(&self) -> Result<()> {
        Ok(())
    }

    #[durable(name = "fetch")]
    pub async fn serve(&self) -> Result<()> {
        Ok(())
    }

    pub fn get_value(&self) -> i64 {
        1
    }

    #[durable(name = "getValue")]
    pub fn value_again(&self) -> i64 {
        2
    }
}

fn main() {}
