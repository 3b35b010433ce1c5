//! The whole key-value storage API over RPC: batch reads and writes, `list`
//! with its options, options on single operations, `delete_all`, `sync`,
//! transactions (committed, failed, panicking) and the synchronous `kv` API;
//! how `null` and `None` are stored; `ctx.abort()`; the object's id as seen
//! from inside (`name`, `jurisdiction`), jurisdiction-restricted namespaces,
//! snapshots, and the WebSocket settings' getters; and SQL, which the tests
//! also call with the class on the legacy key-value backend, where it fails
//! cleanly. The JavaScript caller (`/js/call?object=KV`) drives it in the tests.

use std::collections::BTreeMap;

use durable::prelude::*;
use durable::{ListOptions, WriteOptions};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Every KV operation, callable over RPC. Its binding is `KV`, not the
/// default `KV_EXPLORER`.
#[durable_object(binding = "KV")]
pub struct KvExplorer {
    state: State,
    env: Env,
}

/// Read replication as an object sees it (see `KvExplorer::replication`).
#[derive(Debug, Clone, Serialize, Deserialize, durable::TypeScript)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaInfo {
    pub configure_error: Option<String>,
    pub has_primary: bool,
    pub has_version: bool,
    pub cohort: Option<String>,
}

/// The object's id as the object itself sees it (`ctx.id`).
#[derive(Debug, Clone, Serialize, Deserialize, durable::TypeScript)]
pub struct IdInfo {
    pub id: String,
    pub name: Option<String>,
    pub jurisdiction: Option<String>,
}

/// A struct with an optional field, for [`KvExplorer::null_round_trips`].
#[derive(Debug, Serialize, Deserialize)]
struct Optional {
    a: Option<i64>,
}

#[durable_object]
impl KvExplorer {
    pub fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    pub async fn put(&self, key: String, value: Value) -> Result<()> {
        self.state.storage().put(&key, &value).await
    }

    pub async fn get(&self, key: String) -> Result<Option<Value>> {
        self.state.storage().get(&key).await
    }

    pub async fn put_many(&self, entries: BTreeMap<String, Value>) -> Result<()> {
        self.state.storage().put_many(entries.iter().map(|(k, v)| (k.as_str(), v))).await
    }

    pub async fn get_many(&self, keys: Vec<String>) -> Result<BTreeMap<String, Value>> {
        self.state.storage().get_many(&keys).await
    }

    pub async fn delete(&self, key: String) -> Result<bool> {
        self.state.storage().delete(&key).await
    }

    pub async fn delete_many(&self, keys: Vec<String>) -> Result<u32> {
        self.state.storage().delete_many(&keys).await
    }

    pub async fn list(&self, options: ListOptions) -> Result<Vec<(String, Value)>> {
        self.state.storage().list(&options).await
    }

    pub async fn delete_all(&self) -> Result<()> {
        self.state.storage().delete_all().await
    }

    /// A write that does not wait for confirmation, then `sync()`.
    pub async fn put_unconfirmed(&self, key: String, value: Value) -> Result<()> {
        let storage = self.state.storage();
        let options = WriteOptions { allow_unconfirmed: true, no_cache: true, ..Default::default() };
        storage.put_with(&key, &value, options).await?;
        storage.sync().await
    }

    /// Moves `amount` from `from` to `to` in a transaction; `fail` makes it
    /// fail after both writes ("error", "panic" or "rollback"), so nothing is kept.
    pub async fn transfer(&self, from: String, to: String, amount: i64, fail: Option<String>) -> Result<i64> {
        self.state
            .storage()
            .transaction(move |txn| async move {
                let balance: i64 = txn.get(&from).await?.unwrap_or(0);
                let other: i64 = txn.get(&to).await?.unwrap_or(0);
                // Checked: `amount` comes from the caller, and i64 arithmetic wraps in release builds.
                let overflow = || Error::message(format!("the transfer of {amount} would overflow a balance"));
                let (left, right) = (balance.checked_sub(amount).ok_or_else(overflow)?, other.checked_add(amount).ok_or_else(overflow)?);
                txn.put(&from, &left).await?;
                txn.put(&to, &right).await?;
                match fail.as_deref() {
                    Some("error") => Err(Error::message("the transfer failed after writing")),
                    Some("panic") => panic!("the transfer panicked after writing"),
                    Some("rollback") => {
                        txn.rollback()?;
                        Ok(balance)
                    }
                    _ => Ok(left),
                }
            })
            .await
    }

    /// Writes and reads through the synchronous `ctx.storage.kv`.
    pub fn sync_put_get(&self, key: String, value: Value) -> Result<Option<Value>> {
        let kv = self.state.storage().kv()?;
        kv.put(&key, &value)?;
        kv.get(&key)
    }

    /// Lists through the synchronous `ctx.storage.kv`.
    pub fn sync_list(&self, prefix: String) -> Result<Vec<(String, Value)>> {
        let kv = self.state.storage().kv()?;
        kv.list(&ListOptions { prefix: Some(prefix), ..Default::default() })
    }

    /// Deletes through the synchronous `ctx.storage.kv`.
    pub fn sync_delete(&self, key: String) -> Result<bool> {
        self.state.storage().kv()?.delete(&key)
    }

    /// Writes `null`, `()` and `None` from Rust on every storage path, and
    /// through the typed stub of the object named `peer` (a Rust RPC caller),
    /// and answers what each read gives back (`{:?}` of the Rust value).
    pub async fn null_round_trips(&self, peer: String) -> Result<BTreeMap<String, String>> {
        let storage = self.state.storage();
        let mut seen = BTreeMap::new();
        let mut note = |check: &str, value: String| seen.insert(check.to_owned(), value);

        storage.put("null", &1).await?;
        storage.put("null", &Value::Null).await?;
        note("put null over 1, get Value", format!("{:?}", storage.get::<Value>("null").await?));
        storage.put("unit", &()).await?;
        note("put (), get Value", format!("{:?}", storage.get::<Value>("unit").await?));
        storage.put("none", &None::<i64>).await?;
        note("put None, get Option<i64>", format!("{:?}", storage.get::<Option<i64>>("none").await?));
        note("get absent, Option<i64>", format!("{:?}", storage.get::<Option<i64>>("absent").await?));
        storage.put("many", &1).await?;
        storage.put_many([("many", &Value::Null), ("two", &json!(2))]).await?;
        note("put_many null over 1, get_many", format!("{:?}", storage.get_many::<Value, _>(&["many", "two"]).await?));
        storage.put("nested", &json!({ "a": null, "b": [1, null] })).await?;
        note("nested nulls, get Value", format!("{:?}", storage.get::<Value>("nested").await?));
        storage.put("field", &Optional { a: None }).await?;
        note("None field, get Optional", format!("{:?}", storage.get::<Optional>("field").await?));
        let kv = storage.kv()?;
        kv.put("sync", &1)?;
        kv.put("sync", &Value::Null)?;
        note("sync put null over 1, get Value", format!("{:?}", kv.get::<Value>("sync")?));
        kv.put("sync-none", &None::<i64>)?;
        note("sync put None, get Option<i64>", format!("{:?}", kv.get::<Option<i64>>("sync-none")?));
        let sql = storage.sql()?;
        let row: BTreeMap<String, Value> = sql.exec("SELECT NULL AS n, ? AS p", &durable::params![None::<i64>])?.one()?;
        note("SQL NULL row, as Value", format!("{row:?}"));

        let other = Namespace::<KvExplorer>::from_env(&self.env, "KV")?.get_by_name(&peer)?;
        other.put("remote".into(), Value::Null).await?;
        other.put_many(BTreeMap::from([("remote-many".to_owned(), Value::Null)])).await?;
        let back = other.get_many(vec!["remote".into(), "remote-many".into()]).await?;
        note("stub put and put_many null, get_many", format!("{back:?}"));
        note("stub sync_put_get null", format!("{:?}", other.sync_put_get("remote-sync".into(), Value::Null).await?));
        // Options whose value has a `null` of its own, both ways through the stub.
        for (label, value, nested) in [
            ("Some(Null), Some(None)", Some(Value::Null), Some(None)),
            ("None, None", None, None),
            ("Some(1), Some(Some(2))", Some(json!(1)), Some(Some(2))),
        ] {
            let (seen_inside, value_back, nested_back) = other.echo_options(value, nested).await?;
            note(&format!("stub echo_options {label}"), format!("inside {seen_inside}, back {value_back:?}, {nested_back:?}"));
        }
        Ok(seen)
    }

    /// Answers what arrived (`{:?}`) and the same values back: `null` is
    /// `Some(Null)` for an `Option<Value>` and `Some(None)` for an
    /// `Option<Option<_>>`, `undefined` is `None`.
    pub fn echo_options(&self, value: Option<Value>, nested: Option<Option<i64>>) -> (String, Option<Value>, Option<Option<i64>>) {
        (format!("{value:?}, {nested:?}"), value, nested)
    }

    /// Resets the object with `reason` (`ctx.abort`): the call fails with it.
    pub fn reset(&self, reason: String) -> Result<()> {
        Err(self.state.abort(&reason))
    }

    /// `ctx.id`: its string, `name` and `jurisdiction`, from inside.
    pub fn who_am_i(&self) -> IdInfo {
        let id = self.state.id();
        IdInfo { id: id.to_string(), name: id.name(), jurisdiction: id.jurisdiction() }
    }

    /// [`who_am_i`](Self::who_am_i), marked retryable: it only reads, so
    /// running it twice is running it once.
    #[durable(retryable)]
    pub fn who_am_i_retryable(&self) -> IdInfo {
        self.who_am_i()
    }

    /// Makes two calls to the object `name` through one stub: first
    /// `who_am_i_retryable` (when `retryable_first`) or `who_am_i`, then
    /// `who_am_i`; answers the second's result.
    pub async fn two_calls(&self, name: String, retryable_first: bool) -> Result<IdInfo> {
        let stub = Namespace::<KvExplorer>::from_env(&self.env, "KV")?.get_by_name(&name)?;
        if retryable_first {
            stub.who_am_i_retryable().await?;
        } else {
            stub.who_am_i().await?;
        }
        Ok(stub.who_am_i().await?)
    }

    /// Reaches the object `name` through this class's namespace in the way
    /// `how` says (`by-name`, `from-name`, `from-string`, `unique`), and
    /// answers what it says of its own id.
    pub async fn id_via(&self, how: String, name: String) -> Result<IdInfo> {
        let ns = Namespace::<KvExplorer>::from_env(&self.env, "KV")?;
        let stub = match how.as_str() {
            "by-name" => ns.get_by_name(&name)?,
            "from-name" => ns.get(&ns.id_from_name(&name)?)?,
            "from-string" => ns.get(&ns.id_from_string(&ns.id_from_name(&name)?.to_string())?)?,
            "unique" => ns.get(&ns.new_unique_id()?)?,
            other => return Err(Error::message(format!("unknown way {other:?}"))),
        };
        Ok(stub.who_am_i().await?)
    }

    /// Calls the object `name` through this namespace restricted to
    /// `jurisdiction` (`namespace.jurisdiction(..)`).
    pub async fn in_jurisdiction(&self, jurisdiction: String, name: String) -> Result<IdInfo> {
        // The typed value, parsed from the runtime's string (an unknown one is an `Err`).
        let jurisdiction: durable::rpc::Jurisdiction = jurisdiction.parse()?;
        let ns = Namespace::<KvExplorer>::from_env(&self.env, "KV")?.jurisdiction(jurisdiction)?;
        Ok(ns.get_by_name(&name)?.who_am_i().await?)
    }

    /// Calls the object `name` through a stub made with placement and retry
    /// options (`get_by_name_with` when `by_name`, else `get_with` on its id).
    pub async fn id_with_options(
        &self,
        name: String,
        by_name: bool,
        location_hint: Option<String>,
        max_retries: Option<u32>,
        timeout_ms: Option<u32>,
    ) -> Result<IdInfo> {
        use durable::rpc::{GetOptions, LocationHint, RetryOptions};
        let ns = Namespace::<KvExplorer>::from_env(&self.env, "KV")?;
        let retry = (max_retries.is_some() || timeout_ms.is_some()).then_some(RetryOptions { max_retries, timeout_ms });
        // The typed hint, parsed from its string (an unknown one is an `Err`).
        let location_hint = location_hint.map(|hint| hint.parse::<LocationHint>()).transpose()?;
        let options = GetOptions { location_hint: location_hint.map(Into::into), retry, ..Default::default() };
        let stub = if by_name { ns.get_by_name_with(&name, options)? } else { ns.get_with(&ns.id_from_name(&name)?, options)? };
        Ok(stub.who_am_i().await?)
    }

    /// [`who_am_i`](Self::who_am_i) of the object `name`, through a stub
    /// made with `routingMode: "primary-only"` and/or `version: { cohort }`.
    pub async fn id_with_routing(&self, name: String, by_name: bool, primary_only: bool, cohort: Option<String>) -> Result<IdInfo> {
        use durable::rpc::{GetOptions, RoutingMode};
        let ns = Namespace::<KvExplorer>::from_env(&self.env, "KV")?;
        let options = GetOptions { routing_mode: primary_only.then_some(RoutingMode::PrimaryOnly), cohort, ..Default::default() };
        let stub = if by_name { ns.get_by_name_with(&name, options)? } else { ns.get_with(&ns.id_from_name(&name)?, options)? };
        Ok(stub.who_am_i().await?)
    }

    /// Read replication as the object sees it: what
    /// `configure_read_replication(mode)` answered (`None`: it succeeded),
    /// whether it has a primary stub, and its version, if any.
    pub async fn replication(&self, mode: String) -> Result<ReplicaInfo> {
        let mode = match mode.as_str() {
            "auto" => durable::ReadReplicationMode::Auto,
            "disabled" => durable::ReadReplicationMode::Disabled,
            other => return Err(Error::message(format!("unknown mode `{other}`"))),
        };
        let configure_error = self.state.configure_read_replication(mode).await.err().map(|e| e.to_string());
        let has_primary = self.state.primary::<Self>()?.is_some();
        let version = self.state.version()?;
        Ok(ReplicaInfo { configure_error, has_primary, has_version: version.is_some(), cohort: version.and_then(|v| v.cohort) })
    }

    /// Takes a snapshot of this object's storage (`ctx.storage.snapshot()`).
    pub async fn take_snapshot(&self) -> Result<()> {
        self.state.storage().snapshot(durable::SnapshotOptions::default()).await.map(|_| ())
    }

    /// Sets (or, with `None`, clears) the WebSocket auto-response, then
    /// answers what the runtime reports as set.
    pub fn auto_response(&self, pair: Option<(String, String)>) -> Result<Option<(String, String)>> {
        match pair {
            Some((request, response)) => self.state.set_web_socket_auto_response(&request, &response)?,
            None => self.state.clear_web_socket_auto_response()?,
        }
        self.state.get_web_socket_auto_response()
    }

    /// Sets the hibernatable WebSocket event timeout, then answers what the
    /// runtime reports (in milliseconds).
    pub fn event_timeout(&self, ms: Option<u32>) -> Result<Option<u64>> {
        let timeout = ms.map(|ms| std::time::Duration::from_millis(u64::from(ms)));
        self.state.set_hibernatable_web_socket_event_timeout(timeout)?;
        Ok(self.state.get_hibernatable_web_socket_event_timeout()?.map(|d| d.as_millis() as u64))
    }

    /// `storage.sql()?.database_size()`: fails on the legacy key-value
    /// backend (the tests also run this class there).
    pub fn sql_database_size(&self) -> Result<u64> {
        self.state.storage().sql()?.database_size()
    }

    /// Runs `statement`; answers the rows it read.
    pub fn sql_exec(&self, statement: String) -> Result<u64> {
        Ok(self.state.storage().sql()?.exec(&statement, &[])?.rows_read())
    }

    /// What a structured argument reads as in Rust, part by part (for the
    /// tests of the value conversion: JSON-shaped values take the bulk route,
    /// the others the field-by-field one, and both must read the same).
    pub fn probe(&self, probe: Probe) -> String {
        let Probe { zero, nan, counts, blob, list, text, big } = probe;
        format!("zero={zero} nan={nan:?} counts={counts:?} blob={:?} list={list:?} text={text:?} big={big:?}", blob.as_slice())
    }

    /// Runs `count` seeded random values through both routes of the value
    /// conversion and reports where they disagree (see [`crate::routes`]).
    pub fn compare_routes(&self, seed: u32, count: u32) -> crate::routes::RouteReport {
        crate::routes::compare(u64::from(seed), count.min(5_000))
    }

    /// A map with the key `__proto__` (an object) and `extra` other keys;
    /// with `none`, also a key whose value is `None` (`undefined`), which
    /// JSON cannot carry: the map is then built field by field, else it
    /// crosses as one JSON text.
    pub fn proto_map(&self, extra: u32, none: bool) -> BTreeMap<String, Option<Value>> {
        let mut map = BTreeMap::from([("__proto__".to_owned(), Some(json!({ "polluted": true })))]);
        map.extend((0..extra.min(100)).map(|i| (format!("k{i}"), Some(json!(i)))));
        if none {
            map.insert("none".to_owned(), None);
        }
        map
    }

    /// The size of this object's Wasm memory, in bytes (it never shrinks:
    /// read before and after a call, it shows what the call needed at most).
    pub fn memory_bytes(&self) -> u64 {
        #[cfg(target_arch = "wasm32")]
        let pages = core::arch::wasm32::memory_size(0) as u64;
        #[cfg(not(target_arch = "wasm32"))]
        let pages = 0;
        pages * 65_536
    }

    /// The total length of `texts`, received as one argument (a list of a
    /// dozen strings or more crosses as one JSON text: its scratch is what
    /// [`KvExplorer::memory_bytes`] shows growing).
    pub fn total_length(&self, texts: Vec<String>) -> u64 {
        texts.iter().map(|t| t.len() as u64).sum()
    }

    /// The keys of `map` as Rust received them (`__proto__` is data).
    pub fn map_keys(&self, map: BTreeMap<String, Value>) -> Vec<String> {
        map.into_keys().collect()
    }

    /// SQL rows read into the types of the conversion's edge cases, by `case`.
    pub fn sql_rows(&self, case: String) -> Result<String> {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)] // read through Debug
        struct Real {
            x: f64,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)] // read through Debug
        struct Integer {
            x: i64,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)] // read through Debug
        struct Point {
            x: f64,
            y: f64,
        }
        let sql = self.state.storage().sql()?;
        let rows = |query: &str| sql.exec(query, &[]);
        Ok(match case.as_str() {
            "real-f64" => format!("{:?}", rows("SELECT 1e16 AS x UNION ALL SELECT -2e300")?.all::<Real>()?),
            "real-value" => format!("{:?}", rows("SELECT 1e16 AS x")?.all::<BTreeMap<String, f64>>()?),
            "real-i64" => format!("{:?}", rows("SELECT 1e16 AS x")?.all::<Integer>()?),
            "real-raw-i64" => format!("{:?}", rows("SELECT 1, 1e16")?.raw::<(i64, i64)>()?),
            "real-rows-f64" => format!("{:?}", rows("SELECT 1e16 AS x")?.rows::<Real>().collect::<Result<Vec<_>>>()?),
            "points-finite" => {
                format!("{:?}", rows("SELECT 1.5 AS x, 2.5 AS y UNION ALL SELECT 3, 4")?.raw::<Point>()?)
            }
            "points-nan" => {
                // 9e999 is Infinity in SQLite: the second row is not JSON.
                format!("{:?}", rows("SELECT 1.5 AS x, 2.5 AS y UNION ALL SELECT 9e999, 4")?.raw::<Point>()?)
            }
            "pairs-finite" => format!("{:?}", rows("SELECT 1.5 AS x, 2.5 AS y UNION ALL SELECT 3, 4")?.raw::<(f64, f64)>()?),
            "pairs-nan" => format!("{:?}", rows("SELECT 1.5 AS x, 2.5 AS y UNION ALL SELECT 9e999, 4")?.raw::<(f64, f64)>()?),
            other => return Err(Error::message(format!("no case {other:?}"))),
        })
    }

    /// One value of each shape the conversion treats apart, by `kind`.
    pub fn sample(&self, kind: String) -> Result<Sample> {
        Ok(match kind.as_str() {
            "plain" => Sample::Plain {
                items: vec![(1, "one \"quoted\" \u{e9}\u{1F600}".into(), true, 1.5), (2, String::new(), false, -0.25)],
                nested: BTreeMap::from([("a".to_owned(), vec![-(1 << 53) + 1, 0, (1 << 53) - 1])]),
                unit: (),
                max: (1 << 53) - 1,
            },
            "narrow" => Sample::Floats32(vec![0.1, 1.0]),
            "missing" => Sample::Missing(vec![Some(1), None]),
            "bytes" => Sample::Bytes(durable::rpc::Bytes::from(vec![1, 2, 255])),
            "zero" => Sample::Floats(vec![-0.0, 0.0]),
            "non-finite" => Sample::Floats(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
            "wide" => Sample::Wide(vec![1 << 53]),
            other => return Err(Error::message(format!("no sample {other:?}"))),
        })
    }
}

/// The argument of [`KvExplorer::probe`].
#[derive(Debug, Serialize, Deserialize)]
pub struct Probe {
    zero: f64,
    nan: Option<f64>,
    counts: BTreeMap<String, u32>,
    blob: durable::rpc::Bytes,
    list: Vec<Option<u32>>,
    text: Option<String>,
    big: Option<u64>,
}

/// The result of [`KvExplorer::sample`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Sample {
    Plain { items: Vec<(u32, String, bool, f64)>, nested: BTreeMap<String, Vec<i64>>, unit: (), max: u64 },
    Floats32(Vec<f32>),
    Missing(Vec<Option<u32>>),
    Bytes(durable::rpc::Bytes),
    Floats(Vec<f64>),
    Wide(Vec<u64>),
}
