//! Capabilities: Rust values handed out over JS RPC as live objects the
//! caller can call (JavaScript's `RpcTarget`), and the caller's side of them.
//!
//! A type whose impl block carries [`#[durable::rpc_target]`](crate::rpc_target)
//! is a [`Target`]: its public `&self` methods are callable remotely, exactly
//! as a Durable Object's RPC methods are. An RPC method hands one out by
//! returning [`Capability<T>`]:
//!
//! ```no_run
//! use std::rc::Rc;
//! use durable::prelude::*;
//! use durable::rpc::Capability;
//!
//! pub struct Session { user: String }
//!
//! #[durable::rpc_target]
//! impl Session {
//!     pub fn user(&self) -> String {
//!         self.user.clone()
//!     }
//! }
//!
//! #[durable_object]
//! pub struct Desk { state: State }
//!
//! #[durable_object]
//! impl Desk {
//!     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//!
//!     pub fn open_session(&self, user: String) -> Capability<Session> {
//!         Capability::new(Session { user })
//!     }
//! }
//!
//! # async fn demo(env: &Env) -> durable::Result<()> {
//! // A Rust caller gets a typed stub (`SessionStub`) of the capability:
//! let desk = Namespace::<Desk>::from_env_default(env)?.get_by_name("front")?;
//! let session = desk.open_session("ada".into()).await?;
//! assert_eq!(session.user().await?, "ada");
//! drop(session); // the object's `Session` is dropped too
//! # Ok(()) }
//! ```
//!
//! JavaScript calls it as any `RpcTarget`:
//! `using session = await desk.openSession("ada"); await session.user();`.
//!
//! # Ownership
//! - The object side: the capability owns its value (or shares it, from
//!   [`Capability::from_rc`]). The value lives while any caller holds a stub
//!   of it, and is dropped when the last stub is disposed (JavaScript's
//!   `using` or `stub[Symbol.dispose]()`, Rust's `drop`), or when the
//!   caller's request ends, whichever comes first.
//! - The caller side: a Rust stub ([`RemoteCapability`], or the typed
//!   `<T>Stub` wrapping one) disposes the remote value when it is dropped.
//!   Holding it keeps the value alive; it is not `Clone` (a second owner is
//!   [`RemoteCapability::dup`]).
//! - A capability lives in the Wasm instance of the object that made it. If
//!   that instance dies (a panic), every call on the capability fails with
//!   an error naming it; the object is rebuilt on its next event, the
//!   capability is not.
//! - A call on a capability already disposed fails with an error naming it.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Array, Function, Promise, Reflect};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::error::{bounded, js_message};
use crate::rpc::{classify, RpcError, Stub};
use crate::runtime::{run_as_call, to_js_error};
use crate::{Error, Result};

/// A type whose values can be handed out over RPC as capabilities.
/// `#[durable::rpc_target]` implements it; do not implement it by hand.
///
/// ```
/// # pub struct Session;
/// # #[durable::rpc_target] impl Session { pub fn ping(&self) -> u32 { 1 } }
/// use durable::rpc::Target;
/// assert_eq!(Session::NAME, "Session");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be handed out as a capability",
    label = "not a `#[durable::rpc_target]` type",
    note = "put `#[durable::rpc_target]` on the inherent impl block of `{Self}` (its public `&self` methods become callable remotely)"
)]
pub trait Target: 'static {
    /// The generated typed stub (`SessionStub` for `Session`).
    type Stub: From<RemoteCapability>;

    /// The type's name, which errors and logs use to name the capability.
    const NAME: &'static str;

    /// The methods a caller can call: (JavaScript name, glue method).
    #[doc(hidden)]
    const METHODS: &'static [(&'static str, &'static str)];

    /// Moves `value` into a new Wasm-side handle (used by generated code).
    #[doc(hidden)]
    fn __into_handle(value: Rc<Self>) -> JsValue;
}

/// A value handed out over RPC as a live object: what an RPC method returns
/// to give its caller a capability (`-> Capability<Session>`, or
/// `-> Result<Capability<Session>, E>`). The caller gets a stub; the value
/// lives until the caller disposes it.
///
/// ```
/// # pub struct Session { user: String }
/// # #[durable::rpc_target] impl Session { pub fn user(&self) -> String { self.user.clone() } }
/// use durable::rpc::Capability;
/// let session = Capability::new(Session { user: "ada".into() });
/// assert_eq!(session.user, "ada"); // derefs to the value
/// ```
pub struct Capability<T> {
    value: Rc<T>,
}

impl<T: Target> Capability<T> {
    /// Hands out `value`, which the capability owns.
    pub fn new(value: T) -> Self {
        Self { value: Rc::new(value) }
    }

    /// Hands out a value the object keeps a reference to as well (to see
    /// it, or to revoke what it grants): it is dropped when both the object
    /// and every caller let go.
    ///
    /// ```
    /// # pub struct Session;
    /// # #[durable::rpc_target] impl Session { pub fn ping(&self) -> u32 { 1 } }
    /// use std::rc::Rc;
    /// let kept = Rc::new(Session);
    /// let handed_out = durable::rpc::Capability::from_rc(Rc::clone(&kept));
    /// assert_eq!(Rc::strong_count(&kept), 2);
    /// # drop(handed_out);
    /// ```
    pub fn from_rc(value: Rc<T>) -> Self {
        Self { value }
    }
}

impl<T> std::ops::Deref for Capability<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Capability<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Capability").field(&self.value).finish()
    }
}

thread_local! {
    /// What the JavaScript runtime installs per instance (each instance has
    /// its own memory): `(name, handle, methods) => RpcTarget`.
    static FACTORY: RefCell<Option<Function>> = const { RefCell::new(None) };
    /// `Symbol.dispose`, looked up once.
    static DISPOSE: JsValue = Reflect::get(&js_sys::global(), &"Symbol".into())
        .and_then(|symbol| Reflect::get(&symbol, &"dispose".into()))
        .unwrap_or(JsValue::UNDEFINED);
}

/// Installs the function that turns a handle into a JavaScript `RpcTarget`;
/// the JavaScript runtime calls it once on each new instance.
#[doc(hidden)]
#[wasm_bindgen(js_name = "__durable_init_targets")]
pub fn init_targets(factory: Function) {
    FACTORY.with(|slot| *slot.borrow_mut() = Some(factory));
}

/// The JavaScript object a caller receives for `capability`. Used by
/// generated code for a method returning `Capability<T>`.
#[doc(hidden)]
pub fn capability_to_js<T: Target>(capability: Capability<T>) -> Result<JsValue> {
    let methods: Array = T::METHODS
        .iter()
        .map(|(js, glue)| -> JsValue { Array::of2(&JsValue::from_str(js), &JsValue::from_str(glue)).into() })
        .collect();
    let handle = T::__into_handle(capability.value);
    FACTORY.with(|factory| match &*factory.borrow() {
        Some(factory) => factory.call3(&JsValue::UNDEFINED, &JsValue::from_str(T::NAME), &handle, &methods).map_err(|e| Error::Js(js_message(&e))),
        None => Err(Error::message(format!(
            "the capability {} cannot be handed out: this module was not loaded by the durable runtime (build it with `durable build`)",
            T::NAME
        ))),
    })
}

/// [`capability_to_js`] for a method returning `Result<Capability<T>, E>`.
#[doc(hidden)]
pub fn capability_result_to_js<T: Target, E: fmt::Display>(result: std::result::Result<Capability<T>, E>) -> Result<JsValue> {
    match result {
        Ok(capability) => capability_to_js(capability),
        Err(error) => Err(Error::Message(bounded(error.to_string()))),
    }
}

/// The Wasm side of one handed-out capability, as the generated handle
/// holds it: runs calls on the value, tracked as calls of the instance (so
/// a panic in one is attributed to it and kills only this instance). Its
/// methods have the signatures of [`Instance`](crate::runtime::Instance)'s,
/// so the same generated glue serves both.
#[doc(hidden)]
pub struct Held<T> {
    object: Rc<T>,
}

impl<T: 'static> Held<T> {
    /// Holds `object` for a handle.
    pub fn new(object: Rc<T>) -> Self {
        Self { object }
    }

    /// Runs one asynchronous method as call `call`.
    pub fn rpc<F, Fut>(&self, call: u32, run: F) -> std::result::Result<JsValue, JsValue>
    where
        F: FnOnce(Rc<T>) -> Fut,
        Fut: Future<Output = Result<JsValue>> + 'static,
    {
        let work = run(Rc::clone(&self.object));
        crate::runtime::spawn_call(call, async move { work.await.map_err(|e| to_js_error(&e)) })
    }

    /// Runs one synchronous method as call `call`.
    pub fn rpc_sync<F>(&self, call: u32, run: F) -> std::result::Result<JsValue, JsValue>
    where
        F: FnOnce(&T) -> Result<JsValue>,
    {
        run_as_call(call, || run(&self.object)).map_err(|e| to_js_error(&e))
    }
}

/// A capability held by a caller: the JavaScript stub of a remote
/// `RpcTarget` (made by `#[durable::rpc_target]` in Rust, or written in
/// JavaScript). Dropping it disposes it (`stub[Symbol.dispose]()`), which
/// lets the other side drop the value. Typed stubs (`SessionStub`) wrap one.
///
/// ```no_run
/// # async fn demo(session: durable::rpc::RemoteCapability) -> Result<(), durable::rpc::RpcError> {
/// let user: String = session.call("user", vec![]).await?;
/// drop(session); // released on the other side
/// # Ok(()) }
/// ```
pub struct RemoteCapability {
    pub(crate) raw: JsValue,
    pub(crate) name: &'static str,
    /// Outside Wasm, the capability as the test runtime holds it.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) host: Option<super::transport::SharedTarget>,
}

impl RemoteCapability {
    /// Takes ownership of the JavaScript stub `raw`, a capability of type
    /// `name` (for error messages): dropping the result disposes `raw`.
    pub fn from_raw(raw: JsValue, name: &'static str) -> Self {
        Self {
            raw,
            name,
            #[cfg(not(target_arch = "wasm32"))]
            host: None,
        }
    }

    /// The JavaScript stub (still owned by `self`).
    pub fn as_raw(&self) -> &JsValue {
        &self.raw
    }

    /// The capability's type name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Calls `method` with already-converted arguments and converts the result.
    ///
    /// Outside Wasm (a `cargo test` with `durable::testing`) there are no
    /// JavaScript values: call the capability through its typed stub
    /// (`SessionStub`), which this refers to.
    pub async fn call<R: DeserializeOwned>(&self, method: &str, args: Vec<JsValue>) -> std::result::Result<R, RpcError> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = args;
            return Err(RpcError::Transport(format!(
                "{method}: outside Wasm, call the capability {} through its typed stub (`{}Stub`): `RemoteCapability::call` takes JavaScript values",
                self.name, self.name
            )));
        }
        #[cfg_attr(not(target_arch = "wasm32"), allow(unreachable_code))]
        // A `Stub` is a view of a JavaScript stub; this one is never disposed by it.
        Stub::from_raw(self.raw.clone()).call(method, args).await.map_err(|e| self.named(e))
    }

    /// A second owner of the same capability (`stub.dup()`): the value lives
    /// until both are dropped.
    pub fn dup(&self) -> std::result::Result<Self, RpcError> {
        #[cfg(not(target_arch = "wasm32"))]
        return match &self.host {
            Some(host) => Ok(Self::for_host(host.dup()?, self.name)),
            None => Err(RpcError::Transport(format!("the {} stub leads nowhere outside Wasm", self.name))),
        };
        #[cfg_attr(not(target_arch = "wasm32"), allow(unreachable_code))]
        let dup = Reflect::get(&self.raw, &"dup".into()).map_err(|e| RpcError::Transport(js_message(&e)))?;
        let dup: Function = dup.dyn_into().map_err(|_| RpcError::Transport(format!("the {} stub cannot be duplicated", self.name)))?;
        let raw = Reflect::apply(&dup, &self.raw, &Array::new()).map_err(|e| classify(&e))?;
        Ok(Self::from_raw(raw, self.name))
    }

    /// Disposes the capability now (what dropping it does).
    pub fn dispose(self) {}

    fn named(&self, error: RpcError) -> RpcError {
        match error {
            RpcError::Transport(m) if m.contains("disposed") => {
                RpcError::Transport(format!("the capability {} was disposed: {m}", self.name))
            }
            other => other,
        }
    }
}

impl fmt::Debug for RemoteCapability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteCapability").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Drop for RemoteCapability {
    fn drop(&mut self) {
        #[cfg(target_arch = "wasm32")]
        dispose(&self.raw);
        // Outside Wasm there is no JavaScript: the test runtime disposes it.
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(host) = &self.host {
            host.release();
        }
    }
}

/// `value[Symbol.dispose]()`, if it has one.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn dispose(value: &JsValue) {
    DISPOSE.with(|symbol| {
        if let Ok(function) = Reflect::get(value, symbol).and_then(|f| f.dyn_into::<Function>()) {
            let _ = Reflect::apply(&function, value, &Array::new());
        }
    });
}

/// Calls `method` on the stub `stub` and answers a stub of the capability
/// of type `T` it will resolve to, without waiting: calls made on it are
/// pipelined (sent along, one round trip). Used by generated stubs
/// (`<method>_pipelined`).
#[doc(hidden)]
pub fn call_pipelined<T: Target>(stub: &JsValue, method: &str, args: Vec<JsValue>) -> std::result::Result<T::Stub, RpcError> {
    #[cfg(not(target_arch = "wasm32"))]
    return Err(host_only(stub, method, args));
    #[cfg_attr(not(target_arch = "wasm32"), allow(unreachable_code))]
    let function = Reflect::get(stub, &JsValue::from_str(method)).map_err(|e| RpcError::Transport(js_message(&e)))?;
    let function: Function =
        function.dyn_into().map_err(|_| RpcError::Transport(format!("the stub has no method `{method}`")))?;
    let args: Array = args.into_iter().collect();
    // The runtime's RpcPromise: a promise, and a stub of what it resolves to.
    let promise = Reflect::apply(&function, stub, &args).map_err(|e| classify(&e))?;
    Ok(RemoteCapability::from_raw(promise, T::NAME).into())
}

/// Calls `method` on the stub `stub` and takes the capability of type `T`
/// it resolves to. Used by generated stubs for methods returning
/// `Capability<T>`.
#[doc(hidden)]
pub async fn call_capability<T: Target>(stub: &JsValue, method: &str, args: Vec<JsValue>) -> std::result::Result<T::Stub, RpcError> {
    #[cfg(not(target_arch = "wasm32"))]
    return Err(host_only(stub, method, args));
    #[cfg_attr(not(target_arch = "wasm32"), allow(unreachable_code))]
    let function = Reflect::get(stub, &JsValue::from_str(method)).map_err(|e| RpcError::Transport(js_message(&e)))?;
    let function: Function =
        function.dyn_into().map_err(|_| RpcError::Transport(format!("the stub has no method `{method}`")))?;
    let args: Array = args.into_iter().collect();
    // `Reflect.apply`: `.call` on a stub would be a remote call itself.
    let returned = Reflect::apply(&function, stub, &args).map_err(|e| classify(&e))?;
    let value = JsFuture::from(Promise::resolve(&returned)).await.map_err(|e| classify(&e))?;
    if !value.is_object() && !value.is_function() {
        return Err(RpcError::Conversion(format!(
            "{method}: expected the capability {}, got {}",
            T::NAME,
            value.js_typeof().as_string().unwrap_or_default()
        )));
    }
    Ok(RemoteCapability::from_raw(value, T::NAME).into())
}

/// Outside Wasm there is no JavaScript stub to call: typed stubs go through
/// the test runtime instead (see `durable::testing`).
#[cfg(not(target_arch = "wasm32"))]
fn host_only(_stub: &JsValue, method: &str, _args: Vec<JsValue>) -> RpcError {
    RpcError::Transport(format!("{method}: outside Wasm, calls go through the typed stubs `durable::testing::TestEnv` hands out"))
}
