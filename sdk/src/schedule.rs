//! Many scheduled tasks on top of the object's single alarm.
//!
//! Tasks (a serde payload, a time, optionally a repeat interval) are stored in
//! the object's own storage, so they survive restarts and eviction; the alarm
//! is always armed for the earliest one. In the `alarm` handler,
//! [`Scheduler::run_due`] runs the due tasks in time order and re-arms the
//! alarm for the next. A task that comes due while the object is not running
//! runs when the alarm fires, which the runtime does as soon as it can.
//!
//! ```no_run
//! use std::time::Duration;
//! use durable::prelude::*;
//! use durable::schedule::Scheduler;
//!
//! #[derive(Clone, serde::Serialize, serde::Deserialize)]
//! struct Reminder { text: String }
//!
//! #[durable_object]
//! pub struct Reminders { state: State }
//!
//! #[durable_object]
//! impl Reminders {
//!     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//!
//!     pub async fn remind_in(&self, ms: u64, text: String) -> Result<String> {
//!         let id = Scheduler::new(self.state.storage()).after(Duration::from_millis(ms), &Reminder { text }).await?;
//!         Ok(id.to_string())
//!     }
//!
//!     pub async fn alarm(&self, _info: AlarmInfo) -> Result<()> {
//!         Scheduler::new(self.state.storage())
//!             .run_due(|task: durable::schedule::Task<Reminder>| async move {
//!                 // deliver task.payload.text ...
//!                 Ok(())
//!             })
//!             .await?;
//!         Ok(())
//!     }
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{ListOptions, Result, Storage};

const TASKS: &str = "__durable_task:";
const IDS: &str = "__durable_task_id:";
const SEQUENCE: &str = "__durable_task_sequence";

/// The id of a scheduled task (stable across repeats).
///
/// ```
/// let id: durable::schedule::TaskId = "42".parse().unwrap();
/// assert_eq!(id.to_string(), "42");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaskId(String);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for TaskId {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(TaskId(s.to_owned()))
    }
}

/// A scheduled task, as stored and as handed to [`Scheduler::run_due`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Task<T> {
    /// Its id.
    pub id: TaskId,
    /// When it is due, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// For a repeating task, the interval in milliseconds.
    pub every_ms: Option<u64>,
    /// What the task carries.
    pub payload: T,
}

impl<T> Task<T> {
    /// When it is due.
    pub fn at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.at_ms)
    }
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn task_key(at_ms: u64, id: &TaskId) -> String {
    // Zero-padded time first: keys sort in due order.
    format!("{TASKS}{at_ms:016}:{id}")
}

/// Schedules and runs tasks in one object's storage (see the module docs).
#[derive(Debug, Clone)]
pub struct Scheduler {
    storage: Storage,
}

impl Scheduler {
    /// The scheduler of the object whose storage this is.
    pub fn new(storage: Storage) -> Self {
        Self { storage }
    }

    /// Schedules `payload` at `at`.
    ///
    /// ```no_run
    /// # async fn demo(s: durable::schedule::Scheduler, at: std::time::SystemTime) -> durable::Result<()> {
    /// let id = s.at(at, &"send the report").await?;
    /// # Ok(()) }
    /// ```
    pub async fn at<T: Serialize>(&self, at: SystemTime, payload: &T) -> Result<TaskId> {
        let at_ms = at.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        self.insert(at_ms, None, payload).await
    }

    /// Schedules `payload` `delay` from now.
    ///
    /// ```no_run
    /// # async fn demo(s: durable::schedule::Scheduler) -> durable::Result<()> {
    /// let id = s.after(std::time::Duration::from_secs(30), &"follow up").await?;
    /// # Ok(()) }
    /// ```
    pub async fn after<T: Serialize>(&self, delay: Duration, payload: &T) -> Result<TaskId> {
        self.insert(now_ms() + delay.as_millis() as u64, None, payload).await
    }

    /// Schedules `payload` every `interval`, the first time `interval` from now.
    ///
    /// ```no_run
    /// # async fn demo(s: durable::schedule::Scheduler) -> durable::Result<()> {
    /// let id = s.every(std::time::Duration::from_secs(60), &"heartbeat").await?;
    /// # Ok(()) }
    /// ```
    pub async fn every<T: Serialize>(&self, interval: Duration, payload: &T) -> Result<TaskId> {
        let every = (interval.as_millis() as u64).max(1);
        self.insert(now_ms() + every, Some(every), payload).await
    }

    async fn insert<T: Serialize>(&self, at_ms: u64, every_ms: Option<u64>, payload: &T) -> Result<TaskId> {
        let sequence: u64 = self.storage.get(SEQUENCE).await?.unwrap_or(0) + 1;
        let id = TaskId(sequence.to_string());
        let task = Task { id: id.clone(), at_ms, every_ms, payload };
        let key = task_key(at_ms, &id);
        self.storage.put(SEQUENCE, &sequence).await?;
        self.storage.put(&key, &task).await?;
        self.storage.put(&format!("{IDS}{id}"), &key).await?;
        self.rearm().await?;
        Ok(id)
    }

    /// Cancels a task; `Ok(true)` if it was pending.
    ///
    /// ```no_run
    /// # async fn demo(s: durable::schedule::Scheduler, id: durable::schedule::TaskId) -> durable::Result<()> {
    /// s.cancel(&id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn cancel(&self, id: &TaskId) -> Result<bool> {
        let index = format!("{IDS}{id}");
        let Some(key) = self.storage.get::<String>(&index).await? else { return Ok(false) };
        self.storage.delete_many(&[key.as_str(), index.as_str()]).await?;
        self.rearm().await?;
        Ok(true)
    }

    /// The pending tasks, in due order.
    ///
    /// ```no_run
    /// # async fn demo(s: durable::schedule::Scheduler) -> durable::Result<()> {
    /// for task in s.pending::<String>().await? {
    ///     println!("{} at {:?}: {}", task.id, task.at(), task.payload);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn pending<T: DeserializeOwned>(&self) -> Result<Vec<Task<T>>> {
        let list = ListOptions { prefix: Some(TASKS.into()), ..Default::default() };
        Ok(self.storage.list::<Task<T>>(&list).await?.into_iter().map(|(_, task)| task).collect())
    }

    /// Runs every task due now, in due order, through `handler`; a one-shot
    /// task is removed and a repeating one moved to its next time once its
    /// handler succeeded. Then arms the alarm for the next pending task.
    /// Returns how many ran. If a handler fails, the error is returned and
    /// that task (and those after it) stay due: the runtime retries the alarm.
    ///
    /// ```no_run
    /// # async fn demo(s: durable::schedule::Scheduler) -> durable::Result<()> {
    /// let ran = s.run_due(|task: durable::schedule::Task<String>| async move {
    ///     println!("running {}", task.payload);
    ///     Ok(())
    /// }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn run_due<T, F, Fut>(&self, mut handler: F) -> Result<usize>
    where
        T: DeserializeOwned + Serialize + Clone,
        F: FnMut(Task<T>) -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        let now = now_ms();
        let list = ListOptions { prefix: Some(TASKS.into()), end: Some(format!("{TASKS}{:016}", now + 1)), ..Default::default() };
        let due: Vec<(String, Task<T>)> = self.storage.list(&list).await?;
        let mut ran = 0;
        for (key, task) in due {
            let (id, every, at_ms) = (task.id.clone(), task.every_ms, task.at_ms);
            let payload = every.map(|_| task.payload.clone());
            handler(task).await?;
            ran += 1;
            self.storage.delete(&key).await?;
            match (every, payload) {
                (Some(every), Some(payload)) => {
                    // Runs missed while the object was down collapse into one.
                    let next_at = if at_ms + every > now { at_ms + every } else { now + every };
                    let new_key = task_key(next_at, &id);
                    self.storage.put(&new_key, &Task { id: id.clone(), at_ms: next_at, every_ms: Some(every), payload }).await?;
                    self.storage.put(&format!("{IDS}{id}"), &new_key).await?;
                }
                _ => {
                    self.storage.delete(&format!("{IDS}{id}")).await?;
                }
            }
        }
        self.rearm().await?;
        Ok(ran)
    }

    /// Arms the alarm for the earliest pending task, or clears it.
    async fn rearm(&self) -> Result<()> {
        let first = ListOptions { prefix: Some(TASKS.into()), limit: Some(1), ..Default::default() };
        let next: Vec<(String, NextOnly)> = self.storage.list(&first).await?;
        match next.first() {
            Some((_, NextOnly { at_ms })) => {
                let at = UNIX_EPOCH + Duration::from_millis(*at_ms);
                if self.storage.get_alarm().await? != Some(at) {
                    self.storage.set_alarm(at).await?;
                }
            }
            None => self.storage.delete_alarm().await?,
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct NextOnly {
    at_ms: u64,
}

