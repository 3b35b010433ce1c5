//! Many scheduled tasks on one alarm (`durable::schedule`): one-shot and
//! repeating and cron reminders, cancellation, and the order they fire in.
//! Its tests move a clock of its own to go through cron firings days apart.

use std::time::{Duration, UNIX_EPOCH};

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

    /// The scheduler, on the test clock when one is set (see `set_clock`).
    async fn scheduler(&self) -> Result<Scheduler> {
        let scheduler = Scheduler::new(self.state.storage());
        Ok(match self.state.storage().get::<f64>("clock").await? {
            Some(ms) => scheduler.as_of(UNIX_EPOCH + Duration::from_millis(ms as u64)),
            None => scheduler,
        })
    }

    /// Sets the clock the reminders read (milliseconds since the Unix epoch),
    /// for tests that go through time without waiting.
    pub async fn set_clock(&self, ms: f64) -> Result<()> {
        self.state.storage().put("clock", &ms).await
    }

    /// A reminder `ms` from now; returns its id.
    pub async fn remind_in(&self, ms: u32, text: String) -> Result<String> {
        Ok(self.scheduler().await?.after(Duration::from_millis(u64::from(ms)), &Reminder { text }).await?.to_string())
    }

    /// A reminder every `ms`; returns its id.
    pub async fn remind_every(&self, ms: u32, text: String) -> Result<String> {
        Ok(self.scheduler().await?.every(Duration::from_millis(u64::from(ms)), &Reminder { text }).await?.to_string())
    }

    /// A reminder on a five-field cron schedule (UTC); returns its id.
    pub async fn remind_cron(&self, expression: String, text: String) -> Result<String> {
        Ok(self.scheduler().await?.cron(&expression, &Reminder { text }).await?.to_string())
    }

    /// When the pending reminders are due (milliseconds since the Unix epoch), in order.
    pub async fn pending_times(&self) -> Result<Vec<f64>> {
        Ok(self.scheduler().await?.pending::<Reminder>().await?.into_iter().map(|t| t.at_ms as f64).collect())
    }

    /// Cancels a reminder; `true` if it was pending.
    pub async fn cancel(&self, id: String) -> Result<bool> {
        self.scheduler().await?.cancel(&id.parse::<TaskId>().unwrap_or_else(|never| match never {})).await
    }

    /// The texts of the pending reminders, in due order.
    pub async fn pending(&self) -> Result<Vec<String>> {
        Ok(self.scheduler().await?.pending::<Reminder>().await?.into_iter().map(|t| t.payload.text).collect())
    }

    /// The texts of the reminders that fired, in order.
    pub async fn fired(&self) -> Result<Vec<String>> {
        Ok(self.state.storage().get("fired").await?.unwrap_or_default())
    }

    pub async fn alarm(&self, _info: AlarmInfo) -> Result<()> {
        let storage = self.state.storage();
        self.scheduler()
            .await?
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
