//! Typed JS RPC: the conversions on both sides of a call, the error a caller
//! sees, and the untyped stub that generated typed stubs wrap.
//!
//! Public methods of a `#[durable_object]` impl block are callable over the
//! runtime's JS RPC (`await stub.increment(5)` in JavaScript). Arguments and
//! results cross as plain JavaScript values, converted by serde:
//!
//! | Rust | JavaScript |
//! |---|---|
//! | integers, floats | `number` (an integer outside ±2^53 is an error, never rounded) |
//! | `String`, `&str` | `string` |
//! | `bool` | `boolean` |
//! | `Option<T>` | `T` or `undefined`/`null` |
//! | `Vec<T>`, tuples | arrays |
//! | structs, maps | plain objects |
//! | enums | serde's external tagging (`"Unit"`, `{ "Variant": value }`) |
//! | `serde_bytes::ByteBuf` | `Uint8Array` |
//!
//! `#[durable_object]` also generates a typed stub per class (`CounterStub` for
//! `Counter`) whose methods mirror the class's, so a Rust caller's arguments
//! and results are checked by the compiler; see [`Namespace`].

use std::fmt;
use std::marker::PhantomData;

use js_sys::{Array, Promise, Reflect};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::state::ObjectId;
use crate::error::conversion_message;
use crate::{sys, Error, Result};

/// A byte buffer that crosses RPC (and storage) as a `Uint8Array` rather than
/// an array of numbers. Derefs to `Vec<u8>`.
///
/// ```
/// let cover = durable::rpc::Bytes::from(vec![0xff, 0xd8, 0xff]);
/// assert_eq!(cover.len(), 3);
/// ```
pub use serde_bytes::ByteBuf as Bytes;

fn serializer() -> serde_wasm_bindgen::Serializer {
    serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true)
}

/// Converts a Rust value into the JavaScript value sent over RPC.
///
/// ```no_run
/// let js = durable::rpc::to_js(&vec![1, 2, 3]).unwrap();
/// assert!(js.is_array());
/// ```
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue> {
    value.serialize(&serializer()).map_err(|e| Error::Conversion(conversion_message(e)))
}

/// Converts a JavaScript value received over RPC into a Rust value.
///
/// ```no_run
/// let n: u32 = durable::rpc::from_js(wasm_bindgen::JsValue::from(7)).unwrap();
/// assert_eq!(n, 7);
/// ```
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T> {
    serde_wasm_bindgen::from_value(value).map_err(|e| Error::Conversion(conversion_message(e)))
}

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
    values: Array,
    next: u32,
}

impl Args {
    /// Starts decoding the `values` passed to `method`, which takes `arity` arguments.
    pub fn new(method: &'static str, arity: u32, values: Array) -> Self {
        Self { method, arity, values, next: 0 }
    }

    /// Decodes the next argument, called `name` in the Rust signature. A missing
    /// argument is `undefined`, which only an `Option` accepts.
    pub fn next<T: DeserializeOwned>(&mut self, name: &str) -> Result<T> {
        let index = self.next;
        self.next += 1;
        let given = self.values.length();
        let value = self.values.get(index);
        serde_wasm_bindgen::from_value(value).map_err(|e| {
            let e = conversion_message(e);
            let position = index + 1;
            if index >= given {
                Error::Conversion(format!(
                    "{}: missing argument {position} (`{name}`): it takes {} argument(s), {given} given",
                    self.method, self.arity
                ))
            } else {
                Error::Conversion(format!("{}: argument {position} (`{name}`): {e}", self.method))
            }
        })
    }

    /// Fails if more arguments were passed than the method takes.
    pub fn finish(self) -> Result<()> {
        let given = self.values.length();
        if given > self.arity {
            return Err(Error::Conversion(format!(
                "{}: takes {} argument(s), {given} given",
                self.method, self.arity
            )));
        }
        Ok(())
    }
}

/// Converts one argument of an outgoing call (used by generated stubs), with
/// an error naming the method and the argument.
pub fn arg_to_js<T: Serialize + ?Sized>(method: &str, position: u32, name: &str, value: &T) -> std::result::Result<JsValue, RpcError> {
    to_js(value).map_err(|e| RpcError::Conversion(format!("{method}: argument {position} (`{name}`): {e}")))
}

/// The result of a method returning `Result<T, E>`: `Ok` is converted, `Err`
/// becomes the error thrown to the caller, with `E`'s message.
pub fn result_to_js<T: Serialize, E: fmt::Display>(method: &str, result: std::result::Result<T, E>) -> Result<JsValue> {
    match result {
        Ok(value) => value_to_js(method, &value),
        Err(error) => Err(Error::Message(error.to_string())),
    }
}

/// The result of a method returning a plain value.
pub fn value_to_js<T: Serialize + ?Sized>(method: &str, value: &T) -> Result<JsValue> {
    to_js(value).map_err(|e| Error::Conversion(format!("{method}: the result could not be converted: {e}")))
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

fn js_message(value: &JsValue) -> String {
    match value.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    }
}

/// An untyped stub for one Durable Object: call any method by name, or send it
/// a request. Generated typed stubs wrap one.
#[derive(Debug, Clone)]
pub struct Stub {
    raw: JsValue,
}

impl Stub {
    /// Wraps a JavaScript `DurableObjectStub`.
    pub fn from_raw(raw: JsValue) -> Self {
        Self { raw }
    }

    /// The JavaScript stub.
    pub fn as_raw(&self) -> &JsValue {
        &self.raw
    }

    /// Calls `method` with already-converted arguments and converts the result.
    pub async fn call<R: DeserializeOwned>(&self, method: &str, args: Vec<JsValue>) -> std::result::Result<R, RpcError> {
        let function = Reflect::get(&self.raw, &JsValue::from_str(method)).map_err(|e| RpcError::Transport(js_message(&e)))?;
        let function: js_sys::Function = function
            .dyn_into()
            .map_err(|_| RpcError::Transport(format!("the stub has no method `{method}`")))?;
        // `Reflect.apply`, not `function.call(..)`: on a stub, `.call` is itself
        // sent as a remote method call.
        let args: Array = args.into_iter().collect();
        let returned = Reflect::apply(&function, &self.raw, &args).map_err(|e| classify(&e))?;
        // An RPC promise is thenable but not a `Promise`: adopt it.
        let value = JsFuture::from(Promise::resolve(&returned)).await.map_err(|e| classify(&e))?;
        serde_wasm_bindgen::from_value(value).map_err(|e| {
            RpcError::Conversion(format!("{method}: the result does not fit the declared type: {}", conversion_message(e)))
        })
    }

    /// Sends an HTTP request to the object's `fetch` handler.
    pub async fn fetch(&self, request: worker::Request) -> Result<worker::Response> {
        let function: js_sys::Function = Reflect::get(&self.raw, &JsValue::from_str("fetch"))?.dyn_into()?;
        let request: web_sys::Request = request.try_into()?;
        let returned = Reflect::apply(&function, &self.raw, &Array::of1(&request))?;
        let response: web_sys::Response = JsFuture::from(Promise::resolve(&returned)).await?.dyn_into()?;
        Ok(response.into())
    }
}

/// Tells apart an error thrown by the callee (`remote: true`) from one of the
/// transport.
fn classify(error: &JsValue) -> RpcError {
    let remote = Reflect::get(error, &JsValue::from_str("remote")).ok().and_then(|v| v.as_bool()).unwrap_or(false);
    if remote {
        RpcError::Remote(js_message(error))
    } else {
        RpcError::Transport(js_message(error))
    }
}

/// A class whose instances can be called over RPC through a typed stub.
/// `#[durable_object]` implements it, with `Stub` = `<Name>Stub`.
pub trait Class: 'static {
    /// The generated typed stub.
    type Stub: From<Stub>;
}

/// Options for [`Namespace::get_with`]: where to place a new object.
///
/// ```no_run
/// # fn demo(ns: &durable::rpc::Namespace<impl durable::rpc::Class>) -> durable::Result<()> {
/// let id = ns.id_from_name("eu-user-1")?;
/// let stub = ns.get_with(&id, durable::rpc::GetOptions { location_hint: Some("weur".into()) })?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct GetOptions {
    /// A location hint (`"wnam"`, `"enam"`, `"weur"`, ...).
    pub location_hint: Option<String>,
}

impl GetOptions {
    fn to_js(&self) -> JsValue {
        let options = js_sys::Object::new();
        if let Some(hint) = &self.location_hint {
            let _ = Reflect::set(&options, &"locationHint".into(), &hint.into());
        }
        options.into()
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

    /// The id for `name`: the same name always gives the same object.
    pub fn id_from_name(&self, name: &str) -> Result<ObjectId> {
        Ok(ObjectId::from_raw(self.raw.id_from_name(name)?))
    }

    /// A new, random id.
    pub fn new_unique_id(&self) -> Result<ObjectId> {
        Ok(ObjectId::from_raw(self.raw.new_unique_id(&JsValue::UNDEFINED)?))
    }

    /// A new, random id whose object stays within `jurisdiction` (`"eu"`, `"fedramp"`).
    pub fn new_unique_id_in(&self, jurisdiction: &str) -> Result<ObjectId> {
        let options = js_sys::Object::new();
        Reflect::set(&options, &"jurisdiction".into(), &jurisdiction.into())?;
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

    /// The typed stub for `id`, with placement options.
    pub fn get_with(&self, id: &ObjectId, options: GetOptions) -> Result<T::Stub> {
        Ok(Stub::from_raw(self.raw.get(id.as_raw(), &options.to_js())?).into())
    }

    /// The typed stub for the object named `name` (`getByName`).
    pub fn get_by_name(&self, name: &str) -> Result<T::Stub> {
        Ok(Stub::from_raw(self.raw.get_by_name(name, &JsValue::UNDEFINED)?).into())
    }
}
