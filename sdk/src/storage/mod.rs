//! The object's key-value storage (`ctx.storage`), typed by serde.

pub mod sql;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use js_sys::{Array, Object, Promise, Reflect};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::{conversion_message, excerpt};
use crate::sys;
use crate::{Error, Result};

/// The stored form of `value`: the JavaScript value RPC would send (see the
/// table in [`crate::rpc`]), except that a top-level `None` is `null`, since
/// storage cannot hold `undefined` (it reads back as `None`).
fn to_stored<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<JsValue> {
    let value = crate::convert::to_js(value)
        .map_err(|e| Error::Conversion(format!("the value for key {:?} cannot be stored: {e}", excerpt(key))))?;
    Ok(if value.is_undefined() { JsValue::NULL } else { value })
}

fn from_stored<T: DeserializeOwned>(key: &str, value: JsValue) -> Result<T> {
    crate::convert::decode(value).map_err(|e| {
        Error::Conversion(format!(
            "the value at key {:?} does not fit the requested type: {}",
            excerpt(key),
            conversion_message(e)
        ))
    })
}

fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), &value.into());
}

/// Options of reads (`get`, `get_many`).
///
/// ```
/// let options = durable::ReadOptions { no_cache: true, ..Default::default() };
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Let other events be delivered while this read is in flight (no input gate).
    pub allow_concurrency: bool,
    /// Do not keep the value in the runtime's in-memory cache.
    pub no_cache: bool,
}

impl ReadOptions {
    /// The options object the runtime takes; `undefined` for the defaults, so
    /// that a plain read builds no object and the runtime parses none.
    fn to_js(self) -> JsValue {
        if !self.allow_concurrency && !self.no_cache {
            return JsValue::UNDEFINED;
        }
        let o = Object::new();
        if self.allow_concurrency {
            set(&o, "allowConcurrency", true);
        }
        if self.no_cache {
            set(&o, "noCache", true);
        }
        o.into()
    }
}

/// Options of writes (`put`, `put_many`, `delete`, `delete_many`, `delete_all`).
///
/// ```
/// let options = durable::WriteOptions { allow_unconfirmed: true, ..Default::default() };
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Let other events be delivered while this write is in flight.
    pub allow_concurrency: bool,
    /// Let the response leave before the write is confirmed durable (no output gate).
    pub allow_unconfirmed: bool,
    /// Do not keep the value in the runtime's in-memory cache.
    pub no_cache: bool,
}

impl WriteOptions {
    /// The options object the runtime takes; `undefined` for the defaults, so
    /// that a plain write builds no object and the runtime parses none.
    fn to_js(self) -> JsValue {
        if !self.allow_concurrency && !self.allow_unconfirmed && !self.no_cache {
            return JsValue::UNDEFINED;
        }
        let o = Object::new();
        if self.allow_concurrency {
            set(&o, "allowConcurrency", true);
        }
        if self.allow_unconfirmed {
            set(&o, "allowUnconfirmed", true);
        }
        if self.no_cache {
            set(&o, "noCache", true);
        }
        o.into()
    }
}

/// Which keys `list` returns, in key order (UTF-8 byte order). It converts
/// from and to the JavaScript option object (`{ prefix, startAfter, .. }`), so
/// an RPC method can take it as an argument.
///
/// ```
/// let recent = durable::ListOptions { prefix: Some("log:".into()), reverse: true, limit: Some(10), ..Default::default() };
/// ```
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, durable_macros::TypeScript)]
#[serde(rename_all = "camelCase", default)]
pub struct ListOptions {
    /// First key to include.
    pub start: Option<String>,
    /// Start after this key (excluded).
    pub start_after: Option<String>,
    /// Key to stop before (excluded).
    pub end: Option<String>,
    /// Only keys with this prefix.
    pub prefix: Option<String>,
    /// Descending key order.
    pub reverse: bool,
    /// At most this many entries.
    pub limit: Option<u32>,
    /// As in [`ReadOptions`].
    pub allow_concurrency: bool,
    /// As in [`ReadOptions`].
    pub no_cache: bool,
}

impl ListOptions {
    fn to_js(&self) -> JsValue {
        let o = Object::new();
        for (name, value) in [("start", &self.start), ("startAfter", &self.start_after), ("end", &self.end), ("prefix", &self.prefix)] {
            if let Some(value) = value {
                set(&o, name, value.as_str());
            }
        }
        if self.reverse {
            set(&o, "reverse", true);
        }
        if let Some(limit) = self.limit {
            set(&o, "limit", limit);
        }
        if self.allow_concurrency {
            set(&o, "allowConcurrency", true);
        }
        if self.no_cache {
            set(&o, "noCache", true);
        }
        o.into()
    }
}

fn keys_array<K: AsRef<str>>(keys: &[K]) -> Array {
    keys.iter().map(|k| JsValue::from_str(k.as_ref())).collect()
}

/// Reads a JavaScript `Map` of key -> stored value into ordered pairs.
fn map_entries<T: DeserializeOwned>(map: JsValue) -> Result<Vec<(String, T)>> {
    let map: js_sys::Map = map.dyn_into().map_err(|_| Error::Js("storage returned something other than a Map".into()))?;
    let mut out = Vec::with_capacity(map.size() as usize);
    for entry in map.entries() {
        let entry: Array = entry?.unchecked_into();
        let key = entry.get(0).as_string().unwrap_or_default();
        let value = from_stored(&key, entry.get(1))?;
        out.push((key, value));
    }
    Ok(out)
}

/// The asynchronous KV operations, shared by [`Storage`] and [`Transaction`].
macro_rules! kv_methods {
    () => {
        /// Reads `key`; `Ok(None)` when it is absent.
        ///
        /// ```no_run
        /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
        /// let count: i64 = storage.get("count").await?.unwrap_or(0);
        /// # Ok(()) }
        /// ```
        pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
            self.get_with(key, ReadOptions::default()).await
        }

        /// [`get`](Self::get) with options.
        ///
        /// ```no_run
        /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
        /// let options = durable::ReadOptions { allow_concurrency: true, ..Default::default() };
        /// let hits: Option<u64> = storage.get_with("hits", options).await?;
        /// # Ok(()) }
        /// ```
        pub async fn get_with<T: DeserializeOwned>(&self, key: &str, options: ReadOptions) -> Result<Option<T>> {
            let value = crate::executor::wait(self.raw().get(&JsValue::from_str(key), &options.to_js())?).await?;
            if value.is_undefined() {
                return Ok(None);
            }
            from_stored(key, value).map(Some)
        }

        /// Reads several keys at once (at most 128); absent keys are left out.
        ///
        /// ```no_run
        /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
        /// let found: std::collections::BTreeMap<String, String> = storage.get_many(&["a", "b"]).await?;
        /// # Ok(()) }
        /// ```
        pub async fn get_many<T: DeserializeOwned, K: AsRef<str>>(&self, keys: &[K]) -> Result<BTreeMap<String, T>> {
            let map = crate::executor::wait(self.raw().get(&keys_array(keys).into(), &JsValue::UNDEFINED)?).await?;
            Ok(map_entries(map)?.into_iter().collect())
        }

        /// Writes `value` at `key`.
        ///
        /// ```no_run
        /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
        /// storage.put("count", &41_i64).await?;
        /// # Ok(()) }
        /// ```
        pub async fn put<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
            self.put_with(key, value, WriteOptions::default()).await
        }

        /// [`put`](Self::put) with options.
        ///
        /// ```no_run
        /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
        /// let options = durable::WriteOptions { allow_unconfirmed: true, ..Default::default() };
        /// storage.put_with("seen", &true, options).await?;
        /// # Ok(()) }
        /// ```
        pub async fn put_with<T: Serialize + ?Sized>(&self, key: &str, value: &T, options: WriteOptions) -> Result<()> {
            let value = to_stored(key, value)?;
            crate::executor::wait(self.raw().put(&JsValue::from_str(key), &value, &options.to_js())?).await?;
            Ok(())
        }

        /// Writes several entries at once (at most 128), atomically.
        ///
        /// ```no_run
        /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
        /// storage.put_many([("a", &1), ("b", &2)]).await?;
        /// # Ok(()) }
        /// ```
        pub async fn put_many<'v, K, T, I>(&self, entries: I) -> Result<()>
        where
            I: IntoIterator<Item = (K, &'v T)>,
            K: AsRef<str>,
            T: Serialize + ?Sized + 'v,
        {
            let object = Object::new();
            for (key, value) in entries {
                let key = key.as_ref();
                set(&object, key, to_stored(key, value)?);
            }
            crate::executor::wait(self.raw().put_entries(&object.into(), &JsValue::UNDEFINED)?).await?;
            Ok(())
        }

        /// Deletes `key`; `Ok(true)` if it existed.
        ///
        /// ```no_run
        /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
        /// let existed = storage.delete("count").await?;
        /// # Ok(()) }
        /// ```
        pub async fn delete(&self, key: &str) -> Result<bool> {
            let existed = crate::executor::wait(self.raw().delete(&JsValue::from_str(key), &JsValue::UNDEFINED)?).await?;
            Ok(existed.as_bool().unwrap_or(false))
        }

        /// Deletes several keys at once (at most 128); returns how many existed.
        ///
        /// ```no_run
        /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
        /// let deleted = storage.delete_many(&["a", "b"]).await?;
        /// # Ok(()) }
        /// ```
        pub async fn delete_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<u32> {
            let count = crate::executor::wait(self.raw().delete(&keys_array(keys).into(), &JsValue::UNDEFINED)?).await?;
            Ok(count.as_f64().unwrap_or(0.0) as u32)
        }

        /// The entries selected by `options`, in key order.
        ///
        /// ```no_run
        /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
        /// let options = durable::ListOptions { prefix: Some("user:".into()), limit: Some(50), ..Default::default() };
        /// for (key, name) in storage.list::<String>(&options).await? {
        ///     println!("{key} = {name}");
        /// }
        /// # Ok(()) }
        /// ```
        pub async fn list<T: DeserializeOwned>(&self, options: &ListOptions) -> Result<Vec<(String, T)>> {
            let map = crate::executor::wait(self.raw().list(&options.to_js())?).await?;
            map_entries(map)
        }
    };
}

/// The object's private, transactional key-value storage (`ctx.storage`),
/// with values converted by serde.
///
/// Values are stored as structured-cloneable JavaScript values (objects, arrays,
/// numbers, strings, `Uint8Array` for [`crate::rpc::Bytes`]), so a JavaScript
/// Durable Object reading the same storage sees ordinary values. Integers
/// outside JavaScript's safe range (±2^53) are refused with
/// [`Error::Conversion`] rather than silently rounded.
///
/// The runtime's guarantees apply unchanged: writes are coalesced and
/// confirmed before the response leaves (output gate), while a read is in
/// flight no other event is delivered (input gate), and recently used values
/// are served from the runtime's cache.
///
/// ```no_run
/// # async fn demo(state: durable::State) -> durable::Result<()> {
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Profile { name: String, visits: u32 }
///
/// let storage = state.storage();
/// storage.put("profile", &Profile { name: "Ada".into(), visits: 1 }).await?;
/// let profile: Option<Profile> = storage.get("profile").await?; // Some(Profile { visits: 1, .. })
/// let existed = storage.delete("profile").await?; // true
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Storage {
    raw: sys::DurableObjectStorage,
}

impl Storage {
    pub(crate) fn from_raw(raw: sys::DurableObjectStorage) -> Self {
        Self { raw }
    }

    fn raw(&self) -> &sys::DurableObjectStorage {
        &self.raw
    }

    kv_methods!();

    /// Deletes every key (and, for SQLite-backed objects, the whole
    /// database) and the alarm: afterwards [`get_alarm`](Self::get_alarm)
    /// is `None`, whatever the compatibility date.
    ///
    /// The runtime's `deleteAll()` clears the alarm itself only under the
    /// compatibility flag `delete_all_deletes_alarm` (on by default from
    /// the compatibility date 2026-02-24; `delete_all_preserves_alarm` turns it
    /// off). On earlier dates it keeps the alarm, so this also calls
    /// `deleteAlarm()`, and the object ends up empty on every date. To keep
    /// the alarm, read it with [`get_alarm`](Self::get_alarm) first and set
    /// it again.
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// storage.delete_all().await?;
    /// assert!(storage.get_alarm().await?.is_none());
    /// # Ok(()) }
    /// ```
    pub async fn delete_all(&self) -> Result<()> {
        crate::executor::wait(self.raw.delete_all(&JsValue::UNDEFINED)?).await?;
        crate::executor::wait(self.raw.delete_alarm()?).await?;
        Ok(())
    }

    /// Resolves once every write made so far is durable.
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// let unconfirmed = durable::WriteOptions { allow_unconfirmed: true, ..Default::default() };
    /// storage.put_with("k", &1, unconfirmed).await?;
    /// storage.sync().await?; // now it is on disk
    /// # Ok(()) }
    /// ```
    pub async fn sync(&self) -> Result<()> {
        crate::executor::wait(self.raw.sync()?).await?;
        Ok(())
    }

    /// Runs `work` in a transaction: if it returns `Err` (or panics, or calls
    /// [`Transaction::rollback`]), nothing it wrote is kept.
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// let moved = storage
    ///     .transaction(|txn| async move {
    ///         let from: i64 = txn.get("alice").await?.unwrap_or(0);
    ///         if from < 10 {
    ///             return Err(durable::Error::message("insufficient funds"));
    ///         }
    ///         let to: i64 = txn.get("bob").await?.unwrap_or(0);
    ///         txn.put("alice", &(from - 10)).await?;
    ///         txn.put("bob", &(to + 10)).await?;
    ///         Ok(10)
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn transaction<F, Fut, T>(&self, work: F) -> Result<T>
    where
        F: FnOnce(Transaction) -> Fut + 'static,
        Fut: Future<Output = Result<T>> + 'static,
        T: 'static,
    {
        let slot: Rc<RefCell<Option<T>>> = Rc::default();
        let filled = Rc::clone(&slot);
        let call = crate::runtime::current_call();
        let callback = Closure::once_into_js(move |txn: JsValue| -> Promise {
            crate::runtime::spawn_guarded(call, async move {
                let value = work(Transaction { raw: txn.unchecked_into() }).await.map_err(|e| crate::runtime::to_js_error(&e))?;
                filled.borrow_mut().replace(value);
                Ok(JsValue::UNDEFINED)
            })
        });
        crate::executor::wait(self.raw.transaction(&callback)?).await?;
        let value = slot.borrow_mut().take();
        value.ok_or_else(|| Error::message("the transaction finished without running its work"))
    }

    /// The object's SQLite database (`ctx.storage.sql`).
    ///
    /// On a class with the legacy key-value backend (`new_classes`, or
    /// `#[durable_object(storage = "kv")]`) this fails, or (on the local
    /// runtime, which hands out the object anyway) every statement and
    /// [`database_size`](crate::sql::Sql::database_size) fails, with the
    /// runtime's "SQL is not enabled for this Durable Object class" error.
    ///
    /// ```no_run
    /// # fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// let sql = storage.sql()?;
    /// sql.exec("CREATE TABLE IF NOT EXISTS t (x INTEGER)", &[])?;
    /// # Ok(()) }
    /// ```
    pub fn sql(&self) -> Result<crate::sql::Sql> {
        let raw = self.raw.sql().map_err(Error::from_js)?;
        if raw.is_undefined() || raw.is_null() {
            return Err(Error::Js("ctx.storage.sql is not available: it needs a SQLite-backed class (new_sqlite_classes)".into()));
        }
        Ok(crate::sql::Sql::from_raw(raw.unchecked_into()))
    }

    /// Runs `work` synchronously in a SQL transaction
    /// (`ctx.storage.transactionSync`): if it returns `Err` or panics, every
    /// statement it ran is rolled back.
    ///
    /// ```no_run
    /// # fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// let sql = storage.sql()?;
    /// storage.transaction_sync(move || {
    ///     sql.exec("UPDATE accounts SET balance = balance - 10 WHERE id = ?", &durable::params![1])?;
    ///     sql.exec("UPDATE accounts SET balance = balance + 10 WHERE id = ?", &durable::params![2])?;
    ///     Ok(())
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn transaction_sync<T: 'static>(&self, work: impl FnOnce() -> Result<T> + 'static) -> Result<T> {
        let outcome: Rc<RefCell<Option<Result<T>>>> = Rc::default();
        let filled = Rc::clone(&outcome);
        let callback = Closure::once(move || -> std::result::Result<JsValue, JsValue> {
            let result = work();
            let failed = result.as_ref().err().map(crate::runtime::to_js_error);
            filled.borrow_mut().replace(result);
            // Throwing is what makes the runtime roll back.
            failed.map_or(Ok(JsValue::UNDEFINED), Err)
        });
        let thrown = self.raw.transaction_sync(callback.as_ref().unchecked_ref()).err();
        let result = outcome.borrow_mut().take();
        match (result, thrown) {
            (Some(result), _) => result,
            (None, Some(error)) => Err(Error::from_js(error)),
            (None, None) => Err(Error::message("transactionSync returned without running its work")),
        }
    }

    /// Applies the schema `migrations` this object's database has not had yet,
    /// in order, each in its own transaction, and records them in the table
    /// `_durable_migrations`. Returns the version reached. A step that fails
    /// is rolled back, leaves the schema at the last good version, and its
    /// error is returned (naming the step).
    ///
    /// Run it in the constructor under `block_concurrency_while`: no request
    /// then sees a half-migrated database, and if a step fails every request
    /// gets the error instead.
    ///
    /// ```no_run
    /// use durable::sql::Migration;
    ///
    /// const MIGRATIONS: &[Migration] = &[
    ///     Migration { version: 1, name: "notes", sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)" },
    ///     Migration { version: 2, name: "tags", sql: "ALTER TABLE notes ADD COLUMN tags TEXT" },
    /// ];
    ///
    /// # fn constructor(state: durable::State) {
    /// let storage = state.storage();
    /// let _ = state.block_concurrency_while(async move { storage.migrate(MIGRATIONS).map(|_| ()) });
    /// # }
    /// ```
    pub fn migrate(&self, migrations: &'static [crate::sql::Migration]) -> Result<i64> {
        if let Some(pair) = migrations.windows(2).find(|w| w[0].version >= w[1].version) {
            return Err(Error::message(format!(
                "migrations must have strictly increasing versions: {} ({}) comes before {} ({})",
                pair[0].version, pair[0].name, pair[1].version, pair[1].name
            )));
        }
        let sql = self.sql()?;
        let start = sql.applied_version()?;
        crate::sql::verify_history(&sql, migrations)?;
        let mut current = start;
        for step in migrations.iter().filter(|m| m.version > start) {
            let sql = sql.clone();
            let step = *step;
            self.transaction_sync(move || {
                sql.exec(step.sql, &[])?;
                sql.exec(
                    "INSERT INTO _durable_migrations (version, name, checksum) VALUES (?, ?, ?)",
                    &crate::params![step.version, step.name, crate::sql::migration_checksum(step.sql)],
                )?;
                Ok(())
            })
            .map_err(|e| {
                Error::message(format!(
                    "migration {} ({}) failed, the schema stays at version {current}: {e}",
                    step.version, step.name
                ))
            })?;
            current = step.version;
        }
        Ok(current)
    }

    /// When the alarm is set to fire, if it is set.
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// if storage.get_alarm().await?.is_none() {
    ///     storage.set_alarm_after(std::time::Duration::from_secs(10)).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_alarm(&self) -> Result<Option<SystemTime>> {
        let value = crate::executor::wait(self.raw.get_alarm()?).await?;
        Ok(value.as_f64().map(|ms| UNIX_EPOCH + Duration::from_millis(ms.max(0.0) as u64)))
    }

    /// Sets the object's one alarm to fire at `at` (replacing any other); the
    /// `alarm` handler runs then, even if the object is not in memory.
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage, at: std::time::SystemTime) -> durable::Result<()> {
    /// storage.set_alarm(at).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_alarm(&self, at: SystemTime) -> Result<()> {
        let ms = at.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as f64).unwrap_or(0.0);
        crate::executor::wait(self.raw.set_alarm(ms)?).await?;
        Ok(())
    }

    /// Sets the alarm to fire `delay` from now.
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// storage.set_alarm_after(std::time::Duration::from_secs(10)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_alarm_after(&self, delay: Duration) -> Result<()> {
        let ms = js_sys::Date::now() + delay.as_millis() as f64;
        crate::executor::wait(self.raw.set_alarm(ms)?).await?;
        Ok(())
    }

    /// Cancels the alarm, if set.
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// storage.delete_alarm().await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_alarm(&self) -> Result<()> {
        crate::executor::wait(self.raw.delete_alarm()?).await?;
        Ok(())
    }

    /// A bookmark for the current state (point-in-time recovery).
    ///
    /// Under `wrangler dev` and local workerd this answers a placeholder of
    /// zeros, and [`get_bookmark_for_time`](Self::get_bookmark_for_time) and
    /// [`on_next_session_restore_bookmark`](Self::on_next_session_restore_bookmark)
    /// fail with "This Durable Object's storage back-end does not implement
    /// point-in-time recovery."; they work on Cloudflare.
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// let bookmark = storage.get_current_bookmark().await?;
    /// # Ok(()) }
    /// ```
    pub async fn get_current_bookmark(&self) -> Result<String> {
        let value = crate::executor::wait(self.raw.get_current_bookmark()?).await?;
        value.as_string().ok_or_else(|| Error::Js("getCurrentBookmark returned no string".into()))
    }

    /// A bookmark for the state at `unix_millis` (within the last 30 days).
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// let an_hour_ago = js_sys::Date::now() - 3_600_000.0;
    /// let bookmark = storage.get_bookmark_for_time(an_hour_ago).await?;
    /// # Ok(()) }
    /// ```
    pub async fn get_bookmark_for_time(&self, unix_millis: f64) -> Result<String> {
        let value = crate::executor::wait(self.raw.get_bookmark_for_time(unix_millis)?).await?;
        value.as_string().ok_or_else(|| Error::Js("getBookmarkForTime returned no string".into()))
    }

    /// Restores the object to `bookmark` when it next restarts (call
    /// [`State::abort`](crate::State::abort) to restart now). Returns a
    /// bookmark to undo the restore.
    ///
    /// ```no_run
    /// # async fn demo(state: durable::State, bookmark: String) -> durable::Result<()> {
    /// let undo = state.storage().on_next_session_restore_bookmark(&bookmark).await?;
    /// // Keep `undo` somewhere else first: the restore replaces this storage.
    /// Err(state.abort("restoring"))
    /// # }
    /// ```
    pub async fn on_next_session_restore_bookmark(&self, bookmark: &str) -> Result<String> {
        let value = crate::executor::wait(self.raw.on_next_session_restore_bookmark(bookmark)?).await?;
        value.as_string().ok_or_else(|| Error::Js("onNextSessionRestoreBookmark returned no string".into()))
    }

    /// A snapshot of this object's storage, now or at `options.bookmark`
    /// (`ctx.storage.snapshot()`), for
    /// [`on_next_session_restore`](Self::on_next_session_restore): restoring
    /// it into another object of the class forks this one.
    ///
    /// The runtime has this method only under the compatibility flag
    /// `durable_object_snapshots`; without it this is an `Err` saying so.
    /// With it, the local runtime (workerd 1.20261117) answers "This Durable
    /// Object's storage back-end does not implement snapshots.", as an `Err`.
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// let snapshot = storage.snapshot(durable::SnapshotOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn snapshot(&self, options: SnapshotOptions) -> Result<Snapshot> {
        self.require("snapshot")?;
        let js = Object::new();
        if let Some(bookmark) = &options.bookmark {
            set(&js, "bookmark", bookmark.as_str());
        }
        let raw = crate::executor::wait(self.raw.snapshot(&js.into()).map_err(Error::from_js)?).await.map_err(Error::from_js)?;
        Ok(Snapshot { raw })
    }

    /// Replaces this object's storage with `snapshot` when the object next
    /// starts (`ctx.storage.onNextSessionRestore(snapshot)`); call
    /// [`State::abort`](crate::State::abort) to start again now. Returns a
    /// bookmark to undo the restore.
    ///
    /// As [`snapshot`](Self::snapshot), it needs the compatibility flag
    /// `durable_object_snapshots` (else an `Err` saying so), and the local
    /// runtime has no back-end for it (an `Err` with the runtime's message).
    ///
    /// ```no_run
    /// # async fn demo(state: durable::State, snapshot: durable::Snapshot) -> durable::Result<()> {
    /// let undo = state.storage().on_next_session_restore(&snapshot).await?;
    /// Err(state.abort("restoring a snapshot"))
    /// # }
    /// ```
    pub async fn on_next_session_restore(&self, snapshot: &Snapshot) -> Result<String> {
        self.require("onNextSessionRestore")?;
        let promise = self.raw.on_next_session_restore(&snapshot.raw, &JsValue::UNDEFINED).map_err(Error::from_js)?;
        let value = crate::executor::wait(promise).await.map_err(Error::from_js)?;
        value.as_string().ok_or_else(|| Error::Js("onNextSessionRestore returned no string".into()))
    }

    /// `Err` naming `ctx.storage.<method>()` when the runtime lacks it.
    fn require(&self, method: &str) -> Result<()> {
        let found = Reflect::get(&self.raw, &JsValue::from_str(method)).map_err(Error::from_js)?;
        if found.is_function() {
            return Ok(());
        }
        Err(Error::Js(format!(
            "ctx.storage.{method}() is not available on this runtime: it needs the compatibility flag \
             `durable_object_snapshots` (and a storage back-end with snapshots, which the local runtime lacks)"
        )))
    }

    /// The synchronous KV API (`ctx.storage.kv`) of SQLite-backed objects.
    /// On a class with the legacy key-value backend this fails, or every
    /// operation on it does, with the runtime's error.
    ///
    /// ```no_run
    /// # fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// let kv = storage.kv()?;
    /// kv.put("greeting", &"hello")?;
    /// let greeting: Option<String> = kv.get("greeting")?;
    /// # Ok(()) }
    /// ```
    pub fn kv(&self) -> Result<SyncKv> {
        let raw = self.raw.kv().map_err(Error::from_js)?;
        if raw.is_undefined() || raw.is_null() {
            return Err(Error::Js("ctx.storage.kv is not available: it needs a SQLite-backed class (new_sqlite_classes)".into()));
        }
        Ok(SyncKv { raw: raw.unchecked_into() })
    }
}

/// Options of [`Storage::snapshot`].
///
/// ```
/// let options = durable::SnapshotOptions { bookmark: Some("0000002a-00000001-00000000-0000".into()) };
/// ```
#[derive(Debug, Clone, Default)]
pub struct SnapshotOptions {
    /// Snapshot the state at this bookmark (see
    /// [`Storage::get_bookmark_for_time`]) instead of now.
    pub bookmark: Option<String>,
}

/// A snapshot of an object's storage, from [`Storage::snapshot`]: an opaque
/// runtime value, to give to [`Storage::on_next_session_restore`].
///
/// ```no_run
/// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
/// let snapshot: durable::Snapshot = storage.snapshot(Default::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Snapshot {
    raw: JsValue,
}

impl Snapshot {
    /// The runtime's value (a `DurableObjectSnapshot`).
    ///
    /// ```no_run
    /// # fn demo(snapshot: &durable::Snapshot) {
    /// let raw: &durable::__private::wasm_bindgen::JsValue = snapshot.as_raw();
    /// # }
    /// ```
    pub fn as_raw(&self) -> &JsValue {
        &self.raw
    }
}

/// The storage seen inside [`Storage::transaction`]: the same KV operations,
/// applied atomically when the transaction's work succeeds.
///
/// ```no_run
/// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
/// storage.transaction(|txn: durable::Transaction| async move {
///     let n: u32 = txn.get("n").await?.unwrap_or(0);
///     txn.put("n", &(n + 1)).await
/// }).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Transaction {
    raw: sys::DurableObjectStorage,
}

impl Transaction {
    fn raw(&self) -> &sys::DurableObjectStorage {
        &self.raw
    }

    kv_methods!();

    /// Discards everything written in this transaction; the transaction's
    /// result is still returned.
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// storage.transaction(|txn| async move {
    ///     txn.put("draft", &"x").await?;
    ///     txn.rollback()?;
    ///     Ok(())
    /// }).await?;
    /// # Ok(()) }
    /// ```
    pub fn rollback(&self) -> Result<()> {
        Ok(self.raw.rollback()?)
    }
}

/// The synchronous KV API of SQLite-backed objects (`ctx.storage.kv`): reads
/// and writes without awaiting, in the same database as [`Storage`].
///
/// ```no_run
/// # fn demo(state: durable::State) -> durable::Result<()> {
/// let kv = state.storage().kv()?;
/// let visits: u64 = kv.get("visits")?.unwrap_or(0);
/// kv.put("visits", &(visits + 1))?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SyncKv {
    raw: sys::SyncKvStorage,
}

impl SyncKv {
    /// Reads `key`; `Ok(None)` when absent.
    ///
    /// ```no_run
    /// # fn demo(kv: durable::SyncKv) -> durable::Result<()> {
    /// let n: u32 = kv.get("n")?.unwrap_or(0);
    /// # Ok(()) }
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let value = self.raw.get(key)?;
        if value.is_undefined() {
            return Ok(None);
        }
        from_stored(key, value).map(Some)
    }

    /// Writes `value` at `key`.
    ///
    /// ```no_run
    /// # fn demo(kv: durable::SyncKv) -> durable::Result<()> {
    /// kv.put("n", &1)?;
    /// # Ok(()) }
    /// ```
    pub fn put<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        Ok(self.raw.put(key, &to_stored(key, value)?)?)
    }

    /// Deletes `key`; `Ok(true)` if it existed.
    ///
    /// ```no_run
    /// # fn demo(kv: durable::SyncKv) -> durable::Result<()> {
    /// kv.delete("n")?;
    /// # Ok(()) }
    /// ```
    pub fn delete(&self, key: &str) -> Result<bool> {
        Ok(self.raw.delete(key)?)
    }

    /// The entries selected by `options`, in key order.
    ///
    /// ```no_run
    /// # fn demo(kv: durable::SyncKv) -> durable::Result<()> {
    /// let all: Vec<(String, u32)> = kv.list(&durable::ListOptions::default())?;
    /// # Ok(()) }
    /// ```
    pub fn list<T: DeserializeOwned>(&self, options: &ListOptions) -> Result<Vec<(String, T)>> {
        let iterable = self.raw.list(&options.to_js())?;
        let iterator = js_sys::try_iter(&iterable)?.ok_or_else(|| Error::Js("kv.list() returned no iterable".into()))?;
        let mut out = Vec::new();
        for entry in iterator {
            let entry: Array = entry?.unchecked_into();
            let key = entry.get(0).as_string().unwrap_or_default();
            let value = from_stored(&key, entry.get(1))?;
            out.push((key, value));
        }
        Ok(out)
    }
}
