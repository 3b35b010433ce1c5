//! Many scheduled tasks on top of the object's single alarm.
//!
//! Tasks (a serde payload, a time, optionally a repeat interval) are stored in
//! the object's own storage, so they survive restarts and eviction; the alarm
//! is always armed for the earliest one. In the `alarm` handler,
//! [`Scheduler::run_due`] runs the due tasks in time order and re-arms the
//! alarm for the next. A task that comes due while the object is not running
//! runs when the alarm fires, which the runtime does as soon as it can.
//!
//! Times are checked, never wrapped: a task may be due at the latest at
//! [`LATEST_MS`] (the last moment a JavaScript `Date`, and so the alarm, can
//! hold: 8.64e15 ms after the Unix epoch, in the year 275760), and a delay or
//! interval that would reach past it is an error naming it. A time in the
//! past, including one before the Unix epoch, is due at once.
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

/// The latest time a task may be due, in milliseconds since the Unix epoch:
/// the largest time a JavaScript `Date` (and so the object's alarm) can hold,
/// in the year 275760. It has 16 digits, as the keys of stored tasks do.
///
/// ```
/// // 100,000,000 days after the epoch, as in ECMAScript.
/// assert_eq!(durable::schedule::LATEST_MS, 100_000_000 * 86_400 * 1000);
/// ```
pub const LATEST_MS: u64 = 8_640_000_000_000_000;

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
    /// For a cron task, its five-field expression (UTC); see [`Scheduler::cron`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
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
    // Date.now() is a whole, non-negative number of milliseconds; `as`
    // saturates (and maps NaN to 0), it never wraps.
    js_sys::Date::now() as u64
}

/// `at` in milliseconds since the epoch; a time before the epoch is due at once (0).
fn due_at_ms(at: SystemTime) -> Result<u64> {
    let Ok(since) = at.duration_since(UNIX_EPOCH) else { return Ok(0) };
    u64::try_from(since.as_millis()).ok().filter(|ms| *ms <= LATEST_MS).ok_or_else(|| {
        crate::Error::message(format!(
            "durable::schedule: the time {at:?} ({since:?} after the Unix epoch) is too late: a task can be due at the latest \
             {LATEST_MS} ms after the Unix epoch (the year 275760), the last time an alarm can hold"
        ))
    })
}

/// `now_ms` plus `delay` (in whole milliseconds), if that is not past [`LATEST_MS`].
fn checked_after(now_ms: u64, delay: Duration) -> Option<u64> {
    u64::try_from(delay.as_millis()).ok().and_then(|ms| now_ms.checked_add(ms)).filter(|at| *at <= LATEST_MS)
}

/// When a task scheduled `delay` after `now_ms` is due.
fn due_after_ms(now_ms: u64, delay: Duration) -> Result<u64> {
    checked_after(now_ms, delay).ok_or_else(|| {
        crate::Error::message(format!(
            "durable::schedule: a delay of {delay:?} is too long: the task would be due after the latest time an alarm \
             can hold ({LATEST_MS} ms after the Unix epoch, the year 275760)"
        ))
    })
}

/// A repeating task's interval in milliseconds (at least 1) and its first due time.
fn first_repeat_ms(now_ms: u64, interval: Duration) -> Result<(u64, u64)> {
    let every = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX).max(1);
    match checked_after(now_ms, Duration::from_millis(every)) {
        Some(at) => Ok((every, at)),
        None => Err(crate::Error::message(format!(
            "durable::schedule: an interval of {interval:?} is too long: the first run would be due after the latest time \
             an alarm can hold ({LATEST_MS} ms after the Unix epoch, the year 275760)"
        ))),
    }
}

/// The next due time of a repeating task that was due at `at_ms` and ran at
/// `now_ms`: one interval later, or one interval from now when runs were
/// missed (they collapse into one). `None` when that is past [`LATEST_MS`]:
/// the task ends.
fn next_repeat_ms(at_ms: u64, every_ms: u64, now_ms: u64) -> Option<u64> {
    let next = match at_ms.checked_add(every_ms) {
        Some(next) if next > now_ms => next,
        _ => now_ms.checked_add(every_ms)?,
    };
    (next <= LATEST_MS).then_some(next)
}

/// Parses a standard five-field cron expression (minute, hour, day of month,
/// month, day of week), or a clear error naming it.
fn parse_cron(expression: &str) -> Result<croner::Cron> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Disallowed)
        .year(croner::parser::Year::Disallowed)
        .build()
        .parse(expression)
        .map_err(|e| {
            crate::Error::message(format!(
                "durable::schedule: the cron expression {expression:?} is not valid: {e} (expected five fields: \
                 minute hour day-of-month month day-of-week, in UTC, e.g. \"0 9 * * 1-5\")"
            ))
        })
}

/// The first time `cron` fires strictly after `after_ms`, in milliseconds
/// since the epoch (whole minutes, UTC). `None` when there is none by
/// [`LATEST_MS`] or by the year 5000, as far as the cron crate searches.
fn next_cron_ms(cron: &croner::Cron, after_ms: u64) -> Option<u64> {
    let after = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(i64::try_from(after_ms).ok()?)?;
    let next = cron.find_next_occurrence(&after, false).ok()?;
    u64::try_from(next.timestamp_millis()).ok().filter(|ms| *ms > after_ms && *ms <= LATEST_MS)
}

/// A cron task's first due time after `now_ms`, or an error when the
/// expression is invalid or never fires.
fn first_cron_ms(expression: &str, now_ms: u64) -> Result<u64> {
    let cron = parse_cron(expression)?;
    next_cron_ms(&cron, now_ms).ok_or_else(|| {
        crate::Error::message(format!(
            "durable::schedule: the cron expression {expression:?} never fires after now (no matching date before the year 5000)"
        ))
    })
}

/// The next due time of a cron task that ran at `now_ms`: its next firing
/// after now (firings missed while the object was down collapse into the one
/// that ran). `None` ends the task.
fn next_cron_after_run(expression: &str, now_ms: u64) -> Option<u64> {
    next_cron_ms(&parse_cron(expression).ok()?, now_ms)
}

fn task_key(at_ms: u64, id: &TaskId) -> String {
    // Zero-padded time first: keys sort in due order.
    format!("{TASKS}{at_ms:016}:{id}")
}

/// Schedules and runs tasks in one object's storage (see the module docs).
#[derive(Debug, Clone)]
pub struct Scheduler {
    storage: Storage,
    now: Option<u64>,
}

impl Scheduler {
    /// The scheduler of the object whose storage this is.
    pub fn new(storage: Storage) -> Self {
        Self { storage, now: None }
    }

    /// This scheduler with a clock that reads `now` instead of the runtime's:
    /// for tests that move through time (cron firings a day apart, say)
    /// without waiting. Times before the epoch read as the epoch.
    ///
    /// ```no_run
    /// # fn demo(storage: durable::Storage) {
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let tomorrow = UNIX_EPOCH + Duration::from_secs(1_767_657_600);
    /// let scheduler = durable::schedule::Scheduler::new(storage).as_of(tomorrow);
    /// # }
    /// ```
    pub fn as_of(mut self, now: SystemTime) -> Self {
        let ms = now.duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or(0);
        self.now = Some(ms);
        self
    }

    fn now_ms(&self) -> u64 {
        self.now.unwrap_or_else(now_ms)
    }

    /// Schedules `payload` at `at`. A time in the past (also one before the
    /// Unix epoch) is due at once; one after [`LATEST_MS`] is an error.
    ///
    /// ```no_run
    /// # async fn demo(s: durable::schedule::Scheduler, at: std::time::SystemTime) -> durable::Result<()> {
    /// let id = s.at(at, &"send the report").await?;
    /// # Ok(()) }
    /// ```
    pub async fn at<T: Serialize>(&self, at: SystemTime, payload: &T) -> Result<TaskId> {
        self.insert(due_at_ms(at)?, None, None, payload).await
    }

    /// Schedules `payload` `delay` from now (in whole milliseconds). A delay
    /// that would make the task due after [`LATEST_MS`] is an error naming
    /// the delay, and nothing is scheduled.
    ///
    /// ```no_run
    /// # async fn demo(s: durable::schedule::Scheduler) -> durable::Result<()> {
    /// let id = s.after(std::time::Duration::from_secs(30), &"follow up").await?;
    /// # Ok(()) }
    /// ```
    pub async fn after<T: Serialize>(&self, delay: Duration, payload: &T) -> Result<TaskId> {
        self.insert(due_after_ms(self.now_ms(), delay)?, None, None, payload).await
    }

    /// Schedules `payload` every `interval` (in whole milliseconds, at least
    /// one), the first time `interval` from now. An interval whose first run
    /// would be due after [`LATEST_MS`] is an error naming it; a repeating task
    /// whose next run would be is not repeated again.
    ///
    /// ```no_run
    /// # async fn demo(s: durable::schedule::Scheduler) -> durable::Result<()> {
    /// let id = s.every(std::time::Duration::from_secs(60), &"heartbeat").await?;
    /// # Ok(()) }
    /// ```
    pub async fn every<T: Serialize>(&self, interval: Duration, payload: &T) -> Result<TaskId> {
        let (every, at_ms) = first_repeat_ms(self.now_ms(), interval)?;
        self.insert(at_ms, Some(every), None, payload).await
    }

    /// Schedules `payload` on a cron schedule: a standard five-field
    /// expression (minute, hour, day of month, month, day of week), read in
    /// UTC. When both day fields are restricted, a day matching either one
    /// fires (as in Vixie cron). The next time is computed by the `croner`
    /// crate, which also takes its extensions (`L`, `W`, `#`, nicknames such
    /// as `@daily`). Like every task it is stored, so it survives eviction and
    /// restarts; firings missed while the object could not run collapse into
    /// one. An invalid expression, or one that never fires (`0 0 30 2 *`), is
    /// an error naming it, and nothing is scheduled.
    ///
    /// ```no_run
    /// # async fn demo(s: durable::schedule::Scheduler) -> durable::Result<()> {
    /// // Weekdays at 09:00 UTC.
    /// let id = s.cron("0 9 * * 1-5", &"standup").await?;
    /// assert!(s.cron("0 9 * *", &"four fields").await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn cron<T: Serialize>(&self, expression: &str, payload: &T) -> Result<TaskId> {
        let at_ms = first_cron_ms(expression, self.now_ms())?;
        self.insert(at_ms, None, Some(expression.trim().to_owned()), payload).await
    }

    async fn insert<T: Serialize>(&self, at_ms: u64, every_ms: Option<u64>, cron: Option<String>, payload: &T) -> Result<TaskId> {
        let sequence: u64 = self.storage.get(SEQUENCE).await?.unwrap_or(0) + 1;
        let id = TaskId(sequence.to_string());
        let task = Task { id: id.clone(), at_ms, every_ms, cron, payload };
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
        let now = self.now_ms();
        let list = ListOptions { prefix: Some(TASKS.into()), end: Some(format!("{TASKS}{:016}", now.saturating_add(1))), ..Default::default() };
        let due: Vec<(String, Task<T>)> = self.storage.list(&list).await?;
        let mut ran = 0;
        for (key, task) in due {
            let (id, every, at_ms, cron) = (task.id.clone(), task.every_ms, task.at_ms, task.cron.clone());
            let payload = (every.is_some() || cron.is_some()).then(|| task.payload.clone());
            handler(task).await?;
            ran += 1;
            self.storage.delete(&key).await?;
            let next = match (&cron, every) {
                (Some(expression), _) => next_cron_after_run(expression, now),
                (None, Some(every)) => next_repeat_ms(at_ms, every, now),
                (None, None) => None,
            };
            match (next, payload) {
                (Some(next_at), Some(payload)) => {
                    let new_key = task_key(next_at, &id);
                    self.storage.put(&new_key, &Task { id: id.clone(), at_ms: next_at, every_ms: every, cron, payload }).await?;
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


#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_764_000_000_000; // late 2025

    fn message(result: Result<impl fmt::Debug>) -> String {
        result.expect_err("an error").to_string()
    }

    #[test]
    fn delays_within_range_are_added() {
        assert_eq!(due_after_ms(NOW, Duration::ZERO).unwrap(), NOW);
        assert_eq!(due_after_ms(NOW, Duration::from_secs(30)).unwrap(), NOW + 30_000);
        // Whole milliseconds: a fraction is dropped.
        assert_eq!(due_after_ms(NOW, Duration::from_micros(1_999)).unwrap(), NOW + 1);
        // Exactly the latest time is fine; one millisecond more is not.
        assert_eq!(due_after_ms(NOW, Duration::from_millis(LATEST_MS - NOW)).unwrap(), LATEST_MS);
        let over = Duration::from_millis(LATEST_MS - NOW + 1);
        assert!(message(due_after_ms(NOW, over)).contains(&format!("a delay of {over:?} is too long")));
    }

    #[test]
    fn huge_delays_are_errors_naming_them_never_wraps() {
        // u64::MAX ms used to wrap around to just before now: due at once.
        for delay in [Duration::from_millis(u64::MAX), Duration::MAX, Duration::from_secs(u64::MAX / 1000 + 1)] {
            let text = message(due_after_ms(NOW, delay));
            assert!(text.starts_with(&format!("durable::schedule: a delay of {delay:?} is too long")), "{text}");
            assert!(text.contains("the year 275760"), "{text}");
        }
        // A clock at the end of the range takes no delay but zero.
        assert_eq!(due_after_ms(LATEST_MS, Duration::ZERO).unwrap(), LATEST_MS);
        assert!(due_after_ms(LATEST_MS, Duration::from_millis(1)).is_err());
        assert!(due_after_ms(u64::MAX, Duration::from_millis(1)).is_err());
    }

    #[test]
    fn times_before_the_epoch_are_due_at_once_and_too_late_ones_are_errors() {
        assert_eq!(due_at_ms(UNIX_EPOCH).unwrap(), 0);
        assert_eq!(due_at_ms(UNIX_EPOCH - Duration::from_secs(1)).unwrap(), 0);
        assert_eq!(due_at_ms(UNIX_EPOCH - Duration::from_millis(1)).unwrap(), 0);
        assert_eq!(due_at_ms(UNIX_EPOCH + Duration::from_millis(NOW)).unwrap(), NOW);
        assert_eq!(due_at_ms(UNIX_EPOCH + Duration::from_millis(LATEST_MS)).unwrap(), LATEST_MS);
        let late = UNIX_EPOCH + Duration::from_millis(LATEST_MS + 1);
        assert!(message(due_at_ms(late)).contains("is too late"));
        // Beyond what fits in u64 milliseconds: refused, not truncated.
        let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 1000 + 1);
        let text = message(due_at_ms(far));
        assert!(text.starts_with("durable::schedule: the time ") && text.contains("is too late"), "{text}");
    }

    #[test]
    fn intervals_are_at_least_a_millisecond_and_checked() {
        assert_eq!(first_repeat_ms(NOW, Duration::ZERO).unwrap(), (1, NOW + 1));
        assert_eq!(first_repeat_ms(NOW, Duration::from_secs(60)).unwrap(), (60_000, NOW + 60_000));
        for interval in [Duration::from_millis(u64::MAX), Duration::MAX, Duration::from_millis(LATEST_MS)] {
            let text = message(first_repeat_ms(NOW, interval));
            assert!(text.starts_with(&format!("durable::schedule: an interval of {interval:?} is too long")), "{text}");
        }
    }

    #[test]
    fn repeats_move_on_and_end_at_the_latest_time() {
        // On time: one interval after the due time.
        assert_eq!(next_repeat_ms(NOW, 1_000, NOW + 5), Some(NOW + 1_000));
        // Missed runs collapse: one interval from now.
        assert_eq!(next_repeat_ms(NOW, 1_000, NOW + 10_500), Some(NOW + 11_500));
        // Up to the latest time, and not past it.
        assert_eq!(next_repeat_ms(LATEST_MS - 10, 10, LATEST_MS - 10), Some(LATEST_MS));
        assert_eq!(next_repeat_ms(LATEST_MS - 10, 11, LATEST_MS - 10), None);
        assert_eq!(next_repeat_ms(u64::MAX, u64::MAX, u64::MAX), None);
        assert_eq!(next_repeat_ms(0, u64::MAX, NOW), None);
    }

    /// Milliseconds since the epoch of a UTC date and time.
    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, sec: u32) -> u64 {
        use chrono::TimeZone;
        chrono::Utc.with_ymd_and_hms(y, mo, d, h, mi, sec).unwrap().timestamp_millis() as u64
    }

    #[test]
    fn cron_moves_through_several_firings_in_utc() {
        // Weekdays at 09:00 UTC, from Monday 2026-01-05 08:59:30.
        let expression = "0 9 * * 1-5";
        let mut at = first_cron_ms(expression, utc(2026, 1, 5, 8, 59, 30)).unwrap();
        let mut firings = vec![at];
        for _ in 0..5 {
            at = next_cron_after_run(expression, at).unwrap();
            firings.push(at);
        }
        let expected: Vec<u64> = [5, 6, 7, 8, 9, 12].iter().map(|d| utc(2026, 1, *d, 9, 0, 0)).collect();
        assert_eq!(firings, expected, "Monday to Friday, then the next Monday");
        // Exactly on a firing: the next one, never the same one again.
        assert_eq!(first_cron_ms("*/15 * * * *", utc(2026, 1, 5, 10, 15, 0)).unwrap(), utc(2026, 1, 5, 10, 30, 0));
        // Missed firings collapse: the next after the time it ran.
        assert_eq!(next_cron_after_run(expression, utc(2026, 1, 8, 12, 0, 0)), Some(utc(2026, 1, 9, 9, 0, 0)));
        // Day of month or day of week, as in Vixie cron: the 13th, or a Friday.
        let mut at = utc(2026, 2, 1, 0, 0, 0);
        let mut days = vec![];
        for _ in 0..4 {
            at = first_cron_ms("0 0 13 * 5", at).unwrap();
            days.push(at);
        }
        assert_eq!(days, [6, 13, 20, 27].iter().map(|d| utc(2026, 2, *d, 0, 0, 0)).collect::<Vec<_>>());
        // Month ends and leap years.
        assert_eq!(first_cron_ms("30 23 29 2 *", utc(2026, 1, 1, 0, 0, 0)).unwrap(), utc(2028, 2, 29, 23, 30, 0));
    }

    #[test]
    fn invalid_cron_expressions_are_errors_naming_them() {
        for bad in ["", "* * * *", "0 0 * * * *", "0 0 * * * * 2030", "61 * * * *", "* 24 * * *", "every minute", "*/0 * * * *"] {
            let text = message(first_cron_ms(bad, NOW));
            assert!(text.starts_with(&format!("durable::schedule: the cron expression {bad:?} is not valid: ")), "{text}");
            assert!(text.contains("expected five fields"), "{text}");
        }
        let text = message(first_cron_ms("0 0 30 2 *", NOW));
        assert!(text.contains("never fires"), "{text}");
        // Near the end of what a cron search covers, a schedule ends.
        assert_eq!(next_cron_after_run("0 0 1 1 *", LATEST_MS), None);
    }

    #[test]
    fn tasks_stored_before_cron_existed_still_read() {
        let task: Task<String> = serde_json::from_str(r#"{"id":"1","at_ms":5,"every_ms":null,"payload":"x"}"#).unwrap();
        assert_eq!(task.cron, None);
        let cron = Task { id: TaskId("2".into()), at_ms: 5, every_ms: None, cron: Some("* * * * *".into()), payload: 1 };
        let back: Task<i32> = serde_json::from_str(&serde_json::to_string(&cron).unwrap()).unwrap();
        assert_eq!(back.cron.as_deref(), Some("* * * * *"));
    }

    #[test]
    fn keys_sort_in_due_order_over_the_whole_range() {
        let id = TaskId("1".into());
        let keys = [task_key(0, &id), task_key(NOW, &id), task_key(LATEST_MS, &id)];
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert!(keys.iter().all(|k| k.len() == keys[0].len()), "{keys:?}");
    }
}
