//! Callbacks over RPC: functions passed as arguments, typed on both sides.
//!
//! A method that takes a [`Callback<A, R>`] can call it back while it runs
//! (or later, while it keeps it): `A` is the tuple of arguments, `R` what
//! the callback resolves to. A JavaScript caller passes a function (which
//! crosses as a stub); a Rust caller passes [`Callback::new`] of a closure.
//!
//! ```no_run
//! use durable::prelude::*;
//! use durable::rpc::Callback;
//!
//! #[durable_object]
//! pub struct Importer { state: State }
//!
//! #[durable_object]
//! impl Importer {
//!     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//!
//!     /// Imports `count` rows, reporting progress; the callback answers
//!     /// `false` to stop early.
//!     pub async fn import(&self, count: u32, progress: Callback<(u32, u32), bool>) -> Result<u32> {
//!         for done in 1..=count {
//!             if !progress.call((done, count)).await? {
//!                 return Ok(done);
//!             }
//!         }
//!         Ok(count)
//!     }
//! }
//!
//! # async fn demo(env: &Env) -> durable::Result<()> {
//! let importer = Namespace::<Importer>::from_env_default(env)?.get_by_name("main")?;
//! let progress = Callback::new(|(done, total): (u32, u32)| async move {
//!     Ok::<_, String>(done < total / 2) // stop half way
//! });
//! let imported = importer.import(10, progress).await?;
//! # Ok(()) }
//! ```
//!
//! In JavaScript: `await importer.import(10, (done, total) => done < 5)`.
//!
//! # Ownership
//! - A received callback is the callee's own (it duplicates the runtime's
//!   stub, which the runtime would otherwise release when the call
//!   returns): it stays callable while the callee holds it, and is released
//!   when the callee drops it.
//! - A Rust closure lives as long as some clone of its `Callback` does: the
//!   typed stub's method drops the one it is given when the call returns,
//!   so a callee that keeps a callback needs the caller to keep a clone
//!   (in a field of the object, say) for as long as the callee may call it.
//!   A call after the last clone is dropped fails, naming the callback
//!   (the method and the parameter it was passed as) and this rule, and the
//!   owner logs the same line once.
//! - A callback that throws (JavaScript) or resolves to `Err` (Rust) makes
//!   `call` fail with its message.

// Outside Wasm the JavaScript half of this file is left out (see `callback_host.rs`).
#![cfg_attr(not(target_arch = "wasm32"), allow(unused_imports))]

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::rc::Rc;

use js_sys::{Array, Function, Promise, Reflect};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::capability::dispose;
use crate::convert::{from_js, to_js};
use crate::error::{bounded, conversion_message, js_message};
use crate::rpc::{classify, RpcError};

/// The arguments of a [`Callback`]: a tuple of up to four values, each
/// converted as an RPC argument is.
///
/// ```
/// use durable::rpc::Arguments;
/// assert_eq!(<(u32, String) as Arguments>::ARITY, 2);
/// ```
#[diagnostic::on_unimplemented(
    message = "a callback's arguments are a tuple of up to four values, not `{Self}`",
    label = "not a tuple of arguments",
    note = "write `Callback<(T,), R>` for one argument, `Callback<(A, B), R>` for two, `Callback<(), R>` for none"
)]
pub trait Arguments: Sized {
    /// How many arguments.
    const ARITY: u32;

    /// Converts the arguments, in order.
    fn to_js(&self) -> Result<Vec<JsValue>, RpcError>;

    /// Decodes the arguments from `values` (missing ones are `undefined`).
    fn from_js(values: &[JsValue]) -> Result<Self, String>;

    /// Outside Wasm: the arguments as JSON values, in order.
    #[cfg(not(target_arch = "wasm32"))]
    #[doc(hidden)]
    fn to_json(&self) -> Result<Vec<serde_json::Value>, RpcError>;

    /// Outside Wasm: decodes the arguments from JSON `values` (missing ones are `null`).
    #[cfg(not(target_arch = "wasm32"))]
    #[doc(hidden)]
    fn from_json(values: &[serde_json::Value]) -> Result<Self, String>;
}

macro_rules! arguments {
    ($arity:literal; $($name:ident $index:tt),*) => {
        impl<$($name: Serialize + DeserializeOwned),*> Arguments for ($($name,)*) {
            const ARITY: u32 = $arity;

            fn to_js(&self) -> Result<Vec<JsValue>, RpcError> {
                Ok(vec![$(
                    to_js(&self.$index)
                        .map_err(|e| RpcError::Conversion(format!("callback argument {}: {e}", $index + 1)))?
                ),*])
            }

            #[allow(unused_variables)]
            fn from_js(values: &[JsValue]) -> Result<Self, String> {
                Ok(($(
                    from_js::<$name>(values.get($index).cloned().unwrap_or(JsValue::UNDEFINED))
                        .map_err(|e| format!("callback argument {}: {e}", $index + 1))?,
                )*))
            }

            #[cfg(not(target_arch = "wasm32"))]
            fn to_json(&self) -> Result<Vec<serde_json::Value>, RpcError> {
                Ok(vec![$(
                    serde_json::to_value(&self.$index)
                        .map_err(|e| RpcError::Conversion(format!("callback argument {}: {e}", $index + 1)))?
                ),*])
            }

            #[cfg(not(target_arch = "wasm32"))]
            #[allow(unused_variables)]
            fn from_json(values: &[serde_json::Value]) -> Result<Self, String> {
                Ok(($(
                    serde_json::from_value::<$name>(values.get($index).cloned().unwrap_or(serde_json::Value::Null))
                        .map_err(|e| format!("callback argument {}: {e}", $index + 1))?,
                )*))
            }
        }
    };
}

arguments!(0;);
arguments!(1; A 0);
arguments!(2; A 0, B 1);
arguments!(3; A 0, B 1, C 2);
arguments!(4; A 0, B 1, C 2, D 3);

/// A function passed over RPC: called with the arguments `A` (a tuple),
/// resolving to `R`. Cloning it shares the same function.
///
/// ```no_run
/// # async fn demo(progress: durable::rpc::Callback<(u32, u32), ()>) -> Result<(), durable::rpc::RpcError> {
/// progress.call((1, 10)).await?;
/// # Ok(()) }
/// ```
pub struct Callback<A, R> {
    pub(super) inner: Rc<Inner>,
    pub(super) types: PhantomData<fn(A) -> R>,
}

#[cfg(target_arch = "wasm32")]
type RustFunction = Closure<dyn FnMut(JsValue, JsValue, JsValue, JsValue) -> Promise>;

// Outside Wasm, a test's closure (see `callback_host.rs`).
#[cfg(not(target_arch = "wasm32"))]
use super::callback_host::Inner;

#[cfg(target_arch = "wasm32")]
pub(super) enum Inner {
    /// A function received over RPC (a stub this side owns), or a plain
    /// JavaScript function.
    Received(Function),
    /// A Rust closure exported as a JavaScript function; `passed` says where
    /// it was last passed (for the error a call after its drop gets).
    Local { function: Function, _closure: RustFunction, passed: RefCell<Option<String>> },
}

thread_local! {
    /// The argument a typed stub is converting now (`arg_to_js`), in the words
    /// of [`passed_as`]; empty outside one.
    static PASSING: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs `convert`, the conversion of argument `position` (`name`) of a call
/// to `method`, so that a Rust callback in it records where it went: if its
/// owner drops it while the callee keeps it, the callee's later calls fail
/// with an error naming the method and the parameter.
pub(crate) fn passing<T>(method: &str, position: u32, name: &str, convert: impl FnOnce() -> T) -> T {
    use std::fmt::Write;
    PASSING.with(|p| {
        let mut p = p.borrow_mut();
        p.clear();
        let _ = write!(p, "argument {position} (`{name}`) of `{method}`");
    });
    let result = convert();
    PASSING.with(|p| p.borrow_mut().clear());
    result
}

#[cfg(target_arch = "wasm32")]
impl Inner {
    fn function(&self) -> &Function {
        match self {
            Inner::Received(function) | Inner::Local { function, .. } => function,
        }
    }
}

#[cfg(target_arch = "wasm32")]
impl Drop for Inner {
    fn drop(&mut self) {
        match self {
            Inner::Received(stub) => dispose(stub),
            // The closure goes with this value: the function handed out says
            // why from now on, instead of wasm-bindgen's "closure invoked
            // recursively or after being dropped".
            Inner::Local { function, passed, .. } => {
                let what = match passed.get_mut().take() {
                    Some(passed) => format!("the Rust callback passed as {passed}"),
                    None => "a Rust callback (durable::rpc::Callback::new)".to_owned(),
                };
                crate::hooks::released(function, &what);
            }
        }
    }
}

impl<A, R> Clone for Callback<A, R> {
    fn clone(&self) -> Self {
        Self { inner: Rc::clone(&self.inner), types: PhantomData }
    }
}

#[cfg(target_arch = "wasm32")]
impl<A, R> fmt::Debug for Callback<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &*self.inner {
            Inner::Received(_) => "received",
            Inner::Local { .. } => "local",
        };
        f.debug_struct("Callback").field("kind", &kind).field("arity", &std::any::type_name::<A>()).finish()
    }
}

#[cfg(target_arch = "wasm32")]
impl<A: Arguments + 'static, R: Serialize + DeserializeOwned + 'static> Callback<A, R> {
    /// A callback that runs `f` here, in this instance, whenever the other
    /// side calls it. `f` resolving to `Err` makes the caller's call fail
    /// with the error's message.
    ///
    /// ```no_run
    /// let seen = std::rc::Rc::new(std::cell::Cell::new(0));
    /// let counter = std::rc::Rc::clone(&seen);
    /// let progress = durable::rpc::Callback::new(move |(done, _total): (u32, u32)| {
    ///     counter.set(done);
    ///     async { Ok::<(), String>(()) }
    /// });
    /// ```
    pub fn new<F, Fut, E>(f: F) -> Self
    where
        F: Fn(A) -> Fut + 'static,
        Fut: Future<Output = Result<R, E>> + 'static,
        E: fmt::Display,
    {
        // The call that makes the callback: a panic inside it is that call's
        // (it is usually waiting for the callee that calls back), and the
        // callee's promise rejects with the panic's message.
        let call = crate::runtime::current_call();
        let closure: RustFunction = Closure::new(move |a: JsValue, b: JsValue, c: JsValue, d: JsValue| -> Promise {
            crate::runtime::run_as_call(call, || {
                let args = match A::from_js(&[a, b, c, d][..A::ARITY as usize]) {
                    Ok(args) => args,
                    Err(message) => return Promise::reject(&js_sys::Error::new(&message).into()),
                };
                let work = f(args);
                crate::runtime::spawn_guarded(call, async move {
                    match work.await {
                        // The result goes to the caller whole (capability stubs in it too).
                        Ok(value) => super::capability::as_result(|| to_js(&value)).map_err(|e| js_sys::Error::new(&format!("the callback's result: {e}")).into()),
                        Err(error) => Err(js_sys::Error::new(&bounded(error.to_string())).into()),
                    }
                })
            })
        });
        let function = crate::hooks::callback(call, closure.as_ref().unchecked_ref());
        Self { inner: Rc::new(Inner::Local { function, _closure: closure, passed: RefCell::new(None) }), types: PhantomData }
    }

    /// Calls the function with `args` and waits for what it resolves to.
    pub async fn call(&self, args: A) -> Result<R, RpcError> {
        let args: Array = args.to_js()?.into_iter().collect();
        // `Reflect.apply`: on a stub, `.call` would itself be a remote call.
        let returned = Reflect::apply(self.inner.function(), &JsValue::UNDEFINED, &args).map_err(|e| classify(&e))?;
        let value = JsFuture::from(Promise::resolve(&returned)).await.map_err(|e| classify(&e))?;
        serde_wasm_bindgen::from_value(value).map_err(|e| {
            RpcError::Conversion(format!("the callback's result does not fit the declared type: {}", conversion_message(e)))
        })
    }
}

/// Crosses as the function itself (only the durable conversion can carry it).
#[cfg(target_arch = "wasm32")]
impl<A, R> Serialize for Callback<A, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Inner::Local { passed, .. } = &*self.inner {
            PASSING.with(|p| {
                let p = p.borrow();
                if !p.is_empty() {
                    *passed.borrow_mut() = Some(p.clone());
                }
            });
        }
        serde_wasm_bindgen::preserve::serialize(self.inner.function(), serializer)
    }
}

/// Takes a function argument: a stub of the caller's function, duplicated so
/// that it outlives the call.
#[cfg(target_arch = "wasm32")]
impl<'de, A, R> Deserialize<'de> for Callback<A, R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value: JsValue = serde_wasm_bindgen::preserve::deserialize(deserializer)?;
        if !value.is_function() {
            let kind = value.js_typeof().as_string().unwrap_or_default();
            return Err(serde::de::Error::custom(format!("expected a function (a callback), got {kind}")));
        }
        let function: Function = value.unchecked_into();
        // A stub has `dup()`: the runtime disposes the one it passed in when
        // the call returns, the duplicate is this side's own.
        let function = match Reflect::get(&function, &"dup".into()).ok().and_then(|dup| dup.dyn_into::<Function>().ok()) {
            Some(dup) => Reflect::apply(&dup, &function, &Array::new())
                .map_err(|e| serde::de::Error::custom(format!("the callback could not be kept: {}", js_message(&e))))?
                .unchecked_into(),
            None => function,
        };
        Ok(Self { inner: Rc::new(Inner::Received(function)), types: PhantomData })
    }
}
