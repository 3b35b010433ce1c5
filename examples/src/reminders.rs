//! Many scheduled tasks on one alarm (`durable::schedule`): one-shot and
//! repeating reminders, cancellation, and the order they fire in.

use std::time::Duration;

use durable::prelude::*;
use durable::schedule::{Scheduler, Task, TaskId};
use serde::{Deserialize, Serialize};

/// What a reminder carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reminder {
    pub text: String,
}

/// Reminders, fired by the object's alarm.
#[durable_object]
pub struct Reminders {
    state: State,
}

#[durable_object]
impl Reminders {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    fn scheduler(&self) -> Scheduler {
        Scheduler::new(self.state.storage())
    }

    /// A reminder `ms` from now; returns its id.
    pub async fn remind_in(&self, ms: u32, text: String) -> Result<String> {
        Ok(self.scheduler().after(Duration::from_millis(u64::from(ms)), &Reminder { text }).await?.to_string())
    }

    /// A reminder every `ms`; returns its id.
    pub async fn remind_every(&self, ms: u32, text: String) -> Result<String> {
        Ok(self.scheduler().every(Duration::from_millis(u64::from(ms)), &Reminder { text }).await?.to_string())
    }

    /// Cancels a reminder; `true` if it was pending.
    pub async fn cancel(&self, id: String) -> Result<bool> {
        self.scheduler().cancel(&id.parse::<TaskId>().unwrap_or_else(|never| match never {})).await
    }

    /// The texts of the pending reminders, in due order.
    pub async fn pending(&self) -> Result<Vec<String>> {
        Ok(self.scheduler().pending::<Reminder>().await?.into_iter().map(|t| t.payload.text).collect())
    }

    /// The texts of the reminders that fired, in order.
    pub async fn fired(&self) -> Result<Vec<String>> {
        Ok(self.state.storage().get("fired").await?.unwrap_or_default())
    }

    pub async fn alarm(&self, _info: AlarmInfo) -> Result<()> {
        let storage = self.state.storage();
        self.scheduler()
            .run_due(|task: Task<Reminder>| {
                let storage = storage.clone();
                async move {
                    let mut fired: Vec<String> = storage.get("fired").await?.unwrap_or_default();
                    fired.push(task.payload.text);
                    storage.put("fired", &fired).await
                }
            })
            .await?;
        Ok(())
    }
}
