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
//! # Capabilities as values
//!
//! Where a capability crosses RPC inside a value (an argument, a field of a
//! returned struct, an enum's variant, an `Option`, a `Vec`), it is named by
//! its typed stub, `SessionStub`: the same type on both sides. The side that
//! makes the capability turns it into that stub with
//! [`Capability::into_stub`] (or `.into()`); the receiver gets a stub it
//! calls. A `Capability<T>` itself cannot be received (it would be a stub on
//! the other side): that is a compile error naming the stub.
//!
//! ```no_run
//! use durable::prelude::*;
//! use durable::rpc::Capability;
//! # pub struct Session { user: String }
//! # #[durable::rpc_target] impl Session { pub fn user(&self) -> String { self.user.clone() } }
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! pub struct Opened {
//!     pub session: SessionStub,
//!     pub spare: Option<SessionStub>,
//! }
//!
//! #[durable_object]
//! pub struct Desk { state: State }
//!
//! #[durable_object]
//! impl Desk {
//!     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//!
//!     pub fn open(&self, user: String) -> Opened {
//!         Opened { session: Capability::new(Session { user }).into(), spare: None }
//!     }
//!
//!     /// Takes a session from the caller and calls it during the call.
//!     pub async fn greet(&self, session: SessionStub) -> Result<String> {
//!         Ok(format!("hello, {}", session.user().await?))
//!     }
//! }
//!
//! # async fn demo(desk: DeskStub) -> durable::Result<()> {
//! let opened = desk.open("ada".into()).await?;
//! assert_eq!(opened.session.user().await?, "ada");
//! let greeting = desk.greet(opened.session).await?; // given away: the call's now
//! drop(opened.spare); // dropping the rest of the result disposes its stubs
//! # Ok(()) }
//! ```
//!
//! Who disposes what (the runtime's JS RPC rules, measured on workerd):
//!
//! | Where the stub is | Who owns it | When the value is released |
//! |---|---|---|
//! | returned directly (`-> Capability<T>`) | the caller | the caller drops its stub (JavaScript: `using`, `[Symbol.dispose]()`), or its request ends |
//! | inside a returned value (struct, enum, `Option`, `Vec`) | the caller, each stub in it | Rust: each stub dropped (dropping the value drops them all); JavaScript: `using result = ..` or `result[Symbol.dispose]()` disposes every stub in it; or the caller's request ends |
//! | passed as an argument | the callee, for the call | when the call returns, unless the callee keeps its stub (a Rust callee keeps it by keeping the `SessionStub`: the SDK duplicates what the runtime passes); a kept stub lives until the callee drops it or the caller's request ends (then calls fail: "The execution context which hosts this callback is no longer running.") |
//! | the caller's own stub, after passing it | given away | the runtime disposes the caller's stub when the call ends (JavaScript: pass `stub.dup()` to keep yours; Rust: the method takes the stub by value, so pass `stub.dup()?`) |
//! | a received stub returned in a result | the new caller | the callee's handle lets go of it once the result is sent |
//! | a `Capability` made into a stub (`into_stub`) | this instance, and each receiver of a crossing | each crossing hands out a new capability of the same value; the value is dropped when this stub and every receiver let go |
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

use std::cell::{Cell, OnceCell, RefCell};
use std::fmt;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Array, Function, Promise, Reflect};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
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

    /// The typed stub of this capability, to put where capabilities cross
    /// RPC by stub: an argument of another call, or a field of a returned
    /// struct, enum, `Option` or `Vec`. Each time the stub crosses RPC, its
    /// receiver gets a capability of the same value (as if returned
    /// directly); the value lives until this stub and every receiver let go.
    /// `SessionStub::from(capability)` and `.into()` do the same.
    ///
    /// ```no_run
    /// use durable::rpc::Capability;
    ///
    /// pub struct Job { title: String }
    ///
    /// #[durable::rpc_target]
    /// impl Job {
    ///     pub fn title(&self) -> String { self.title.clone() }
    /// }
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// pub struct Listing {
    ///     pub jobs: Vec<JobStub>,
    ///     pub featured: Option<JobStub>,
    /// }
    ///
    /// let listing = Listing {
    ///     jobs: vec![Capability::new(Job { title: "paint".into() }).into_stub()],
    ///     featured: Some(Capability::new(Job { title: "mow".into() }).into()),
    /// };
    /// ```
    pub fn into_stub(self) -> T::Stub {
        RemoteCapability::local(self).into()
    }
}

impl<T: Target> From<Capability<T>> for RemoteCapability {
    fn from(capability: Capability<T>) -> Self {
        RemoteCapability::local(capability)
    }
}

/// Crosses RPC as a new capability of the same value: the receiver gets a
/// stub (an `RpcTarget` for JavaScript) it owns, and the value lives until
/// every holder lets go. A Rust receiver names it by its typed stub (see
/// [`Capability::into_stub`]).
impl<T: Target> Serialize for Capability<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let value = Rc::clone(&self.value);
        hand_out(serializer, move || capability_to_js(Capability { value }))
    }
}

/// Never implemented: named by `Capability<T>`'s `Deserialize`, so that a
/// capability where a received value is expected fails to compile with
/// the message below. Not a public API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "a `Capability<{Self}>` cannot be received over RPC: the receiver gets a stub of the capability, not the value",
    label = "received as a stub",
    note = "in arguments and in values that cross RPC, name a capability by its typed stub: `{Self}Stub` (`<{Self} as durable::rpc::Target>::Stub`), or `durable::rpc::RemoteCapability`",
    note = "the side that makes the capability turns it into that stub with `Capability::new(value).into_stub()` (or `.into()`)"
)]
pub trait ReceivedAsStub {}

/// Refused at compile time (see [`ReceivedAsStub`]).
impl<'de, T: Target + ReceivedAsStub> Deserialize<'de> for Capability<T> {
    fn deserialize<D: Deserializer<'de>>(_: D) -> std::result::Result<Self, D::Error> {
        unreachable!("`ReceivedAsStub` is implemented by no type")
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
    /// The JavaScript stub; for a capability of this instance, the
    /// `RpcTarget` its own calls go through, made at the first one.
    raw: OnceCell<JsValue>,
    name: &'static str,
    /// A capability of this instance ([`Capability::into_stub`]): makes a
    /// new `RpcTarget` of the value each time it is handed out.
    local: Option<Maker>,
    /// Handed on in an RPC result: the receiver owns it now, so dropping
    /// this handle leaves it alone.
    handed_on: Cell<bool>,
    /// Outside Wasm, the capability as the test runtime holds it.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) host: Option<super::transport::SharedTarget>,
}

impl RemoteCapability {
    /// Takes ownership of the JavaScript stub `raw`, a capability of type
    /// `name` (for error messages): dropping the result disposes `raw`.
    pub fn from_raw(raw: JsValue, name: &'static str) -> Self {
        Self {
            raw: OnceCell::from(raw),
            name,
            local: None,
            handed_on: Cell::new(false),
            #[cfg(not(target_arch = "wasm32"))]
            host: None,
        }
    }

    /// A stub of a capability of this instance: each time it crosses RPC it
    /// hands out a new `RpcTarget` of the value (see [`Capability::into_stub`]).
    fn local<T: Target>(capability: Capability<T>) -> Self {
        #[cfg(target_arch = "wasm32")]
        let make: Maker = {
            let value = capability.value;
            Rc::new(move || capability_to_js(Capability { value: Rc::clone(&value) }))
        };
        #[cfg(not(target_arch = "wasm32"))]
        let make: Maker = {
            drop(capability);
            std::sync::Arc::new(|| {
                Err(Error::message(format!("the capability {} can only be handed out in Wasm, through the durable runtime", T::NAME)))
            })
        };
        Self {
            raw: OnceCell::new(),
            name: T::NAME,
            local: Some(make),
            handed_on: Cell::new(false),
            #[cfg(not(target_arch = "wasm32"))]
            host: None,
        }
    }

    /// The JavaScript stub (still owned by `self`). For a capability of
    /// this instance, an `RpcTarget` of it (`undefined` outside the durable
    /// runtime).
    pub fn as_raw(&self) -> &JsValue {
        self.raw.get_or_init(|| match &self.local {
            Some(make) => make().unwrap_or(JsValue::UNDEFINED),
            None => JsValue::UNDEFINED,
        })
    }

    /// Whether the capability lives in this instance (made by
    /// [`Capability::into_stub`]) rather than behind a stub.
    ///
    /// ```no_run
    /// # pub struct Session;
    /// # #[durable::rpc_target] impl Session { pub fn ping(&self) -> u32 { 1 } }
    /// let stub: SessionStub = durable::rpc::Capability::new(Session).into();
    /// assert!(stub.raw().is_local());
    /// ```
    pub fn is_local(&self) -> bool {
        self.local.is_some()
    }

    /// The stub calls go through: for a capability of this instance, made
    /// now if it has not been, with the error if it cannot be.
    fn target(&self) -> std::result::Result<&JsValue, RpcError> {
        if let (None, Some(make)) = (self.raw.get(), &self.local) {
            let made = make().map_err(|e| RpcError::Transport(e.to_string()))?;
            let _ = self.raw.set(made);
        }
        Ok(self.as_raw())
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
        Stub::from_raw(self.target()?.clone()).call(method, args).await.map_err(|e| self.named(e))
    }

    /// A second owner of the same capability (`stub.dup()`): the value lives
    /// until both are dropped.
    pub fn dup(&self) -> std::result::Result<Self, RpcError> {
        #[cfg(not(target_arch = "wasm32"))]
        if self.local.is_none() {
            return match &self.host {
                Some(host) => Ok(Self::for_host(host.dup()?, self.name)),
                None => Err(RpcError::Transport(format!("the {} stub leads nowhere outside Wasm", self.name))),
            };
        }
        if let Some(make) = &self.local {
            return Ok(Self {
                raw: OnceCell::new(),
                name: self.name,
                local: Some(make.clone()),
                handed_on: Cell::new(false),
                #[cfg(not(target_arch = "wasm32"))]
                host: None,
            });
        }
        let raw = self.as_raw();
        let dup = Reflect::get(raw, &"dup".into()).map_err(|e| RpcError::Transport(js_message(&e)))?;
        let dup: Function = dup.dyn_into().map_err(|_| RpcError::Transport(format!("the {} stub cannot be duplicated", self.name)))?;
        let raw = Reflect::apply(&dup, raw, &Array::new()).map_err(|e| classify(&e))?;
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

/// What makes a new `RpcTarget` of a capability of this instance.
#[cfg(target_arch = "wasm32")]
type Maker = Rc<dyn Fn() -> Result<JsValue>>;

/// Outside Wasm no `RpcTarget` can be made, and a stub in a result must be
/// `Send` for the test runtime: the maker only says why.
#[cfg(not(target_arch = "wasm32"))]
type Maker = std::sync::Arc<dyn Fn() -> Result<JsValue> + Send + Sync>;

impl fmt::Debug for RemoteCapability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteCapability").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Drop for RemoteCapability {
    fn drop(&mut self) {
        // Outside Wasm there is no JavaScript: the test runtime disposes it.
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(host) = &self.host {
            host.release();
        }
        // A capability of this instance: `raw` (if made) served only this
        // side's own calls; what was handed out belongs to its receivers.
        #[cfg(target_arch = "wasm32")]
        if let Some(raw) = self.raw.get() {
            if self.handed_on.get() {
                // In a result: the runtime copies it for the caller once the
                // method has returned, after this handle is dropped.
                dispose_later(raw);
            } else {
                dispose(raw);
            }
        }
    }
}

/// Crosses RPC as the stub itself (as JavaScript passes a stub), or, for a
/// capability of this instance, as a new `RpcTarget` of the value.
///
/// - As an argument of a call, the runtime gives the callee its own copy
///   for the call: this stub stays the caller's, disposed when dropped.
/// - In a result, the stub goes to the caller: this handle, dropped when
///   the method returns, is disposed only after the runtime has copied it
///   for the caller.
impl Serialize for RemoteCapability {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        // Outside Wasm, a capability the test runtime holds.
        #[cfg(not(target_arch = "wasm32"))]
        if self.local.is_none() {
            return crate::testing::values::serialize_capability(self, serializer);
        }
        if let Some(make) = &self.local {
            let make = make.clone();
            return hand_out(serializer, move || make());
        }
        let raw = self.as_raw().clone();
        let out = hand_out(serializer, move || Ok(raw))?;
        if RESULT.with(Cell::get) {
            self.handed_on.set(true);
        }
        Ok(out)
    }
}

/// Takes a stub of a capability (an `RpcTarget` the caller passed, or a
/// stub it held). An argument's stub is duplicated, so that it outlives the
/// call (the runtime disposes the one it passed when the call returns); a
/// stub in a result is the caller's own already.
impl<'de> Deserialize<'de> for RemoteCapability {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        receive(deserializer, "capability")
    }
}

/// [`RemoteCapability`]'s `Deserialize` for a capability of type `name`
/// (used by generated typed stubs).
#[doc(hidden)]
pub fn receive<'de, D: Deserializer<'de>>(deserializer: D, name: &'static str) -> std::result::Result<RemoteCapability, D::Error> {
    // Outside Wasm, in an answer of the test runtime.
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::values::deserialize_capability(deserializer, name)
    }
    #[cfg(target_arch = "wasm32")]
    {
        let value: JsValue = serde_wasm_bindgen::preserve::deserialize(deserializer)?;
        let dup = Reflect::get(&value, &"dup".into()).ok().and_then(|dup| dup.dyn_into::<Function>().ok());
        let Some(dup) = dup.filter(|_| value.is_object() || value.is_function()) else {
            let kind = if value.is_null() {
                "null".to_owned()
            } else if value.is_object() {
                "an object that is no stub".to_owned()
            } else {
                value.js_typeof().as_string().unwrap_or_default()
            };
            return Err(serde::de::Error::custom(format!(
                "expected the capability {name} (an RpcTarget, or a stub of one), got {kind}"
            )));
        };
        if RESULT.with(Cell::get) {
            return Ok(RemoteCapability::from_raw(value, name));
        }
        let own = Reflect::apply(&dup, &value, &Array::new())
            .map_err(|e| serde::de::Error::custom(format!("the capability {name} could not be kept: {}", js_message(&e))))?;
        Ok(RemoteCapability::from_raw(own, name))
    }
}

/// Serializes the JavaScript value `make` gives, made only by the durable
/// conversion (the bulk route's check declines a passed-through value
/// before asking for it, so no `RpcTarget` is made in vain).
fn hand_out<S: Serializer>(serializer: S, make: impl FnOnce() -> Result<JsValue>) -> std::result::Result<S::Ok, S::Error> {
    let made = Made { make: Cell::new(Some(Box::new(make))), value: OnceCell::new() };
    // `made` (and the value it makes) lives until the serializer has taken
    // its copy of the value.
    serializer.serialize_newtype_struct(crate::convert::PRESERVED, &made)
}

type MakeOnce<'a> = Box<dyn FnOnce() -> Result<JsValue> + 'a>;

/// `serde_wasm_bindgen::preserve`'s inner value, made when serialized.
struct Made<'a> {
    make: Cell<Option<MakeOnce<'a>>>,
    value: OnceCell<JsValue>,
}

impl Serialize for Made<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = (serializer, &self.make, &self.value);
            Err(S::Error::custom("a capability can only cross RPC in Wasm, through the durable runtime (not in a host test)"))
        }
        #[cfg(target_arch = "wasm32")]
        {
            use wasm_bindgen::convert::IntoWasmAbi;
            let make = self.make.take().ok_or_else(|| S::Error::custom("a capability was converted twice"))?;
            let value = make().map_err(|e| S::Error::custom(e.to_string()))?;
            let value = self.value.get_or_init(|| value);
            // As `serde_wasm_bindgen::preserve::serialize`: the index of a
            // reference to `value`, which serde-wasm-bindgen's serializer
            // clones before `serialize_newtype_struct` returns (and `value`
            // lives in `self` until then).
            serializer.serialize_u32(value.into_abi())
        }
    }
}

thread_local! {
    /// Whether an RPC result is being converted: its stubs go to the
    /// receiver whole (see [`as_result`]).
    static RESULT: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, the conversion of an RPC result (either side): a stub sent
/// in it is the caller's from then on (this side's handle no longer
/// disposes it), and a stub received in it is taken as is, the caller's
/// own, rather than duplicated as an argument's is.
pub(crate) fn as_result<R>(f: impl FnOnce() -> R) -> R {
    let before = RESULT.with(|flag| flag.replace(true));
    let out = f();
    RESULT.with(|flag| flag.set(before));
    out
}

/// `value[Symbol.dispose]()` from a timer: after the microtasks that
/// settle the current call (in which the runtime copies its result).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn dispose_later(value: &JsValue) {
    DISPOSE.with(|symbol| {
        let global = js_sys::global();
        let function = Reflect::get(value, symbol).ok().and_then(|f| f.dyn_into::<Function>().ok());
        let timer = Reflect::get(&global, &"setTimeout".into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
        if let (Some(function), Some(timer)) = (function, timer) {
            let _ = Reflect::apply(&timer, &global, &Array::of2(&function.bind0(value), &JsValue::from(0)));
        }
    });
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
