//! Durable Object stubs as RPC values: a method can return a stub of another
//! object (or take one), and the caller calls that object directly.
//!
//! ```no_run
//! use durable::prelude::*;
//! # #[durable_object] pub struct Counter { state: State }
//! # #[durable_object] impl Counter {
//! #     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//! #     pub fn increment(&self, amount: i64) -> i64 { amount }
//! # }
//!
//! #[durable_object]
//! pub struct Directory { state: State, env: Env }
//!
//! #[durable_object]
//! impl Directory {
//!     pub fn new(state: State, env: Env) -> Self { Self { state, env } }
//!
//!     /// The counter that belongs to `user`.
//!     pub fn counter_for(&self, user: String) -> Result<CounterStub> {
//!         Namespace::<Counter>::from_env_default(&self.env)?.get_by_name(&user)
//!     }
//! }
//!
//! # async fn demo(directory: DirectoryStub) -> durable::Result<()> {
//! let counter: CounterStub = directory.counter_for("ada".into()).await?;
//! counter.increment(1).await?;
//! # Ok(()) }
//! ```

#[cfg(target_arch = "wasm32")]
use serde::{Deserialize, Deserializer, Serialize, Serializer};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen::JsValue;

#[cfg(target_arch = "wasm32")]
use crate::rpc::Stub;

/// Crosses as the JavaScript stub itself. (Outside Wasm: see `testing/values.rs`.)
#[cfg(target_arch = "wasm32")]
impl Serialize for Stub {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_wasm_bindgen::preserve::serialize(self.as_raw(), serializer)
    }
}

/// Takes a Durable Object stub.
#[cfg(target_arch = "wasm32")]
impl<'de> Deserialize<'de> for Stub {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value: JsValue = serde_wasm_bindgen::preserve::deserialize(deserializer)?;
        if !value.is_object() && !value.is_function() {
            let kind = if value.is_null() { "null".to_owned() } else { value.js_typeof().as_string().unwrap_or_default() };
            return Err(serde::de::Error::custom(format!("expected a Durable Object stub, got {kind}")));
        }
        Ok(Stub::from_raw(value))
    }
}
