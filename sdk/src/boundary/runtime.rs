//! The adapter between an object and the JavaScript class that hosts it.
//!
//! The build generates, per class, a JavaScript class that `extends
//! DurableObject` and forwards each runtime event into Wasm; the Wasm side of
//! that call is an [`Instance`]. This module knows nothing of the macro: it
//! works for any type implementing [`DurableObject`] and the handler traits.
//!
//! Panics: Rust on `wasm32-unknown-unknown` aborts on panic, which traps the Wasm
//! instance. The JavaScript runtime gives every object an instance of its own
//! (one compiled module, many instances), so a trap reaches one object only.
//! Every call from JavaScript carries a call id, and its future is polled with
//! that id recorded ([`Tracked`]); the panic hook installed by [`init`] reports
//! the id and message to the instance's hooks (`hooks.rs`) before the trap. The runtime
//! fails that call with the message, fails the object's other calls in flight,
//! and builds the object again, in a fresh instance, on its next event. Storage
//! is untouched; in-memory state starts over, exactly as after an eviction.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use crate::executor::Entry;
use crate::hooks::{self, Hooks};
use crate::{DurableObject, Env, Error, Fetch, State};

/// Runs the work of call `call` on the instance's executor: its result if it
/// finished within the call, else the runtime's `pending` marker (the result
/// follows through `hooks.settle`).
pub(crate) fn spawn_call<F>(call: u32, work: F) -> Result<JsValue, JsValue>
where
    F: Future<Output = Result<JsValue, JsValue>> + 'static,
{
    let work = Tracked::new(call, work);
    match hooks::pending() {
        Some(pending) => crate::executor::spawn_call(call, &pending, work),
        // Not in the durable runtime (no hooks): a promise, as a plain
        // wasm-bindgen export would return.
        None => Ok(crate::executor::spawn_promise(work).into()),
    }
}

/// What the glue method of call `call` returns for its outcome: the value,
/// or, for an `Err`, the runtime's `failed` marker after handing the error
/// to `hooks.fail` (see the `boundary` module). A glue method that returns
/// a plain `JsValue` crosses into JavaScript as the value itself: no
/// exception, no slot of the externref table and no array of results, as a
/// `Result` would take. Used by generated code.
#[doc(hidden)]
pub fn answer(call: u32, outcome: Result<JsValue, JsValue>) -> JsValue {
    match outcome {
        Ok(value) => value,
        Err(error) => hooks::fail(call, error),
    }
}

/// The promise the runtime followed for slot `slot` settled.
#[doc(hidden)]
#[wasm_bindgen(js_name = "__durable_resume")]
pub fn resume(slot: u32, ok: bool, value: JsValue) {
    crate::executor::resume(slot, if ok { Ok(value) } else { Err(value) });
}

/// Tells the JavaScript runtime that `ctx.abort(reason)` is about to end this
/// instance's running call: it marks the instance dead and fails its other
/// calls, so that nothing enters it again.
pub(crate) fn before_abort(reason: &str) {
    hooks::abort(current_call(), reason);
}

/// The call whose code is running now (0 outside any call).
pub(crate) fn current_call() -> u32 {
    CURRENT_CALL.with(Cell::get)
}

/// Turns `work` into a promise that the runtime awaits on the object's behalf
/// (the callback of a `transaction`). It is polled as part of `call` (take it
/// with [`current_call`] when the work is started: the runtime may invoke the
/// callback later, outside any call), so a panic in it is attributed to that
/// call, and the JavaScript runtime settles it even if the panic kills the
/// instance: the runtime is never left waiting on a dead promise. If the
/// instance dies, the promise rejects, so a transaction rolls back.
pub(crate) fn spawn_guarded<F>(call: u32, work: F) -> Promise
where
    F: Future<Output = Result<JsValue, JsValue>> + 'static,
{
    hooks::track(call, &crate::executor::spawn_promise(Tracked::new(call, work)), false)
}

/// Like [`spawn_guarded`], for work whose failure the object's own reset
/// already answers (the callbacks of `blockConcurrencyWhile` and `waitUntil`):
/// if the instance dies, the promise resolves. The panic has been logged and
/// the object is rebuilt on its next event; a rejection would only make the
/// runtime reset it a second time and log the same panic again.
pub(crate) fn spawn_guarded_settling<F>(call: u32, work: F) -> Promise
where
    F: Future<Output = Result<JsValue, JsValue>> + 'static,
{
    hooks::track(call, &crate::executor::spawn_promise(Tracked::new(call, work)), true)
}

thread_local! {
    /// The call whose code is running now; 0 outside any tracked call.
    static CURRENT_CALL: Cell<u32> = const { Cell::new(0) };
}

/// A future that records its call id while it is polled, so that a panic can
/// be attributed to the call that caused it.
pub struct Tracked<F> {
    call: u32,
    inner: Pin<Box<F>>,
}

impl<F: Future> Tracked<F> {
    /// Wraps `inner` for the call `call` (an id chosen by the JavaScript runtime).
    pub fn new(call: u32, inner: F) -> Self {
        Self { call, inner: Box::pin(inner) }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let previous = CURRENT_CALL.with(|c| c.replace(self.call));
        let result = self.inner.as_mut().poll(cx);
        CURRENT_CALL.with(|c| c.set(previous));
        result
    }
}

/// Installs the panic hook that reports panics to the JavaScript runtime,
/// which the runtime calls once on each new instance of the module.
///
/// The hook replaces any earlier one (the `worker` crate's logs the panic,
/// which the runtime already does, once): a panic is reported exactly once.
#[doc(hidden)]
#[wasm_bindgen(js_name = "__durable_init")]
pub fn init(hooks: Hooks) {
    hooks::install(hooks);
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        hooks::panic(CURRENT_CALL.with(Cell::get), &message);
    }));
}

/// The call that was being polled when the instance trapped: a trap that no
/// panic announced leaves it recorded. Reading it touches no stack and no
/// allocator, so it is safe on an instance that has just trapped.
#[doc(hidden)]
#[wasm_bindgen(js_name = "__durable_current_call")]
pub fn current_call_export() -> u32 {
    current_call()
}

/// How many entries of this instance's Rust code are on the stack (see
/// the executor's `enter`): the JavaScript runtime reads it around calls and
/// closures to recognise a JavaScript exception that unwound through Rust
/// frames. Touches no stack and no allocator.
#[doc(hidden)]
#[wasm_bindgen(js_name = "__durable_depth")]
pub fn depth_export() -> u32 {
    crate::executor::depth()
}

/// One live Durable Object, as the generated JavaScript class sees it.
///
/// The object sits behind an `Rc`: every event clones the `Rc` into its own
/// future, so events interleave at `.await` points without any `&mut` aliasing.
/// Handlers take `&self`; mutable in-memory state lives in `Cell`/`RefCell`.
pub struct Instance<T> {
    object: Rc<T>,
}

impl<T: DurableObject> Instance<T> {
    /// Constructs the object from the runtime's `ctx` and `env`.
    pub fn new(ctx: JsValue, env: JsValue, call: u32) -> Self {
        crate::executor::enter(Entry::Defers, || {
            let previous = CURRENT_CALL.with(|c| c.replace(call));
            let state = State::from_raw(ctx.unchecked_into());
            let env: Env = env.unchecked_into();
            let object = Rc::new(T::new(state, env));
            CURRENT_CALL.with(|c| c.set(previous));
            Self { object }
        })
    }
}

impl<T: DurableObject> Instance<T> {
    /// Runs one RPC method as call `call`: `run` receives the object and
    /// resolves to the converted result; an `Err` is the call's error, with its message.
    /// Returns the result if the method finished without waiting, else the
    /// runtime's `pending` marker (the protocol is described in the SDK's `boundary` module).
    pub fn rpc<F, Fut>(&self, call: u32, run: F) -> Result<JsValue, JsValue>
    where
        F: FnOnce(Rc<T>) -> Fut,
        Fut: Future<Output = crate::Result<JsValue>> + 'static,
    {
        let work = run(Rc::clone(&self.object));
        spawn_call(call, async move { work.await.map_err(|e| to_js_error(&e)) })
    }

    /// Runs one synchronous RPC method as call `call`, returning its converted
    /// result at once (an `Err` is the call's error, with its message). The JavaScript
    /// runtime settles the caller's promise with it: no future, no executor
    /// task and no extra microtask for a method that never awaits.
    pub fn rpc_sync<F>(&self, call: u32, run: F) -> Result<JsValue, JsValue>
    where
        F: FnOnce(&T) -> crate::Result<JsValue>,
    {
        crate::executor::enter(Entry::Defers, || {
            let previous = CURRENT_CALL.with(|c| c.replace(call));
            let result = run(&self.object);
            CURRENT_CALL.with(|c| c.set(previous));
            result.map_err(|e| to_js_error(&e))
        })
    }
}

/// Runs `f` as call `call`: a panic in it is attributed to that call.
pub(crate) fn run_as_call<R>(call: u32, f: impl FnOnce() -> R) -> R {
    crate::executor::enter(Entry::Defers, || {
        let previous = CURRENT_CALL.with(|c| c.replace(call));
        let result = f();
        CURRENT_CALL.with(|c| c.set(previous));
        result
    })
}

/// A handler with no result: `undefined`, or the error thrown.
fn unit_handler<F: Future<Output = crate::Result<()>> + 'static>(call: u32, work: F) -> Result<JsValue, JsValue> {
    spawn_call(call, async move { work.await.map(|()| JsValue::UNDEFINED).map_err(|e| to_js_error(&e)) })
}

impl<T: crate::Alarm> Instance<T> {
    /// Runs the `alarm` handler as call `call`. Rejects on `Err`, which makes
    /// the runtime retry the alarm.
    pub fn alarm(&self, info: JsValue, call: u32) -> Result<JsValue, JsValue> {
        let object = Rc::clone(&self.object);
        let info: crate::AlarmInfo =
            if info.is_object() { serde_wasm_bindgen::from_value(info).unwrap_or_default() } else { Default::default() };
        unit_handler(call, async move { object.alarm(info).await })
    }
}

impl<T: crate::WebSocketMessage> Instance<T> {
    /// Runs the `webSocketMessage` handler as call `call`.
    pub fn web_socket_message(&self, ws: web_sys::WebSocket, message: JsValue, call: u32) -> Result<JsValue, JsValue> {
        let object = Rc::clone(&self.object);
        let message = crate::ws::Message::from_js(message);
        unit_handler(call, async move { object.web_socket_message(ws.into(), message).await })
    }
}

impl<T: crate::WebSocketClose> Instance<T> {
    /// Runs the `webSocketClose` handler as call `call`.
    pub fn web_socket_close(&self, ws: web_sys::WebSocket, code: u16, reason: String, was_clean: bool, call: u32) -> Result<JsValue, JsValue> {
        let object = Rc::clone(&self.object);
        unit_handler(call, async move { object.web_socket_close(ws.into(), code, reason, was_clean).await })
    }
}

impl<T: crate::WebSocketError> Instance<T> {
    /// Runs the `webSocketError` handler as call `call`.
    pub fn web_socket_error(&self, ws: web_sys::WebSocket, error: JsValue, call: u32) -> Result<JsValue, JsValue> {
        let object = Rc::clone(&self.object);
        let error = Error::from_js(error);
        unit_handler(call, async move { object.web_socket_error(ws.into(), error).await })
    }
}

impl<T: crate::OnHibernate> Instance<T> {
    /// Runs the `onHibernate` handler as call `call`. `info` is the
    /// runtime's `{ reason }`; a missing or non-string reason reads as
    /// `Other("")`.
    pub fn on_hibernate(&self, info: JsValue, call: u32) -> Result<JsValue, JsValue> {
        let object = Rc::clone(&self.object);
        let reason = js_sys::Reflect::get(&info, &JsValue::from_str("reason")).ok().and_then(|r| r.as_string()).unwrap_or_default();
        let info = crate::HibernateInfo::from_reason(&reason);
        unit_handler(call, async move { object.on_hibernate(info).await })
    }
}

impl<T: Fetch> Instance<T> {
    /// Runs the `fetch` handler as call `call`. Resolves to the `Response`;
    /// rejects on `Err` with a JavaScript `Error` carrying the error's message,
    /// which the JavaScript runtime answers with a `500`.
    pub fn fetch(&self, request: web_sys::Request, call: u32) -> Result<JsValue, JsValue> {
        let object = Rc::clone(&self.object);
        spawn_call(call, async move {
            match object.fetch(request.into()).await {
                Ok(response) => response_to_js(response),
                Err(error) => Err(to_js_error(&error)),
            }
        })
    }
}

#[wasm_bindgen(inline_js = r#"
export function respond_bytes(status, headers, bytes) {
  return new Response(bytes.slice(), { status, headers });
}
export function respond(status, headers, body) {
  return new Response(body, { status, headers });
}
"#)]
extern "C" {
    /// `new Response(copy of bytes, { status, headers })`: the bytes are
    /// a view of Wasm memory, copied before the call returns.
    #[wasm_bindgen(catch)]
    fn respond_bytes(status: u16, headers: &web_sys::Headers, bytes: &[u8]) -> Result<JsValue, JsValue>;
    /// `new Response(body, { status, headers })`, `body` a stream or `null`.
    #[wasm_bindgen(catch)]
    fn respond(status: u16, headers: &web_sys::Headers, body: &JsValue) -> Result<JsValue, JsValue>;
}

/// The JavaScript `Response` of a handler's `response`, made in one call
/// across the boundary (the `worker` crate's conversion makes the init
/// object, sets its fields, makes and fills a `Uint8Array`: six calls).
/// A response with a WebSocket, `cf` options or `encodeBody: "manual"`
/// goes through the `worker` crate's conversion. A status the runtime
/// refuses (outside 200-599) fails the call with the runtime's `RangeError`.
fn response_to_js(response: worker::Response) -> Result<JsValue, JsValue> {
    let plain = matches!(response.encode_body(), worker::EncodeBody::Automatic)
        && matches!(response.cf::<serde::de::IgnoredAny>(), Ok(None));
    if !plain {
        return Ok(web_sys::Response::from(response).into());
    }
    let status = response.status_code();
    let headers = response.headers().clone();
    let (builder, body) = response.into_parts();
    if let Some(websocket) = builder.empty().websocket() {
        // Rebuilt as it was: status, headers, WebSocket and body (no `cf`, automatic encoding).
        let response = worker::ResponseBuilder::new().with_status(status).with_headers(headers).with_websocket(websocket).body(body);
        return Ok(web_sys::Response::from(response).into());
    }
    match body {
        worker::ResponseBody::Body(bytes) => respond_bytes(status, &headers.0, &bytes),
        worker::ResponseBody::Stream(stream) => respond(status, &headers.0, &stream),
        worker::ResponseBody::Empty => respond(status, &headers.0, &JsValue::NULL),
    }
}

/// A JavaScript `Error` with the message of `error`.
pub(crate) fn to_js_error(error: &Error) -> JsValue {
    js_sys::Error::new(&error.to_string()).into()
}
