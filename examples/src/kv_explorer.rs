//! The whole key-value storage API over RPC: batch reads and writes, `list`
//! with its options, options on single operations, `delete_all`, `sync`,
//! transactions (committed, failed, panicking) and the synchronous `kv` API.
//! The JavaScript caller (`/js/call?object=KV`) drives it in the tests.

use std::collections::BTreeMap;

use durable::prelude::*;
use durable::{ListOptions, WriteOptions};
use serde_json::Value;

/// Every KV operation, callable over RPC. Its binding is `KV`, not the
/// default `KV_EXPLORER`.
#[durable_object(binding = "KV")]
pub struct KvExplorer {
    state: State,
}

#[durable_object]
impl KvExplorer {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
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
                txn.put(&from, &(balance - amount)).await?;
                txn.put(&to, &(other + amount)).await?;
                match fail.as_deref() {
                    Some("error") => Err(Error::message("the transfer failed after writing")),
                    Some("panic") => panic!("the transfer panicked after writing"),
                    Some("rollback") => {
                        txn.rollback()?;
                        Ok(balance)
                    }
                    _ => Ok(balance - amount),
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
}
