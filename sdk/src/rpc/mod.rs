//! Typed JS RPC: the conversions on both sides of a call, the error a caller
//! sees, and the untyped stub that generated typed stubs wrap.
//!
//! Public methods of a `#[durable_object]` impl block are callable over the
//! runtime's JS RPC (`await stub.increment(5)` in JavaScript). Arguments and
//! results cross as plain JavaScript values, converted by serde (the same
//! conversion stores values in [`Storage`](crate::Storage) and reads SQL rows):
//!
//! | Rust | JavaScript | JavaScript accepted back |
//! |---|---|---|
//! | `bool` | `boolean` | `boolean` |
//! | integers up to 32 bits, `f32`, `f64` | `number` (`NaN` and `±Infinity` too) | `number` |
//! | `i64`, `u64`, `isize`, `usize` | `number`; beyond ±2^53 (`Number.MAX_SAFE_INTEGER`) an error naming the value, never rounded | a `number` that is an integer in range, or a `BigInt` that fits |
//! | `i128`, `u128` | `BigInt` | `BigInt` |
//! | `String`, `&str`, `char` | `string` | `string` |
//! | `()`, unit structs, `serde_json::Value::Null` | `null` | `null` or `undefined` |
//! | `Option<T>` | `None`: `undefined`; `Some(v)`: `v` (`Some(None)`: `null`) | `undefined` or a missing field for `None`; `null` for `None` too, unless `T` reads `null` itself (`serde_json::Value`, `()`, an inner `Option`): then `Some(Value::Null)`, `Some(())`, `Some(None)` |
//! | `Vec<T>`, slices, sets, tuples, tuple structs | arrays | arrays |
//! | structs | plain objects, one property per field (a `None` field is present and `undefined`) | plain objects |
//! | maps with string keys (`HashMap`, `BTreeMap`, `serde_json::Map`) | plain objects (other keys are an error) | plain objects or `Map`s |
//! | enums | serde's external tagging: `"Unit"`, `{ "Newtype": v }`, `{ "Tuple": [..] }`, `{ "Struct": {..} }` | the same |
//! | [`Bytes`] (`serde_bytes`) | `Uint8Array` | `Uint8Array`, `ArrayBuffer` or an array of numbers |
//! | `Vec<u8>` | an array of numbers | the same, or a `Uint8Array` |
//! | `serde_json::Value` | its JSON shape, `Null` as `null` | JSON-like values; `NaN` and `±Infinity` become `Null` (serde_json cannot hold them) |
//! | [`SqlValue`](crate::sql::SqlValue) | `null`, `number`, `string` or `Uint8Array` | the same, `boolean` as `0`/`1`, a `BigInt` that fits an `i64` |
//!
//! Two places differ from the table, where JavaScript has no `undefined`:
//! a method returning `()` or `Result<(), E>` resolves to `undefined` (a
//! `void` method), and storage keeps `null` for a top-level `None` (storage
//! cannot hold `undefined`), which reads back as `None`.
//!
//! `#[durable_object]` also generates a typed stub per class (`CounterStub` for
//! `Counter`) whose methods mirror the class's, so a Rust caller's arguments
//! and results are checked by the compiler; see [`Namespace`].
//!
//! When both ends are objects of this SDK, a typed stub's call carries its
//! arguments and result in a binary wire format instead: one `Uint8Array`,
//! which the runtime copies where it would structured-clone every object of
//! the value. It carries exactly the JavaScript value of the table above and
//! the callee reads it by the same definition, so callers and callees of
//! different versions read each other as in the structured form (unknown
//! fields ignored, a missing `Option` field `None`), with the same errors.
//! A value holding a JavaScript handle (a stub, a callback, a stream), and a
//! callee without the wire format (an older deployment, a class written in
//! JavaScript), use the structured form. JavaScript callers always use the
//! structured form. The format (versioned) is defined in `sdk/src/rpc/wire.rs`.
//!
//! # Retryable methods
//!
//! The runtime retries a call through a stub when it failed before reaching
//! the object (see [`RetryOptions`]). After the call may have started (the
//! connection dropped mid-call), it retries only methods marked retryable:
//! `#[durable(retryable)]` on a `pub` method registers it exactly as
//! `retryable(this.prototype.method)` from `cloudflare:durable-objects` does
//! in a JavaScript class.
//!
//! **Mark only idempotent methods.** A retryable method may run twice, or
//! more, for one call, and the caller sees only the last run's result: running
//! it again must leave the object as running it once does (set a value,
//! not add to it; upsert by a key the caller chose, not insert a new row).
//! The SDK cannot check this: the attribute is your promise. The runtime
//! has a rule of its own for RPC sessions that called a retryable method
//! ("After calling a method marked with retryable(), a Durable Object RPC
//! session can only call methods marked with retryable()."); locally
//! (workerd 1.20261117) two calls through one stub, retryable then plain,
//! both succeed.
//!
//! ```no_run
//! use durable::prelude::*;
//!
//! #[durable_object]
//! pub struct Profile { state: State }
//!
//! #[durable_object]
//! impl Profile {
//!     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//!
//!     /// Sets the display name: running it twice is running it once.
//!     #[durable(retryable)]
//!     pub async fn set_name(&self, name: String) -> Result<()> {
//!         self.state.storage().put("name", &name).await
//!     }
//!
//!     /// Not idempotent (each run adds one): never retried once it may have started.
//!     pub async fn visit(&self) -> Result<u64> {
//!         let n: u64 = self.state.storage().get("visits").await?.unwrap_or(0) + 1;
//!         self.state.storage().put("visits", &n).await?;
//!         Ok(n)
//!     }
//! }
//! ```

use std::fmt;
use std::marker::PhantomData;

use js_sys::{Array, Promise, Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{bounded, conversion_message, js_message};
use crate::ObjectId;
use crate::{sys, Error, Result};

/// A byte buffer that crosses RPC (and storage) as a `Uint8Array` rather than
/// an array of numbers. Derefs to `Vec<u8>`.
///
/// ```
/// let cover = durable::rpc::Bytes::from(vec![0xff, 0xd8, 0xff]);
/// assert_eq!(cover.len(), 3);
/// ```
pub use serde_bytes::ByteBuf as Bytes;

pub use crate::convert::{from_js, from_json, to_js};

mod callback;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod callback_host;
mod capability;
mod http;
#[cfg(not(target_arch = "wasm32"))]
mod http_host;
mod sink;
mod stream;
#[cfg(not(target_arch = "wasm32"))]
mod stream_host;
mod stub_value;
pub(crate) mod wire;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod transport;

pub use self::callback::{Arguments, Callback};
pub use self::capability::{Capability, RemoteCapability, Target};
pub use self::http::{HttpHeaders, HttpRequest, HttpRequestBuilder, HttpResponse};
pub use self::sink::{ByteSink, Writer};
pub use self::stream::{ByteStream, Chunks};
#[doc(hidden)]
pub use self::capability::{call_capability, call_pipelined, capability_result_to_js, capability_to_js, receive, Held, ReceivedAsStub};

/// The arguments of one incoming RPC call, decoded in order with errors that
/// name the method and the argument. Used by generated code.
///
/// ```no_run
/// # fn demo(values: js_sys::Array) -> durable::Result<()> {
/// let mut args = durable::rpc::Args::new("increment", 1, values);
/// let amount: i64 = args.next("amount")?;
/// args.finish()?;
/// # Ok(()) }
/// ```
pub struct Args {
    method: &'static str,
    arity: u32,
    source: Source,
    next: u32,
    /// How many arguments were passed (read once).
    given: u32,
}

/// Where the arguments of a call come from.
enum Source {
    /// The structured form: the JavaScript values.
    Values(Array),
    /// The wire format ([`wire`]): the message, how many arguments it
    /// holds, and where the next one starts (they are read in order).
    Wire { message: Vec<u8>, count: u32, pos: usize },
}

impl Args {
    /// Starts decoding the `values` passed to `method`, which takes `arity` arguments.
    pub fn new(method: &'static str, arity: u32, values: Array) -> Self {
        let given = values.length();
        Self { method, arity, source: Source::Values(values), next: 0, given }
    }

    /// Starts decoding the arguments of a call in the wire format (the
    /// hidden `__durable_wire_<method>` a typed stub calls): `message` is
    /// one `Uint8Array`. Each argument then reads exactly as the same value
    /// in the structured form would, with the same errors. Used by
    /// generated code.
    #[doc(hidden)]
    pub fn wire(method: &'static str, arity: u32, message: JsValue) -> Result<Self> {
        let message = message
            .dyn_into::<Uint8Array>()
            .map_err(|_| Error::Conversion(format!("{method}: a binary call takes one Uint8Array")))?
            .to_vec();
        let (count, pos) = wire::arguments_header(&message).map_err(|e| Error::Conversion(format!("{method}: {e}")))?;
        Ok(Self { method, arity, source: Source::Wire { message, count, pos }, next: 0, given: count })
    }

    fn given(&self) -> u32 {
        self.given
    }

    /// Decodes the next argument, called `name` in the Rust signature. A missing
    /// argument is `undefined`, which only an `Option` accepts.
    pub fn next<T: DeserializeOwned>(&mut self, name: &str) -> Result<T> {
        self.next_as(name, name)
    }

    /// [`next`](Self::next) of a parameter whose JavaScript name `js` (the
    /// camelCase one of the generated `.d.ts`) differs from its Rust name
    /// `rust`: an error names both, the JavaScript one first.
    ///
    /// ```no_run
    /// # fn demo(values: js_sys::Array) -> durable::Result<()> {
    /// let mut args = durable::rpc::Args::new("openSession (Rust `open_session`)", 1, values);
    /// let on_event: durable::rpc::Callback<(String,), ()> = args.next_as("onEvent", "on_event")?;
    /// args.finish()?;
    /// # Ok(()) }
    /// ```
    pub fn next_as<T: DeserializeOwned>(&mut self, js: &str, rust: &str) -> Result<T> {
        let index = self.next;
        self.next += 1;
        let given = self.given();
        let decoded = match &mut self.source {
            Source::Values(values) => crate::convert::decode(values.get(index)),
            Source::Wire { message, count, pos } if index < *count => match wire::read_next(message, pos) {
                Ok(value) => Ok(value),
                Err(wire::NotRead::Declined { start, end }) => crate::convert::decode_wire(&message[start..end]),
                Err(wire::NotRead::Malformed(e)) => return Err(Error::Conversion(format!("{}: {e}", self.method))),
            },
            // Missing: `undefined`, as in the structured form.
            Source::Wire { .. } => crate::convert::decode(JsValue::UNDEFINED),
        };
        decoded.map_err(|e| {
            let e = conversion_message(e);
            let name = if js == rust { format!("`{js}`") } else { format!("`{js}`, Rust `{rust}`") };
            let position = index + 1;
            if index >= given {
                Error::Conversion(format!(
                    "{}: missing argument {position} ({name}): it takes {} argument(s), {given} given",
                    self.method, self.arity
                ))
            } else {
                Error::Conversion(format!("{}: argument {position} ({name}): {e}", self.method))
            }
        })
    }

    /// Fails if more arguments were passed than the method takes. Unlike a
    /// JavaScript method, which ignores extra arguments, an RPC method written
    /// in Rust refuses them: an argument the caller meant (say a newer
    /// caller's `dryRun` flag) is never silently dropped. A missing trailing
    /// `Option` argument is `None`, which is how a method grows a parameter.
    pub fn finish(self) -> Result<()> {
        let given = self.given();
        if given > self.arity {
            return Err(Error::Conversion(format!(
                "{}: takes {} argument(s), {given} given; extra arguments are refused, not ignored",
                self.method, self.arity
            )));
        }
        if let Source::Wire { message, pos, .. } = &self.source {
            if self.next >= given && *pos != message.len() {
                return Err(Error::Conversion(format!("{}: {}", self.method, wire::TRAILING_ARGUMENTS)));
            }
        }
        Ok(())
    }
}

/// Converts one argument of an outgoing call (used by generated stubs), with
/// an error naming the method and the argument.
pub fn arg_to_js<T: Serialize + ?Sized>(method: &str, position: u32, name: &str, value: &T) -> std::result::Result<JsValue, RpcError> {
    callback::passing(method, position, name, || to_js(value))
        .map_err(|e| RpcError::Conversion(format!("{method}: argument {position} (`{name}`): {e}")))
}

/// The result of a method returning `Result<T, E>`: `Ok` is converted, `Err`
/// becomes the error thrown to the caller, with `E`'s message (its beginning
/// and end if it runs to more than a few hundred characters).
pub fn result_to_js<T: Serialize, E: fmt::Display>(method: &str, result: std::result::Result<T, E>) -> Result<JsValue> {
    match result {
        Ok(value) => value_to_js(method, &value),
        Err(error) => Err(Error::Message(bounded(error.to_string()))),
    }
}

/// The result of a method returning `Result<(), E>`: `undefined`, as from a
/// JavaScript method that returns nothing, or the error. Used by generated
/// code.
///
/// ```no_run
/// // In a Durable Object (it needs the Wasm runtime):
/// let done = durable::rpc::unit_result_to_js(Ok::<(), String>(())); // Ok(undefined)
/// let failed = durable::rpc::unit_result_to_js(Err("no such key")); // Err(Error::Message("no such key"))
/// ```
pub fn unit_result_to_js<E: fmt::Display>(result: std::result::Result<(), E>) -> Result<JsValue> {
    match result {
        Ok(()) => Ok(JsValue::UNDEFINED),
        Err(error) => Err(Error::Message(bounded(error.to_string()))),
    }
}

/// The result of a method returning a plain value.
pub fn value_to_js<T: Serialize + ?Sized>(method: &str, value: &T) -> Result<JsValue> {
    // Capability stubs in it go to the caller (see `capability::as_result`).
    capability::as_result(|| to_js(value)).map_err(|e| Error::Conversion(format!("{method}: the result could not be converted: {e}")))
}

/// A method's result for its caller: in the structured form, or (`wire`)
/// for a call in the wire format (see [`wire`]): its message, or, for a
/// value the format does not hold (a JavaScript handle, say), a one-element
/// array holding the structured result. Used by generated code.
#[doc(hidden)]
pub fn encode_value<T: Serialize + ?Sized>(method: &str, value: &T, wire: bool) -> Result<JsValue> {
    if !wire {
        return value_to_js(method, value);
    }
    match wire::Writer::value(value) {
        Ok(message) => Ok(Uint8Array::from(&message[..]).into()),
        Err(_) => Ok(Array::of1(&value_to_js(method, value)?).into()),
    }
}

/// [`result_to_js`], or its wire form ([`encode_value`]). Used by generated
/// code.
#[doc(hidden)]
pub fn encode_result<T: Serialize, E: fmt::Display>(method: &str, result: std::result::Result<T, E>, wire: bool) -> Result<JsValue> {
    match result {
        Ok(value) => encode_value(method, &value, wire),
        Err(error) => Err(Error::Message(bounded(error.to_string()))),
    }
}

/// The arguments of an outgoing call in the wire format, written one by one
/// (used by generated stubs); if one has no binary form, the call is made
/// in the structured form.
#[doc(hidden)]
pub struct WireArgs {
    writer: wire::Writer,
    at: usize,
    count: u32,
    ok: bool,
}

impl Default for WireArgs {
    fn default() -> Self {
        let mut writer = wire::Writer::new();
        let at = writer.open(wire::ARRAY).expect("the first level");
        Self { writer, at, count: 0, ok: true }
    }
}

impl WireArgs {
    /// No arguments yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes the next argument.
    pub fn push<T: Serialize + ?Sized>(&mut self, value: &T) {
        if self.ok {
            self.count += 1;
            self.ok = value.serialize(&mut self.writer).is_ok();
        }
    }

    /// The message, if every argument had a binary form.
    fn finish(mut self) -> Option<Vec<u8>> {
        if !self.ok {
            return None;
        }
        self.writer.end(self.at, self.count);
        Some(self.writer.into_bytes())
    }
}

/// Why an RPC call made through a stub failed.
///
/// ```no_run
/// # async fn demo(stub: durable::rpc::Stub) {
/// match stub.call::<i64>("increment", vec![durable::rpc::to_js(&1).unwrap()]).await {
///     Ok(n) => println!("now {n}"),
///     Err(durable::rpc::RpcError::Remote(message)) => println!("the object said: {message}"),
///     Err(other) => println!("the call did not get through: {other}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpcError {
    /// The method ran and failed (returned `Err`, threw, or panicked), or
    /// refused its arguments; the message is the callee's.
    Remote(String),
    /// An argument or the result could not be converted.
    Conversion(String),
    /// The call did not reach the object or its answer was lost (overload,
    /// network, object reset).
    Transport(String),
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpcError::Remote(m) => write!(f, "remote error: {m}"),
            RpcError::Conversion(m) => write!(f, "conversion error: {m}"),
            RpcError::Transport(m) => write!(f, "transport error: {m}"),
        }
    }
}

impl std::error::Error for RpcError {}

impl From<RpcError> for Error {
    fn from(e: RpcError) -> Self {
        match e {
            RpcError::Remote(m) | RpcError::Transport(m) => Error::Js(m),
            RpcError::Conversion(m) => Error::Conversion(m),
        }
    }
}

impl From<RpcError> for worker::Error {
    fn from(e: RpcError) -> Self {
        worker::Error::RustError(e.to_string())
    }
}

/// The one crossing of a call through a stub, in the wire format or structured.
mod js_call {
    use js_sys::{Array, Promise};
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = r#"
export function call(stub, method, message) {
  return Promise.resolve(stub[method](message.slice()));
}
function method(stub, name) {
  const f = stub[name];
  return typeof f === "function" ? f : undefined;
}
export function invoke0(stub, name) {
  const f = method(stub, name);
  return f && Promise.resolve(Reflect.apply(f, stub, []));
}
export function invoke1(stub, name, arg) {
  const f = method(stub, name);
  return f && Promise.resolve(Reflect.apply(f, stub, [arg]));
}
export function invoke(stub, name, args) {
  const f = method(stub, name);
  return f && Promise.resolve(Reflect.apply(f, stub, args));
}
"#)]
    extern "C" {
        /// `Promise.resolve(stub[method](...args))` (`Reflect.apply`, not
        /// `f.call(..)`: on a stub, `.call` is itself sent as a remote
        /// method call; an RPC promise is thenable but not a `Promise`:
        /// adopted), or `None` if the stub has no such method: one crossing
        /// for a call of no argument or one.
        #[wasm_bindgen(catch)]
        pub(super) fn invoke0(stub: &JsValue, name: &str) -> Result<Option<Promise>, JsValue>;

        /// [`invoke0`] with one argument.
        #[wasm_bindgen(catch)]
        pub(super) fn invoke1(stub: &JsValue, name: &str, arg: &JsValue) -> Result<Option<Promise>, JsValue>;

        /// [`invoke0`] with the arguments `args`.
        #[wasm_bindgen(catch)]
        pub(super) fn invoke(stub: &JsValue, name: &str, args: &Array) -> Result<Option<Promise>, JsValue>;

        /// `Promise.resolve(stub[method](copy))`, `copy` a `Uint8Array` of
        /// its own holding `message` (the bytes are a view of Wasm memory
        /// until copied; the runtime would send the whole memory with a
        /// view). One crossing where looking the method up, making the
        /// array of arguments, the call and the adoption of its promise
        /// would each be one. (A string carrying two bytes per unit crosses
        /// the runtime for about 10 µs less than a `Uint8Array`, but making
        /// and reading it in JavaScript costs more than that: measured.)
        #[wasm_bindgen(catch)]
        pub(super) fn call(stub: &JsValue, method: &str, message: &[u8]) -> Result<Promise, JsValue>;
    }
}

/// Whether a call in the wire format failed because the callee does not take
/// it: no hidden method (the runtime's TypeError names it), or a version it
/// refuses.
fn lacks_wire(error: &JsValue, hidden: &str) -> bool {
    let message = js_message(error);
    message.contains(wire::REFUSED) || message.contains(&format!("does not implement the method \"{hidden}\""))
}

/// The result of a call in the wire format, read as `R`.
fn wire_result<R: DeserializeOwned>(method: &str, value: JsValue) -> std::result::Result<R, RpcError> {
    // Capability stubs in it are the caller's (see `capability::as_result`).
    let unreadable = |e: wire::Malformed| RpcError::Conversion(format!("{method}: the result could not be read: {e}"));
    let decoded = if let Some(message) = value.dyn_ref::<Uint8Array>() {
        let message = message.to_vec();
        let mut pos = wire::value_header(&message).map_err(unreadable)?;
        let read = match wire::read_next(&message, &mut pos) {
            Ok(value) => Ok(value),
            Err(wire::NotRead::Declined { start, end }) => capability::as_result(|| crate::convert::decode_wire(&message[start..end])),
            Err(wire::NotRead::Malformed(e)) => return Err(unreadable(e)),
        };
        if pos != message.len() {
            return Err(unreadable(wire::Malformed(wire::TRAILING_VALUE.into())));
        }
        read
    } else if Array::is_array(&value) {
        // A result the format does not hold, in the structured form.
        capability::as_result(|| crate::convert::decode(Array::from(&value).get(0)))
    } else {
        capability::as_result(|| crate::convert::decode(value))
    };
    decoded.map_err(|e| RpcError::Conversion(format!("{method}: the result does not fit the declared type: {}", conversion_message(e))))
}

/// An untyped stub for one Durable Object: call any method by name, or send it
/// a request. Generated typed stubs wrap one.
#[cfg_attr(target_arch = "wasm32", derive(Debug, Clone))]
pub struct Stub {
    pub(crate) raw: JsValue,
    /// Outside Wasm, the object in the test runtime (see `durable::testing`).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) test: Option<transport::SharedTarget>,
}

impl Stub {
    /// Wraps a JavaScript `DurableObjectStub`.
    pub fn from_raw(raw: JsValue) -> Self {
        Self {
            raw,
            #[cfg(not(target_arch = "wasm32"))]
            test: None,
        }
    }

    /// The JavaScript stub.
    pub fn as_raw(&self) -> &JsValue {
        &self.raw
    }

    /// Calls `method` with already-converted arguments and converts the result.
    ///
    /// Outside Wasm (under `durable::testing`) there are no JavaScript
    /// values: call through the typed stub (`CounterStub`) instead.
    pub async fn call<R: DeserializeOwned>(&self, method: &str, args: Vec<JsValue>) -> std::result::Result<R, RpcError> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = args;
            return Err(RpcError::Transport(format!(
                "{method}: outside Wasm, call the object through its typed stub: `Stub::call` takes JavaScript values"
            )));
        }
        #[cfg_attr(not(target_arch = "wasm32"), allow(unreachable_code))]
        let returned = match &args[..] {
            [] => js_call::invoke0(&self.raw, method),
            [arg] => js_call::invoke1(&self.raw, method, arg),
            _ => js_call::invoke(&self.raw, method, &args.into_iter().collect()),
        };
        let promise = match returned.map_err(|e| classify(&e))? {
            Some(promise) => promise,
            None => return Err(RpcError::Transport(format!("the stub has no method `{method}`"))),
        };
        let value = crate::executor::wait(promise).await.map_err(|e| classify(&e))?;
        // Capability stubs in it are the caller's (see `capability::as_result`).
        capability::as_result(|| crate::convert::decode(value)).map_err(|e| {
            RpcError::Conversion(format!("{method}: the result does not fit the declared type: {}", conversion_message(e)))
        })
    }

    /// Calls `method` in the wire format ([`wire`]) through its hidden
    /// method `hidden`, with `args`; in the structured form (the arguments
    /// `structured` converts) if an argument has no binary form, or the
    /// callee has no hidden method (an older deployment, a class written in
    /// JavaScript) or refuses the message's version. Errors are the
    /// structured call's. Used by generated stubs.
    #[doc(hidden)]
    pub async fn call_wire<R: DeserializeOwned>(
        &self,
        method: &str,
        hidden: &str,
        args: WireArgs,
        structured: impl FnOnce() -> std::result::Result<Vec<JsValue>, RpcError>,
    ) -> std::result::Result<R, RpcError> {
        if let Some(message) = args.finish() {
            let sent = js_call::call(&self.raw, hidden, &message);
            drop(message);
            let sent = match sent {
                Ok(promise) => crate::executor::wait(promise).await,
                Err(e) => Err(e),
            };
            match sent {
                Ok(value) => return wire_result(method, value),
                Err(e) if !lacks_wire(&e, hidden) => return Err(classify(&e)),
                Err(_) => {}
            }
        }
        self.call(method, structured()?).await
    }

    /// Sends an HTTP request to the object's `fetch` handler.
    ///
    /// Outside Wasm (under `durable::testing`) this is an `Err`: a test sends
    /// requests with `TestEnv::fetch`.
    pub async fn fetch(&self, request: worker::Request) -> Result<worker::Response> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            drop(request);
            return Err(host_fetch());
        }
        #[cfg_attr(not(target_arch = "wasm32"), allow(unreachable_code))]
        let function: js_sys::Function = Reflect::get(&self.raw, &JsValue::from_str("fetch"))?.dyn_into()?;
        let request: web_sys::Request = request.try_into()?;
        let returned = Reflect::apply(&function, &self.raw, &Array::of1(&request))?;
        let response: web_sys::Response = crate::executor::wait(Promise::resolve(&returned)).await?.dyn_into()?;
        Ok(response.into())
    }

    /// Sends the object's `fetch` handler a request for `url`, built from
    /// `init` (method, headers, body), as JavaScript's
    /// `stub.fetch(url, init)`.
    ///
    /// ```no_run
    /// # async fn demo(stub: durable::rpc::Stub) -> durable::Result<()> {
    /// let mut init = worker::RequestInit::new();
    /// init.with_method(worker::Method::Put).with_body(Some("hello".into()));
    /// let response = stub.fetch_url("https://object/notes/1", &init).await?;
    /// # Ok(()) }
    /// ```
    pub async fn fetch_url(&self, url: &str, init: &worker::RequestInit) -> Result<worker::Response> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = (url, init);
            return Err(host_fetch());
        }
        #[cfg_attr(not(target_arch = "wasm32"), allow(unreachable_code))]
        self.fetch(worker::Request::new_with_init(url, init)?).await
    }

    /// Forwards `request` to the object's `fetch` handler at another URL,
    /// keeping its method, headers and body (JavaScript's
    /// `stub.fetch(new Request(url, request))`): the usual way a worker hands
    /// the request it received to an object under a path of the object's own.
    ///
    /// ```no_run
    /// # async fn demo(stub: durable::rpc::Stub, req: worker::Request) -> durable::Result<()> {
    /// // A `POST /rooms/lobby/messages` with a JSON body reaches the object as
    /// // `POST https://room/messages` with the same headers and body.
    /// let response = stub.forward(req, "https://room/messages").await?;
    /// # Ok(()) }
    /// ```
    pub async fn forward(&self, request: worker::Request, url: &str) -> Result<worker::Response> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            drop((request, url));
            return Err(host_fetch());
        }
        #[cfg_attr(not(target_arch = "wasm32"), allow(unreachable_code))]
        let original: web_sys::Request = request.try_into()?;
        // A `Request` is a valid `RequestInit`: its `method`, `headers`, `body`
        // (and `redirect`, `signal`) are read from it.
        let request = web_sys::Request::new_with_str_and_init(url, original.unchecked_ref())?;
        self.fetch(request.into()).await
    }
}

/// What a stub's `fetch` answers outside Wasm.
#[cfg(not(target_arch = "wasm32"))]
fn host_fetch() -> Error {
    Error::Message("outside Wasm a stub cannot send a worker::Request: in a test, use `TestEnv::fetch(&stub, TestRequest::get(..))`".into())
}

/// Tells apart an error thrown by the callee (`remote: true`) from one of the
/// transport.
pub(crate) fn classify(error: &JsValue) -> RpcError {
    let remote = Reflect::get(error, &JsValue::from_str("remote")).ok().and_then(|v| v.as_bool()).unwrap_or(false);
    if remote {
        RpcError::Remote(js_message(error))
    } else {
        RpcError::Transport(js_message(error))
    }
}

/// A class whose instances can be called over RPC through a typed stub.
/// `#[durable_object]` implements it, with `Stub` = `<Name>Stub`.
///
/// ```
/// # use durable::prelude::*;
/// # #[durable_object] pub struct ChatRoom { state: State }
/// # #[durable_object] impl ChatRoom { pub fn new(state: State, _env: Env) -> Self { Self { state } } }
/// #[durable_object(binding = "ROOMS")]
/// pub struct Lobby { state: State }
/// # #[durable_object] impl Lobby { pub fn new(state: State, _env: Env) -> Self { Self { state } } }
///
/// use durable::rpc::Class;
/// assert_eq!(ChatRoom::BINDING, "CHAT_ROOM"); // no `binding`: derived from the class name
/// assert_eq!(Lobby::BINDING, "ROOMS");
/// ```
pub trait Class: 'static {
    /// The generated typed stub.
    type Stub: From<Stub>;

    /// The binding name the class declares: `#[durable_object(binding =
    /// "...")]`, else its JavaScript class name in SCREAMING_SNAKE_CASE
    /// (`ChatRoom` -> `CHAT_ROOM`), the name `durable config` gives the
    /// binding it writes. For a `#[durable_object]` trait (a class written
    /// elsewhere), the trait's name in SCREAMING_SNAKE_CASE.
    /// [`Namespace::from_env_default`] looks it up.
    const BINDING: &'static str;
}

/// Not implemented by anything: named by the `fetch` of a typed stub whose
/// class has no `fetch` handler, so that calling it fails to compile with the
/// message below. Not a public API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "the Durable Object class `{C}` has no `fetch` handler, so its stub cannot send it HTTP requests",
    label = "`{C}` has no `fetch` handler",
    note = "add `pub async fn fetch(&self, req: Request) -> Result<Response>` to the `#[durable_object]` impl block of `{C}`, or call its RPC methods"
)]
pub trait NoFetchHandler<C> {}

/// Options for [`Namespace::get_with`] and [`Namespace::get_by_name_with`]:
/// where to place a new object, and how the runtime retries calls through the
/// stub (`{ locationHint, retry: { maxRetries, timeoutMs } }`).
///
/// The runtime checks them when the stub is made: a value it does not take
/// is an `Err` with its message. Locally (workerd), `"offpeak"` without the
/// `offpeak_location_hint` compatibility flag is refused ("get called with an
/// unsupported locationHint"), and retry values out of the runtime's range
/// are a `RangeError` naming the range.
///
/// ```no_run
/// # fn demo(ns: &durable::rpc::Namespace<impl durable::rpc::Class>) -> durable::Result<()> {
/// use durable::rpc::{GetOptions, RetryOptions};
/// let id = ns.id_from_name("eu-user-1")?;
/// let stub = ns.get_with(&id, GetOptions { location_hint: Some("weur".into()), ..Default::default() })?;
/// let retry = RetryOptions { max_retries: Some(3), timeout_ms: Some(5_000) };
/// let patient = ns.get_by_name_with("user-2", GetOptions { retry: Some(retry), ..Default::default() })?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct GetOptions {
    /// A location hint: a [`LocationHint`] (`Some(LocationHint::Weur.into())`)
    /// or its string, `"wnam"`, `"enam"`, `"sam"`, `"weur"`, `"eeur"`,
    /// `"apac"`, `"apac-ne"`, `"apac-se"`, `"oc"`, `"afr"`, `"me"`, or
    /// `"offpeak"` (behind the runtime's `offpeak_location_hint` flag).
    pub location_hint: Option<String>,
    /// How the runtime retries calls through the stub (`retry`).
    pub retry: Option<RetryOptions>,
    /// Where calls go when the object has read replicas (`routingMode`):
    /// [`RoutingMode::PrimaryOnly`] sends every call to the primary. The
    /// local runtime accepts it and has no replicas.
    pub routing_mode: Option<RoutingMode>,
    /// The version cohort whose code should serve the calls (`version: {
    /// cohort }`; the object reads it in [`State::version`](crate::State::version)).
    /// The local runtime accepts it and ignores it.
    pub cohort: Option<String>,
}

/// Where calls through a stub go when the object has read replicas
/// ([`GetOptions::routing_mode`], JavaScript's `routingMode`).
///
/// ```
/// assert_eq!(durable::rpc::RoutingMode::PrimaryOnly.as_str(), "primary-only");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RoutingMode {
    /// Every call goes to the primary, never to a replica (`"primary-only"`).
    PrimaryOnly,
}

impl RoutingMode {
    /// The runtime's word for the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            RoutingMode::PrimaryOnly => "primary-only",
        }
    }
}

/// Declares a closed set of the runtime's strings as an enum, with the
/// conversions that let it stand wherever the string API takes a string.
macro_rules! runtime_words {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value, in the order the runtime's types list them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The runtime's string for the value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)*
                }
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_owned()
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;

            /// The value whose string is `s`; an `Err` listing the known ones otherwise.
            fn from_str(s: &str) -> Result<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let known: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    Error::message(format!(concat!("unknown ", stringify!($name), " `{}`: expected one of {}"), s, known.join(", ")))
                })
            }
        }
    };
}

runtime_words! {
    /// Where the runtime should place a new object (`locationHint` of
    /// [`GetOptions`]): the typed form of its strings. The hint is used when
    /// the object is first created; it is a preference, not a guarantee.
    /// The local runtime accepts every hint and places nothing.
    ///
    /// ```
    /// use durable::rpc::{GetOptions, LocationHint};
    /// let options = GetOptions { location_hint: Some(LocationHint::ApacNe.into()), ..Default::default() };
    /// assert_eq!(options.location_hint.as_deref(), Some("apac-ne"));
    /// assert_eq!("offpeak".parse::<LocationHint>().unwrap(), LocationHint::Offpeak);
    /// assert!("mars".parse::<LocationHint>().is_err());
    /// ```
    LocationHint {
        /// Western North America (`"wnam"`).
        Wnam = "wnam",
        /// Eastern North America (`"enam"`).
        Enam = "enam",
        /// South America (`"sam"`).
        Sam = "sam",
        /// Western Europe (`"weur"`).
        Weur = "weur",
        /// Eastern Europe (`"eeur"`).
        Eeur = "eeur",
        /// Asia-Pacific (`"apac"`).
        Apac = "apac",
        /// Northeast Asia-Pacific (`"apac-ne"`).
        ApacNe = "apac-ne",
        /// Southeast Asia-Pacific (`"apac-se"`).
        ApacSe = "apac-se",
        /// Oceania (`"oc"`).
        Oc = "oc",
        /// Africa (`"afr"`).
        Afr = "afr",
        /// Middle East (`"me"`).
        Me = "me",
        /// Wherever it is off-peak now (`"offpeak"`): experimental, the
        /// runtime refuses it without the `offpeak_location_hint` (or
        /// `experimental`) compatibility flag.
        Offpeak = "offpeak",
    }
}

runtime_words! {
    /// A jurisdiction an object's data is kept within
    /// ([`Namespace::jurisdiction`], [`Namespace::new_unique_id_in`]): the
    /// typed form of the runtime's strings, accepted wherever they are.
    /// The local runtime (workerd) implements none.
    ///
    /// ```
    /// use durable::rpc::Jurisdiction;
    /// assert_eq!(Jurisdiction::FedrampHigh.as_str(), "fedramp-high");
    /// assert_eq!("eu".parse::<Jurisdiction>().unwrap(), Jurisdiction::Eu);
    /// ```
    Jurisdiction {
        /// The European Union (`"eu"`).
        Eu = "eu",
        /// FedRAMP-compliant data centers (`"fedramp"`).
        Fedramp = "fedramp",
        /// FedRAMP High (`"fedramp-high"`).
        FedrampHigh = "fedramp-high",
        /// The United States (`"us"`).
        Us = "us",
    }
}

/// The runtime's automatic retries of calls through a stub (`retry` in
/// `get`/`getByName`'s options). The runtime retries a `fetch` or RPC call
/// when its error is retryable and the call never reached the object (or the
/// connection dropped); a call that may have started is retried only for
/// methods marked retryable. `None` leaves the runtime's default.
///
/// ```
/// let retry = durable::rpc::RetryOptions { max_retries: Some(0), timeout_ms: None };
/// assert_eq!(retry.max_retries, Some(0)); // no retries at all
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryOptions {
    /// How many times a call may be retried (`maxRetries`; 0 turns retries off).
    pub max_retries: Option<u32>,
    /// How long, in milliseconds, retries may go on (`timeoutMs`).
    pub timeout_ms: Option<u32>,
}

impl GetOptions {
    fn to_js(&self) -> Result<JsValue> {
        let options = js_sys::Object::new();
        if let Some(hint) = &self.location_hint {
            Reflect::set(&options, &"locationHint".into(), &hint.into())?;
        }
        if let Some(retry) = &self.retry {
            let object = js_sys::Object::new();
            if let Some(n) = retry.max_retries {
                Reflect::set(&object, &"maxRetries".into(), &n.into())?;
            }
            if let Some(ms) = retry.timeout_ms {
                Reflect::set(&object, &"timeoutMs".into(), &ms.into())?;
            }
            Reflect::set(&options, &"retry".into(), &object)?;
        }
        if let Some(mode) = self.routing_mode {
            Reflect::set(&options, &"routingMode".into(), &mode.as_str().into())?;
        }
        if let Some(cohort) = &self.cohort {
            let version = js_sys::Object::new();
            Reflect::set(&version, &"cohort".into(), &cohort.into())?;
            Reflect::set(&options, &"version".into(), &version)?;
        }
        Ok(options.into())
    }
}

/// A Durable Object namespace binding, typed by its class: ids, and stubs to
/// call.
///
/// ```no_run
/// # use durable::prelude::*;
/// # #[durable_object] pub struct Counter { state: State }
/// # #[durable_object] impl Counter {
/// #     pub fn new(state: State, _env: Env) -> Self { Self { state } }
/// #     pub async fn increment(&self, amount: i64) -> Result<i64> { Ok(amount) }
/// # }
/// # async fn demo(env: &Env) -> durable::Result<()> {
/// use durable::rpc::Namespace;
/// let counters = Namespace::<Counter>::from_env(env, "COUNTER")?;
/// let counter = counters.get_by_name("A")?;
/// let value: i64 = counter.increment(5).await?;
/// # Ok(()) }
/// ```
pub struct Namespace<T> {
    raw: sys::DurableObjectNamespace,
    class: PhantomData<fn() -> T>,
}

impl<T> Clone for Namespace<T> {
    fn clone(&self) -> Self {
        Self { raw: self.raw.clone(), class: PhantomData }
    }
}

impl<T: Class> Namespace<T> {
    /// The namespace bound as `binding` in `env` (wrangler.jsonc's
    /// `durable_objects.bindings[].name`).
    pub fn from_env(env: &worker::Env, binding: &str) -> Result<Self> {
        let env: &JsValue = env.as_ref();
        let raw = Reflect::get(env, &JsValue::from_str(binding))?;
        if raw.is_undefined() {
            return Err(Error::message(format!("no binding named `{binding}` in env: add it to durable_objects.bindings")));
        }
        Ok(Self { raw: raw.unchecked_into(), class: PhantomData })
    }

    /// The namespace bound under the binding name the class declares
    /// ([`Class::BINDING`]: `#[durable_object(binding = "...")]`, else the
    /// class name in SCREAMING_SNAKE_CASE, as `durable config` writes it), so
    /// the name is spelled once, in the declaration. `durable build` refuses
    /// to build while wrangler.jsonc lacks a binding the code declares.
    ///
    /// ```no_run
    /// # use durable::prelude::*;
    /// # #[durable_object] pub struct ChatRoom { state: State }
    /// # #[durable_object] impl ChatRoom {
    /// #     pub fn new(state: State, _env: Env) -> Self { Self { state } }
    /// #     pub fn members(&self) -> u32 { 0 }
    /// # }
    /// # async fn demo(env: &Env) -> durable::Result<()> {
    /// // The binding `CHAT_ROOM`, as `durable config` wrote it:
    /// let room = Namespace::<ChatRoom>::from_env_default(env)?.get_by_name("lobby")?;
    /// let members: u32 = room.members().await?;
    /// # Ok(()) }
    /// ```
    pub fn from_env_default(env: &worker::Env) -> Result<Self> {
        let env: &JsValue = env.as_ref();
        let raw = Reflect::get(env, &JsValue::from_str(T::BINDING))?;
        if raw.is_undefined() {
            return Err(Error::message(format!(
                "no binding named `{}` in env: it is the name the class declares; run `durable config`, or, if wrangler.jsonc binds \
                 the class under another name, write that name in #[durable_object(binding = \"...\")]",
                T::BINDING
            )));
        }
        Ok(Self { raw: raw.unchecked_into(), class: PhantomData })
    }

    /// The id for `name`: the same name always gives the same object.
    pub fn id_from_name(&self, name: &str) -> Result<ObjectId> {
        Ok(ObjectId::from_raw(self.raw.id_from_name(name)?))
    }

    /// A new, random id.
    pub fn new_unique_id(&self) -> Result<ObjectId> {
        Ok(ObjectId::from_raw(self.raw.new_unique_id(&JsValue::UNDEFINED)?))
    }

    /// A new, random id whose object stays within `jurisdiction` (a
    /// [`Jurisdiction`], or its string: `"eu"`, `"us"`, `"fedramp"`,
    /// `"fedramp-high"`); the local runtime refuses every jurisdiction with
    /// its error.
    ///
    /// ```no_run
    /// # fn demo(ns: &durable::rpc::Namespace<impl durable::rpc::Class>) -> durable::Result<()> {
    /// use durable::rpc::Jurisdiction;
    /// let id = ns.new_unique_id_in(Jurisdiction::Eu)?;
    /// let same_thing = ns.new_unique_id_in("eu")?;
    /// # Ok(()) }
    /// ```
    pub fn new_unique_id_in(&self, jurisdiction: impl AsRef<str>) -> Result<ObjectId> {
        let options = js_sys::Object::new();
        Reflect::set(&options, &"jurisdiction".into(), &jurisdiction.as_ref().into())?;
        Ok(ObjectId::from_raw(self.raw.new_unique_id(&options)?))
    }

    /// Parses an id's string form (from [`ObjectId`]'s `Display`).
    pub fn id_from_string(&self, id: &str) -> Result<ObjectId> {
        Ok(ObjectId::from_raw(self.raw.id_from_string(id)?))
    }

    /// The typed stub for `id`.
    pub fn get(&self, id: &ObjectId) -> Result<T::Stub> {
        self.get_with(id, GetOptions::default())
    }

    /// The typed stub for `id`, with placement and retry options
    /// ([`GetOptions`]); an option the runtime refuses is an `Err` with its
    /// message.
    pub fn get_with(&self, id: &ObjectId, options: GetOptions) -> Result<T::Stub> {
        Ok(Stub::from_raw(self.raw.get(id.as_raw(), &options.to_js()?).map_err(Error::from_js)?).into())
    }

    /// The typed stub for the object named `name` (`getByName`).
    pub fn get_by_name(&self, name: &str) -> Result<T::Stub> {
        Ok(Stub::from_raw(self.raw.get_by_name(name, &JsValue::UNDEFINED)?).into())
    }

    /// The typed stub for the object named `name`, with placement and retry
    /// options (`getByName(name, options)`); an option the runtime refuses is
    /// an `Err` with its message.
    ///
    /// ```no_run
    /// # use durable::prelude::*;
    /// # #[durable_object] pub struct Counter { state: State }
    /// # #[durable_object] impl Counter {
    /// #     pub fn new(state: State, _env: Env) -> Self { Self { state } }
    /// #     pub async fn increment(&self, amount: i64) -> Result<i64> { Ok(amount) }
    /// # }
    /// # async fn demo(env: &Env) -> durable::Result<()> {
    /// use durable::rpc::{GetOptions, RetryOptions};
    /// let counters = Namespace::<Counter>::from_env(env, "COUNTER")?;
    /// let no_retries = GetOptions { retry: Some(RetryOptions { max_retries: Some(0), ..Default::default() }), ..Default::default() };
    /// let value = counters.get_by_name_with("A", no_retries)?.increment(1).await?;
    /// # Ok(()) }
    /// ```
    pub fn get_by_name_with(&self, name: &str, options: GetOptions) -> Result<T::Stub> {
        Ok(Stub::from_raw(self.raw.get_by_name(name, &options.to_js()?).map_err(Error::from_js)?).into())
    }
}

impl<T: Class> Namespace<T> {
    /// The same namespace restricted to `jurisdiction` (a [`Jurisdiction`],
    /// or its string: `"eu"`, `"us"`, `"fedramp"`, `"fedramp-high"`): every
    /// id it makes, and so every object it
    /// reaches, stays within that jurisdiction
    /// (`namespace.jurisdiction(..)`). An object's id then says so in
    /// [`ObjectId::jurisdiction`](crate::ObjectId::jurisdiction).
    ///
    /// The local runtime (workerd, under `wrangler dev`) does not implement
    /// jurisdictions: there this is an `Err` with its message,
    /// "Jurisdiction restrictions are not implemented in workerd." (and so
    /// is [`new_unique_id_in`](Self::new_unique_id_in)).
    ///
    /// ```no_run
    /// # use durable::prelude::*;
    /// # #[durable_object] pub struct Counter { state: State }
    /// # #[durable_object] impl Counter {
    /// #     pub fn new(state: State, _env: Env) -> Self { Self { state } }
    /// #     pub async fn increment(&self, amount: i64) -> Result<i64> { Ok(amount) }
    /// # }
    /// # async fn demo(env: &Env) -> durable::Result<()> {
    /// use durable::rpc::Jurisdiction;
    /// let eu = Namespace::<Counter>::from_env(env, "COUNTER")?.jurisdiction(Jurisdiction::Eu)?;
    /// let value = eu.get_by_name("user-42")?.increment(1).await?;
    /// # Ok(()) }
    /// ```
    pub fn jurisdiction(&self, jurisdiction: impl AsRef<str>) -> Result<Self> {
        let raw = self.raw.jurisdiction(jurisdiction.as_ref()).map_err(Error::from_js)?;
        Ok(Self { raw, class: PhantomData })
    }
}

#[cfg(test)]
mod words_tests {
    use super::{Jurisdiction, LocationHint};

    #[test]
    fn the_typed_values_are_the_runtimes_strings() {
        // As @cloudflare/workers-types 5.20261117.1 lists them (DurableObjectLocationHint,
        // plus "offpeak"; DurableObjectJurisdiction).
        let hints: Vec<&str> = LocationHint::ALL.iter().map(|h| h.as_str()).collect();
        assert_eq!(hints, ["wnam", "enam", "sam", "weur", "eeur", "apac", "apac-ne", "apac-se", "oc", "afr", "me", "offpeak"]);
        let jurisdictions: Vec<&str> = Jurisdiction::ALL.iter().map(|j| j.as_str()).collect();
        assert_eq!(jurisdictions, ["eu", "fedramp", "fedramp-high", "us"]);
        for hint in LocationHint::ALL {
            assert_eq!(hint.as_str().parse::<LocationHint>().unwrap(), *hint);
            assert_eq!(String::from(*hint), hint.to_string());
        }
        for jurisdiction in Jurisdiction::ALL {
            assert_eq!(jurisdiction.as_ref().parse::<Jurisdiction>().unwrap(), *jurisdiction);
        }
        assert_eq!("EU".parse::<Jurisdiction>().unwrap_err().to_string(), "unknown Jurisdiction `EU`: expected one of eu, fedramp, fedramp-high, us");
    }

    /// Where the string API takes `impl AsRef<str>`, both forms are accepted.
    #[test]
    fn strings_and_values_stand_in_the_same_places() {
        fn takes(jurisdiction: impl AsRef<str>) -> String {
            jurisdiction.as_ref().to_owned()
        }
        assert_eq!(takes(Jurisdiction::Us), takes("us"));
        assert_eq!(takes(String::from("eu")), takes(Jurisdiction::Eu));
    }
}
