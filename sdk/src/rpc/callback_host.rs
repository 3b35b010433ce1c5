//! [`Callback`] outside Wasm: a closure of a `#[durable::test]`, which the
//! object calls through the test runtime. It crosses as a number; the
//! driver (`testing.mjs`) hands the object a JavaScript function that posts
//! each call to the test, whose thread runs the closure (closures need not
//! be `Send`: they run where they were made) and answers with its result.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::callback::{Arguments, Callback};
use crate::error::bounded;
use crate::rpc::RpcError;

/// What one call of a test's closure resolves to: its result as JSON, or its error's message.
pub(crate) type Answer = Pin<Box<dyn Future<Output = Result<Value, String>>>>;

type HostFn = dyn Fn(Vec<Value>) -> Answer;

/// A test's closure, under its number.
pub(crate) struct Inner {
    id: u64,
    function: Rc<HostFn>,
}

thread_local! {
    /// The closures made on this thread that some `Callback` still holds.
    static LOCAL: RefCell<HashMap<u64, Weak<HostFn>>> = RefCell::new(HashMap::new());
}

static NEXT: AtomicU64 = AtomicU64::new(1);

/// Dropping the last clone releases the closure: later calls from the
/// object fail with an error saying so.
impl Drop for Inner {
    fn drop(&mut self) {
        let _ = LOCAL.try_with(|local| local.borrow_mut().remove(&self.id));
    }
}

/// Runs the closure numbered `id` (made on this thread) with `args`.
pub(crate) fn invoke(id: u64, args: Vec<Value>) -> Result<Answer, String> {
    let function = LOCAL.with(|local| local.borrow().get(&id).and_then(Weak::upgrade));
    match function {
        Some(function) => Ok(function(args)),
        None => Err(format!(
            "the test's callback {id} was dropped (or made on another thread than the test's): the test keeps a clone of a \
             Callback for as long as the object may call it"
        )),
    }
}

impl<A, R> fmt::Debug for Callback<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback").field("kind", &"test").field("id", &self.inner.id).field("arity", &std::any::type_name::<A>()).finish()
    }
}

impl<A: Arguments + 'static, R: Serialize + DeserializeOwned + 'static> Callback<A, R> {
    /// A callback that runs `f` here whenever the other side calls it. `f`
    /// resolving to `Err` makes the caller's call fail with the error's
    /// message.
    ///
    /// In a `#[durable::test]` (outside Wasm) `f` runs on the test's thread
    /// while the test awaits a call: a panic in it fails the object's call
    /// of the callback, and then the test, with the panic's message.
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
        let function: Rc<HostFn> = Rc::new(move |values: Vec<Value>| -> Answer {
            let args = match A::from_json(&values) {
                Ok(args) => args,
                Err(message) => return Box::pin(std::future::ready(Err(message))),
            };
            let work = f(args);
            Box::pin(async move {
                match work.await {
                    Ok(value) => serde_json::to_value(&value).map_err(|e| format!("the callback's result: {e}")),
                    Err(error) => Err(bounded(error.to_string())),
                }
            })
        });
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        LOCAL.with(|local| local.borrow_mut().insert(id, Rc::downgrade(&function)));
        Self { inner: Rc::new(Inner { id, function }), types: PhantomData }
    }

    /// Calls the function with `args` and waits for what it resolves to
    /// (outside Wasm: runs the test's own closure).
    pub async fn call(&self, args: A) -> Result<R, RpcError> {
        let value = (self.inner.function)(args.to_json()?).await.map_err(RpcError::Remote)?;
        serde_json::from_value(value)
            .map_err(|e| RpcError::Conversion(format!("the callback's result does not fit the declared type: {e}")))
    }
}

/// Crosses (to the test runtime's driver) as its number.
impl<A, R> Serialize for Callback<A, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("$durable", "callback")?;
        map.serialize_entry("id", &self.inner.id)?;
        map.end()
    }
}

/// A function the object hands to a test does not cross: outside Wasm a
/// `Callback` is always the test's own.
impl<'de, A, R> Deserialize<'de> for Callback<A, R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let _ = serde::de::IgnoredAny::deserialize(deserializer)?;
        Err(serde::de::Error::custom(
            "a function returned by the object cannot be called from a test: outside Wasm a Callback is a closure the test makes with Callback::new",
        ))
    }
}
