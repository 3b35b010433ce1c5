//! Raw bindings to the runtime's Durable Object objects (`ctx`, `ctx.storage`,
//! `ctx.id`). Typed wrappers live in `state.rs`, `storage.rs` and `sql.rs`.
//!
//! Every import the runtime can throw from is declared `catch`, so that a
//! JavaScript exception becomes an `Err` instead of unwinding through the
//! Wasm frames. The few without `catch` cannot throw when given the types
//! declared here (workerd: `ctx.id`, `ctx.storage`, `id.toString()`,
//! `id.name`, `id.jurisdiction`, `id.equals(id)`, and a cursor's `columnNames`, `rowsRead` and
//! `rowsWritten`, which are read from the cursor itself). `ctx.abort()` is
//! called from `state.rs`, which marks the instance dead first.

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

    /// Throws (workerd ends the calling event on the spot instead).
    #[wasm_bindgen(method, catch)]
    pub fn abort(this: &DurableObjectState, reason: &str) -> Result<(), JsValue>;

    /// `ctx.abort(reason, { retryAlarm })`.
    #[wasm_bindgen(method, catch, js_name = abort)]
    pub fn abort_with(this: &DurableObjectState, reason: &str, options: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = blockConcurrencyWhile)]
    pub fn block_concurrency_while(this: &DurableObjectState, callback: &Function) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = waitUntil)]
    pub fn wait_until(this: &DurableObjectState, promise: &Promise) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = acceptWebSocket)]
    pub fn accept_web_socket(this: &DurableObjectState, ws: &web_sys::WebSocket, tags: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = getWebSockets)]
    pub fn get_web_sockets(this: &DurableObjectState, tag: &JsValue) -> Result<js_sys::Array, JsValue>;

    #[wasm_bindgen(method, catch, js_name = getTags)]
    pub fn get_tags(this: &DurableObjectState, ws: &web_sys::WebSocket) -> Result<js_sys::Array, JsValue>;

    #[wasm_bindgen(method, catch, js_name = setWebSocketAutoResponse)]
    pub fn set_web_socket_auto_response(this: &DurableObjectState, pair: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = getWebSocketAutoResponseTimestamp)]
    pub fn get_web_socket_auto_response_timestamp(this: &DurableObjectState, ws: &web_sys::WebSocket) -> Result<JsValue, JsValue>;

    /// The pair, or `null`.
    #[wasm_bindgen(method, catch, js_name = getWebSocketAutoResponse)]
    pub fn get_web_socket_auto_response(this: &DurableObjectState) -> Result<JsValue, JsValue>;

    /// Milliseconds, or `null`.
    #[wasm_bindgen(method, catch, js_name = getHibernatableWebSocketEventTimeout)]
    pub fn get_hibernatable_web_socket_event_timeout(this: &DurableObjectState) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = setHibernatableWebSocketEventTimeout)]
    pub fn set_hibernatable_web_socket_event_timeout(this: &DurableObjectState, ms: &JsValue) -> Result<(), JsValue>;

    /// `ctx.configureReadReplication({ mode })`: absent where the runtime
    /// has no read replication (see `State::configure_read_replication`,
    /// which checks that the method exists first).
    #[wasm_bindgen(method, catch, js_name = configureReadReplication)]
    pub fn configure_read_replication(this: &DurableObjectState, options: &JsValue) -> Result<js_sys::Promise, JsValue>;

    /// `ctx.primaryStub`: a stub of the primary, on a replica; `undefined` elsewhere.
    #[wasm_bindgen(method, getter, catch, js_name = primaryStub)]
    pub fn primary_stub(this: &DurableObjectState) -> Result<JsValue, JsValue>;

    /// `ctx.version`: `{ cohort? }`, or `undefined`.
    #[wasm_bindgen(method, getter, catch)]
    pub fn version(this: &DurableObjectState) -> Result<JsValue, JsValue>;

    /// `WebSocketRequestResponsePair`, for auto-responses.
    pub type WebSocketRequestResponsePair;

    #[wasm_bindgen(constructor, catch)]
    pub fn new(request: &str, response: &str) -> Result<WebSocketRequestResponsePair, JsValue>;

    #[wasm_bindgen(method, getter, catch)]
    pub fn request(this: &WebSocketRequestResponsePair) -> Result<String, JsValue>;

    #[wasm_bindgen(method, getter, catch)]
    pub fn response(this: &WebSocketRequestResponsePair) -> Result<String, JsValue>;

    /// `DurableObjectId`.
    #[derive(Debug, Clone)]
    pub type DurableObjectId;

    #[wasm_bindgen(method, js_name = toString)]
    pub fn to_string(this: &DurableObjectId) -> String;

    #[wasm_bindgen(method, getter)]
    pub fn name(this: &DurableObjectId) -> Option<String>;

    #[wasm_bindgen(method, getter)]
    pub fn jurisdiction(this: &DurableObjectId) -> Option<String>;

    #[wasm_bindgen(method)]
    pub fn equals(this: &DurableObjectId, other: &DurableObjectId) -> bool;

    /// `DurableObjectStorage` (`this.ctx.storage`), and the transaction object
    /// its `transaction` callback receives: both have the asynchronous KV
    /// methods.
    #[derive(Debug, Clone)]
    pub type DurableObjectStorage;

    #[wasm_bindgen(method, catch)]
    pub fn get(this: &DurableObjectStorage, key: &JsValue, options: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub fn put(this: &DurableObjectStorage, key: &JsValue, value: &JsValue, options: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = put)]
    pub fn put_entries(this: &DurableObjectStorage, entries: &JsValue, options: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub fn delete(this: &DurableObjectStorage, key: &JsValue, options: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub fn list(this: &DurableObjectStorage, options: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = deleteAll)]
    pub fn delete_all(this: &DurableObjectStorage, options: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub fn sync(this: &DurableObjectStorage) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub fn transaction(this: &DurableObjectStorage, closure: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub fn rollback(this: &DurableObjectStorage) -> Result<(), JsValue>;

    #[wasm_bindgen(method, getter, catch)]
    pub fn kv(this: &DurableObjectStorage) -> Result<JsValue, JsValue>;

    /// `ctx.storage.kv`: the synchronous KV API of SQLite-backed objects.
    #[derive(Debug, Clone)]
    pub type SyncKvStorage;

    #[wasm_bindgen(method, catch, js_name = get)]
    pub fn get(this: &SyncKvStorage, key: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = put)]
    pub fn put(this: &SyncKvStorage, key: &str, value: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = delete)]
    pub fn delete(this: &SyncKvStorage, key: &str) -> Result<bool, JsValue>;

    #[wasm_bindgen(method, catch, js_name = list)]
    pub fn list(this: &SyncKvStorage, options: &JsValue) -> Result<JsValue, JsValue>;
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

    /// Throws on workerd ("Jurisdiction restrictions are not implemented in workerd.").
    #[wasm_bindgen(method, catch)]
    pub fn jurisdiction(this: &DurableObjectNamespace, jurisdiction: &str) -> Result<DurableObjectNamespace, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    /// `ctx.storage.sql`.
    #[derive(Debug, Clone)]
    pub type SqlStorage;

    #[wasm_bindgen(method, catch, variadic)]
    pub fn exec(this: &SqlStorage, query: &str, bindings: &[JsValue]) -> Result<SqlCursor, JsValue>;

    #[wasm_bindgen(method, getter, catch, js_name = databaseSize)]
    pub fn database_size(this: &SqlStorage) -> Result<f64, JsValue>;

    /// The cursor `exec` returns.
    #[derive(Debug, Clone)]
    pub type SqlCursor;

    #[wasm_bindgen(method, getter, js_name = columnNames)]
    pub fn column_names(this: &SqlCursor) -> js_sys::Array;

    #[wasm_bindgen(method, getter, js_name = rowsRead)]
    pub fn rows_read(this: &SqlCursor) -> f64;

    #[wasm_bindgen(method, getter, js_name = rowsWritten)]
    pub fn rows_written(this: &SqlCursor) -> f64;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(method, getter, catch)]
    pub fn sql(this: &DurableObjectStorage) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = transactionSync)]
    pub fn transaction_sync(this: &DurableObjectStorage, closure: &js_sys::Function) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = getAlarm)]
    pub fn get_alarm(this: &DurableObjectStorage) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = setAlarm)]
    pub fn set_alarm(this: &DurableObjectStorage, scheduled_time: f64) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = deleteAlarm)]
    pub fn delete_alarm(this: &DurableObjectStorage) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = getCurrentBookmark)]
    pub fn get_current_bookmark(this: &DurableObjectStorage) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = getBookmarkForTime)]
    pub fn get_bookmark_for_time(this: &DurableObjectStorage, time: f64) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = onNextSessionRestoreBookmark)]
    pub fn on_next_session_restore_bookmark(this: &DurableObjectStorage, bookmark: &str) -> Result<js_sys::Promise, JsValue>;

    /// Only with the compatibility flag `durable_object_snapshots`; see
    /// `Storage::snapshot`, which checks that the method exists first.
    #[wasm_bindgen(method, catch)]
    pub fn snapshot(this: &DurableObjectStorage, options: &JsValue) -> Result<js_sys::Promise, JsValue>;

    /// As `snapshot`.
    #[wasm_bindgen(method, catch, js_name = onNextSessionRestore)]
    pub fn on_next_session_restore(this: &DurableObjectStorage, target: &JsValue, options: &JsValue) -> Result<js_sys::Promise, JsValue>;
}
