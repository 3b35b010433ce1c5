//! Alarms under test: set, read, delete, and a handler that fails a given
//! number of times, so the runtime's retries (and their count) show.

use std::time::{Duration, UNIX_EPOCH};

use durable::prelude::*;
use durable::AbortOptions;
use serde::{Deserialize, Serialize};

/// One run of the alarm handler.
#[derive(Debug, Clone, Serialize, Deserialize, durable::TypeScript)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub retry_count: u32,
    pub is_retry: bool,
    pub failed: bool,
}

/// An object whose alarm handler fails on purpose.
#[durable_object]
pub struct AlarmLab {
    state: State,
}

#[durable_object]
impl AlarmLab {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    /// Sets the alarm `after_ms` from now; its first `failures` runs fail
    /// (`how` = "error", "panic", "abort" (`ctx.abort`), or "abort-no-retry"
    /// (`ctx.abort` with `retryAlarm: false`)).
    pub async fn schedule(&self, after_ms: u32, failures: u32, how: String) -> Result<u64> {
        let storage = self.state.storage();
        storage.put("failures", &failures).await?;
        storage.put("how", &how).await?;
        storage.put("attempts", &Vec::<Attempt>::new()).await?;
        storage.set_alarm_after(Duration::from_millis(u64::from(after_ms))).await?;
        self.alarm_time().await.map(|t| t.unwrap_or(0))
    }

    /// When the alarm is set to fire (ms since the epoch), if set.
    pub async fn alarm_time(&self) -> Result<Option<u64>> {
        let at = self.state.storage().get_alarm().await?;
        Ok(at.and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_millis() as u64))
    }

    /// Cancels the alarm.
    pub async fn cancel(&self) -> Result<()> {
        self.state.storage().delete_alarm().await
    }

    /// Sets the alarm an hour ahead and a key, then `delete_all`: answers the
    /// alarm time before and after (ms since the epoch), and whether the key
    /// survived.
    pub async fn delete_all_with_alarm(&self) -> Result<(Option<u64>, Option<u64>, bool)> {
        let storage = self.state.storage();
        storage.put("doomed", &true).await?;
        storage.set_alarm_after(Duration::from_secs(3600)).await?;
        let before = self.alarm_time().await?;
        storage.delete_all().await?;
        let after = self.alarm_time().await?;
        let kept = storage.get::<bool>("doomed").await?.is_some();
        Ok((before, after, kept))
    }

    /// The handler's runs so far.
    pub async fn attempts(&self) -> Result<Vec<Attempt>> {
        Ok(self.state.storage().get("attempts").await?.unwrap_or_default())
    }

    pub async fn alarm(&self, info: AlarmInfo) -> Result<()> {
        let storage = self.state.storage();
        let mut attempts: Vec<Attempt> = storage.get("attempts").await?.unwrap_or_default();
        let failures: u32 = storage.get("failures").await?.unwrap_or(0);
        let fail = (attempts.len() as u32) < failures;
        attempts.push(Attempt { retry_count: info.retry_count, is_retry: info.is_retry, failed: fail });
        storage.put("attempts", &attempts).await?;
        if fail {
            let how: String = storage.get("how").await?.unwrap_or_default();
            if how == "panic" {
                panic!("the alarm handler panicked on purpose");
            }
            if how.starts_with("abort") {
                // An abort drops the writes not yet confirmed: keep the attempt.
                storage.sync().await?;
                let retry_alarm = how != "abort-no-retry";
                return Err(self.state.abort_with("the alarm handler aborted on purpose", AbortOptions { retry_alarm }));
            }
            return Err(Error::message("the alarm handler failed on purpose"));
        }
        Ok(())
    }
}
