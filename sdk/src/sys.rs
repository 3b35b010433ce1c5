//! Raw bindings to the runtime's Durable Object objects (`ctx`, `ctx.storage`,
//! `ctx.id`). Typed wrappers live in `state.rs` and `storage.rs`.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `DurableObjectState` (`this.ctx` in JavaScript).
    #[derive(Debug, Clone)]
    pub type DurableObjectState;

    #[wasm_bindgen(method, getter)]
    pub fn id(this: &DurableObjectState) -> DurableObjectId;

    #[wasm_bindgen(method, getter)]
    pub fn storage(this: &DurableObjectState) -> DurableObjectStorage;

    #[wasm_bindgen(method, js_name = blockConcurrencyWhile)]
    pub fn block_concurrency_while(this: &DurableObjectState, callback: &Function) -> Promise;

    #[wasm_bindgen(method, js_name = waitUntil)]
    pub fn wait_until(this: &DurableObjectState, promise: &Promise);

    #[wasm_bindgen(method)]
    pub fn abort(this: &DurableObjectState, reason: &str);

    /// `DurableObjectId`.
    #[derive(Debug, Clone)]
    pub type DurableObjectId;

    #[wasm_bindgen(method, js_name = toString)]
    pub fn to_string(this: &DurableObjectId) -> String;

    #[wasm_bindgen(method, getter)]
    pub fn name(this: &DurableObjectId) -> Option<String>;

    #[wasm_bindgen(method)]
    pub fn equals(this: &DurableObjectId, other: &DurableObjectId) -> bool;

    /// `DurableObjectStorage` (`this.ctx.storage`).
    #[derive(Debug, Clone)]
    pub type DurableObjectStorage;

    #[wasm_bindgen(method, catch)]
    pub fn get(this: &DurableObjectStorage, key: &str) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub fn put(this: &DurableObjectStorage, key: &str, value: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub fn delete(this: &DurableObjectStorage, key: &str) -> Result<Promise, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    /// `DurableObjectNamespace` (a binding in `env`).
    #[derive(Debug, Clone)]
    pub type DurableObjectNamespace;

    #[wasm_bindgen(method, catch, js_name = idFromName)]
    pub fn id_from_name(this: &DurableObjectNamespace, name: &str) -> Result<DurableObjectId, JsValue>;

    #[wasm_bindgen(method, catch, js_name = idFromString)]
    pub fn id_from_string(this: &DurableObjectNamespace, id: &str) -> Result<DurableObjectId, JsValue>;

    #[wasm_bindgen(method, catch, js_name = newUniqueId)]
    pub fn new_unique_id(this: &DurableObjectNamespace, options: &JsValue) -> Result<DurableObjectId, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub fn get(this: &DurableObjectNamespace, id: &DurableObjectId, options: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = getByName)]
    pub fn get_by_name(this: &DurableObjectNamespace, name: &str, options: &JsValue) -> Result<JsValue, JsValue>;
}
