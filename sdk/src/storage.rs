use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::error::conversion_message;
use crate::sys;
use crate::{Error, Result};

/// The object's key-value storage (`ctx.storage`), with values converted by serde.
///
/// Values are stored as structured-cloneable JavaScript values (objects, arrays,
/// numbers, strings), so a JavaScript Durable Object reading the same storage
/// sees ordinary values. Integers outside JavaScript's safe range (±2^53) are
/// refused with [`Error::Conversion`] rather than silently rounded.
///
/// The runtime's guarantees apply unchanged: writes are coalesced and
/// confirmed before the response leaves (output gate), and while a `get` is in
/// flight no other event is delivered (input gate).
///
/// ```no_run
/// # async fn demo(state: durable::State) -> durable::Result<()> {
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Profile { name: String, visits: u32 }
///
/// let storage = state.storage();
/// storage.put("profile", &Profile { name: "Ada".into(), visits: 1 }).await?;
/// let profile: Option<Profile> = storage.get("profile").await?;
/// assert_eq!(profile.unwrap().visits, 1);
/// assert!(storage.delete("profile").await?);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Storage {
    raw: sys::DurableObjectStorage,
}

fn serializer() -> serde_wasm_bindgen::Serializer {
    // Maps become plain objects, the form JavaScript code reads and writes.
    serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true)
}

impl Storage {
    pub(crate) fn from_raw(raw: sys::DurableObjectStorage) -> Self {
        Self { raw }
    }

    /// Reads `key`; `Ok(None)` when it is absent.
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// let count: i64 = storage.get("count").await?.unwrap_or(0);
    /// # Ok(()) }
    /// ```
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let value = JsFuture::from(self.raw.get(key)?).await?;
        if value.is_undefined() {
            return Ok(None);
        }
        serde_wasm_bindgen::from_value(value)
            .map(Some)
            .map_err(|e| Error::Conversion(format!("the value at key {key:?} does not fit the requested type: {}", conversion_message(e))))
    }

    /// Writes `value` at `key`.
    ///
    /// ```no_run
    /// # async fn demo(storage: durable::Storage) -> durable::Result<()> {
    /// storage.put("count", &41_i64).await?;
    /// # Ok(()) }
    /// ```
    pub async fn put<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        let value: JsValue = value
            .serialize(&serializer())
            .map_err(|e| Error::Conversion(format!("the value for key {key:?} cannot be stored: {}", conversion_message(e))))?;
        JsFuture::from(self.raw.put(key, &value)?).await?;
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
        let existed = JsFuture::from(self.raw.delete(key)?).await?;
        Ok(existed.as_bool().unwrap_or(false))
    }
}
