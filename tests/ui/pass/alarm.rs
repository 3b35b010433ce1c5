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

    pub async fn alarm(&self, info: AlarmInfo) -> Result<()> {
        if info.is_retry {
            return Ok(());
        }
        self.state.storage().set_alarm_after(std::time::Duration::from_secs(60)).await
    }
}

fn main() {}
