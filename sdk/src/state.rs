use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::storage::Storage;
use crate::sys;
use crate::{Error, Result};

/// The state the runtime gives a Durable Object (`this.ctx` in JavaScript): its
/// id, its storage, and control over concurrency.
///
/// A `State` is handed to your constructor; keep it in a field. Cloning is cheap
/// (it is a handle).
///
/// ```no_run
/// use durable::prelude::*;
///
/// #[durable_object]
/// pub struct Named { state: State }
///
/// #[durable_object]
/// impl Named {
///     pub fn new(state: State, _env: Env) -> Self { Self { state } }
///
///     pub async fn fetch(&self, _req: Request) -> Result<Response> {
///         Ok(Response::ok(format!("I am {}", self.state.id()))?)
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct State {
    raw: sys::DurableObjectState,
}

impl State {
    /// Wraps the runtime's `DurableObjectState`. Used by [`crate::runtime`].
    pub(crate) fn from_raw(raw: sys::DurableObjectState) -> Self {
        Self { raw }
    }

    /// This object's id.
    pub fn id(&self) -> ObjectId {
        ObjectId { raw: self.raw.id() }
    }

    /// This object's private, transactional storage.
    pub fn storage(&self) -> Storage {
        Storage::from_raw(self.raw.storage())
    }

    /// Runs `work` while the runtime delivers no other event to this object
    /// (`ctx.blockConcurrencyWhile`).
    ///
    /// The work starts at once, before the returned future is polled, so a
    /// constructor can start it and drop the future, exactly like the JavaScript
    /// pattern: the runtime holds back requests until `work` finishes. If `work`
    /// fails, the runtime resets the object and the next request constructs it
    /// anew.
    ///
    /// ```no_run
    /// use std::{cell::Cell, rc::Rc};
    /// use durable::prelude::*;
    ///
    /// #[durable_object]
    /// pub struct Cached { state: State, value: Rc<Cell<i64>> }
    ///
    /// #[durable_object]
    /// impl Cached {
    ///     pub fn new(state: State, _env: Env) -> Self {
    ///         let value = Rc::new(Cell::new(0));
    ///         let (storage, slot) = (state.storage(), value.clone());
    ///         // Load once; every request after this is served from memory.
    ///         let _ = state.block_concurrency_while(async move {
    ///             slot.set(storage.get("value").await?.unwrap_or(0));
    ///             Ok(())
    ///         });
    ///         Self { state, value }
    ///     }
    ///
    ///     pub async fn fetch(&self, _req: Request) -> Result<Response> {
    ///         Ok(Response::ok(self.value.get().to_string())?)
    ///     }
    /// }
    /// ```
    pub fn block_concurrency_while<F, T>(&self, work: F) -> impl Future<Output = Result<T>> + 'static
    where
        F: Future<Output = Result<T>> + 'static,
        T: 'static,
    {
        let slot: Rc<RefCell<Option<T>>> = Rc::default();
        let filled = slot.clone();
        let call = crate::runtime::current_call();
        let callback = Closure::once_into_js(move || -> Promise {
            crate::runtime::spawn_guarded(call, async move {
                let value = work.await.map_err(|e| crate::runtime::to_js_error(&e))?;
                filled.borrow_mut().replace(value);
                Ok(JsValue::UNDEFINED)
            })
        });
        let done = self.raw.block_concurrency_while(callback.unchecked_ref());
        async move {
            JsFuture::from(done).await.map_err(Error::from_js)?;
            let value = slot.borrow_mut().take();
            value.ok_or_else(|| Error::message("blockConcurrencyWhile settled without running its work"))
        }
    }

    /// Keeps the object alive until `work` finishes, without delaying the
    /// response (`ctx.waitUntil`). An error in `work` is logged by the runtime.
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) {
    /// let storage = state.storage();
    /// state.wait_until(async move {
    ///     storage.put("last-seen", &"now").await
    /// });
    /// # }
    /// ```
    pub fn wait_until<F>(&self, work: F)
    where
        F: Future<Output = Result<()>> + 'static,
    {
        let promise = crate::runtime::spawn_guarded(crate::runtime::current_call(), async move {
            work.await.map_err(|e| crate::runtime::to_js_error(&e))?;
            Ok(JsValue::UNDEFINED)
        });
        self.raw.wait_until(&promise);
    }

    /// Resets the object (`ctx.abort`): in-memory state is dropped and the next
    /// request constructs it anew. Storage is kept.
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) {
    /// state.abort("configuration changed");
    /// # }
    /// ```
    pub fn abort(&self, reason: &str) {
        self.raw.abort(reason)
    }
}

/// The id of a Durable Object. Displays as its 64-digit hex string.
///
/// ```no_run
/// # fn demo(state: &durable::State) {
/// let id = state.id();
/// assert_eq!(id.to_string().len(), 64);
/// assert!(id == state.id());
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ObjectId {
    raw: sys::DurableObjectId,
}

impl ObjectId {
    pub(crate) fn from_raw(raw: sys::DurableObjectId) -> Self {
        Self { raw }
    }

    pub(crate) fn as_raw(&self) -> &sys::DurableObjectId {
        &self.raw
    }

    /// The name the id was derived from (`idFromName`), when the runtime knows it.
    pub fn name(&self) -> Option<String> {
        self.raw.name()
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw.to_string())
    }
}

impl PartialEq for ObjectId {
    fn eq(&self, other: &Self) -> bool {
        self.raw.equals(&other.raw)
    }
}

impl Eq for ObjectId {}
