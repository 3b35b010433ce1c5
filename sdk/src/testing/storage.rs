//! Looking inside an object from a test: its key-value and SQL storage, read
//! and written through the object's own `ctx.storage`.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::target::Target;
use crate::rpc::RpcError;
use crate::{Error, Result};

/// One object's storage, from the test. Values cross as JSON: a value put
/// here is the plain JavaScript value the object's
/// [`Storage`](crate::Storage) reads (a struct is an object, one property
/// per field), and the other way round.
///
/// ```no_run
/// # use durable::prelude::*;
/// # #[durable_object] pub struct Counter { state: State }
/// # #[durable_object] impl Counter { pub fn new(state: State, _env: Env) -> Self { Self { state } } }
/// # async fn demo(env: durable::testing::TestEnv) -> durable::Result<()> {
/// let counter = env.namespace::<Counter>().get_by_name("a")?;
/// let storage = env.storage(&counter)?;
/// storage.put("value", &41).await?;
/// assert_eq!(storage.get::<i64>("value").await?, Some(41));
/// let rows: Vec<serde_json::Value> = storage.sql("SELECT 1 AS one", &[]).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TestStorage {
    target: Target,
}

fn json<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::Conversion(format!("{what}: {e}")))
}

impl TestStorage {
    pub(crate) fn new(target: Target) -> Self {
        Self { target }
    }

    fn hook<R: DeserializeOwned>(&self, op: &str, args: Vec<serde_json::Value>) -> Result<R> {
        self.target.hook(op, args).map_err(|e| match e {
            RpcError::Conversion(m) => Error::Conversion(format!("storage {op}: {m}")),
            other => other.into(),
        })
    }

    /// The value stored under `key`, if any (`storage.get(key)`).
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.hook("kvGet", vec![key.into()])
    }

    /// Stores `value` under `key` (`storage.put(key, value)`).
    pub async fn put<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        self.hook::<serde_json::Value>("kvPut", vec![key.into(), json("storage put", value)?]).map(drop)
    }

    /// Deletes `key`; whether it existed (`storage.delete(key)`).
    pub async fn delete(&self, key: &str) -> Result<bool> {
        self.hook("kvDelete", vec![key.into()])
    }

    /// Every key and value, in key order (`storage.list()`).
    pub async fn list<T: DeserializeOwned>(&self) -> Result<Vec<(String, T)>> {
        self.hook("kvList", vec![serde_json::json!({})])
    }

    /// The keys and values whose key starts with `prefix`, in key order.
    pub async fn list_prefix<T: DeserializeOwned>(&self, prefix: &str) -> Result<Vec<(String, T)>> {
        self.hook("kvList", vec![serde_json::json!({ "prefix": prefix })])
    }

    /// Runs `query` with `bindings` on the object's SQL database
    /// (`storage.sql.exec(query, ...bindings)`); each row is an object of
    /// its columns, read into `R` (a struct, or `serde_json::Value`).
    pub async fn sql<R: DeserializeOwned>(&self, query: &str, bindings: &[serde_json::Value]) -> Result<Vec<R>> {
        self.hook("sql", vec![query.into(), bindings.to_vec().into()])
    }
}
