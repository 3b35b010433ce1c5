use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use js_sys::Promise;
use wasm_bindgen::prelude::*;

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
    /// anew. If the runtime refuses the call itself (it throws), the returned
    /// future resolves to that error and `work` is dropped unrun.
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
            crate::runtime::spawn_guarded_settling(call, async move {
                let value = work.await.map_err(|e| crate::runtime::to_js_error(&e))?;
                filled.borrow_mut().replace(value);
                Ok(JsValue::UNDEFINED)
            })
        });
        let done = self.raw.block_concurrency_while(callback.unchecked_ref());
        async move {
            crate::executor::wait(done.map_err(Error::from_js)?).await.map_err(Error::from_js)?;
            let value = slot.borrow_mut().take();
            value.ok_or_else(|| Error::message("blockConcurrencyWhile settled without running its work"))
        }
    }

    /// Keeps the object alive until `work` finishes, without delaying the
    /// response (`ctx.waitUntil`). An error in `work` is logged by the runtime.
    /// `work` starts at once; an `Err` says the runtime refused to wait for it
    /// (it then runs only as long as the object stays in memory).
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) -> durable::Result<()> {
    /// let storage = state.storage();
    /// state.wait_until(async move {
    ///     storage.put("last-seen", &"now").await
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn wait_until<F>(&self, work: F) -> Result<()>
    where
        F: Future<Output = Result<()>> + 'static,
    {
        let promise = crate::runtime::spawn_guarded_settling(crate::runtime::current_call(), async move {
            work.await.map_err(|e| crate::runtime::to_js_error(&e))?;
            Ok(JsValue::UNDEFINED)
        });
        self.raw.wait_until(&promise).map_err(Error::from_js)
    }

    /// Resets the object (`ctx.abort`): in-memory state is dropped, every
    /// event in flight fails with `reason`, and the next request constructs
    /// the object anew. Storage is kept; writes not yet confirmed are dropped.
    ///
    /// The runtime stops the calling event on the spot (workerd terminates
    /// the running JavaScript, and the Wasm code under it, uncatchably): on
    /// workerd and Cloudflare nothing after this call runs, and the caller of
    /// the event gets an error with `reason`. The returned [`Error`] exists for
    /// a runtime that returns instead (it says the object was aborted, or is
    /// what the runtime threw): return it, so that the event fails in that
    /// case too.
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State, config_changed: bool) -> durable::Result<()> {
    /// if config_changed {
    ///     return Err(state.abort("configuration changed"));
    /// }
    /// # Ok(()) }
    /// ```
    #[must_use = "return the error: on a runtime where abort returns, the event should still fail"]
    pub fn abort(&self, reason: &str) -> Error {
        self.abort_impl(reason, None)
    }

    /// [`abort`](Self::abort) with options (`ctx.abort(reason, { retryAlarm })`).
    ///
    /// With `retry_alarm: false`, an abort from the `alarm` handler does
    /// not have the runtime retry the alarm: the alarm is over (and unset).
    /// A plain [`abort`](Self::abort) there counts as a failed run, and the
    /// runtime retries it as it retries any failing handler. Outside the
    /// alarm handler the option changes nothing.
    ///
    /// ```no_run
    /// use durable::prelude::*;
    /// use durable::AbortOptions;
    ///
    /// # async fn demo(state: State) -> Result<()> {
    /// // In `alarm`: give up for good, without another try.
    /// state.storage().put("gave-up", &true).await?;
    /// state.storage().sync().await?; // an abort drops unconfirmed writes
    /// Err(state.abort_with("nothing left to do", AbortOptions { retry_alarm: false }))
    /// # }
    /// ```
    #[must_use = "return the error: on a runtime where abort returns, the event should still fail"]
    pub fn abort_with(&self, reason: &str, options: AbortOptions) -> Error {
        self.abort_impl(reason, Some(options))
    }

    fn abort_impl(&self, reason: &str, options: Option<AbortOptions>) -> Error {
        // workerd ends the running code on the spot, Wasm frames included,
        // and leaves this instance mid-call: it is marked dead first, so that
        // nothing (a storage result arriving later) enters it again. The
        // runtime constructs the object afresh, in a new instance.
        crate::runtime::before_abort(reason);
        let outcome = match options {
            None => self.raw.abort(reason),
            Some(options) => {
                let object = js_sys::Object::new();
                // Setting a property on a fresh plain object cannot fail.
                let _ = js_sys::Reflect::set(&object, &"retryAlarm".into(), &options.retry_alarm.into());
                self.raw.abort_with(reason, &object)
            }
        };
        match outcome {
            Err(thrown) => Error::from_js(thrown),
            Ok(()) => Error::Js(format!("the object was aborted: {}", crate::error::excerpt(reason))),
        }
    }
}

impl State {
    /// Accepts a WebSocket with the hibernation API: the runtime holds the
    /// connection, the object may be evicted while it stays open, and messages
    /// arrive at the `web_socket_message` handler. `tags` (up to 10) let
    /// [`get_web_sockets`](Self::get_web_sockets) find it.
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) -> durable::Result<durable::Response> {
    /// let pair = durable::WebSocketPair::new()?;
    /// state.accept_web_socket(&pair.server, &["room:lobby", "user:ada"])?;
    /// Ok(durable::Response::from_websocket(pair.client)?)
    /// # }
    /// ```
    pub fn accept_web_socket(&self, ws: &crate::WebSocket, tags: &[&str]) -> Result<()> {
        let tags: js_sys::Array = tags.iter().map(|t| JsValue::from_str(t)).collect();
        Ok(self.raw.accept_web_socket(ws.as_ref(), &tags)?)
    }

    /// The open hibernatable WebSockets, all or those with `tag`.
    ///
    /// The runtime only throws here when it is called outside this object's
    /// events (a `State` kept somewhere global and used by another request):
    /// that is an `Err`.
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) -> durable::Result<()> {
    /// for ws in state.get_web_sockets(Some("room:lobby"))? {
    ///     ws.send_with_str("hello, lobby")?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_web_sockets(&self, tag: Option<&str>) -> Result<Vec<crate::WebSocket>> {
        let tag = tag.map_or(JsValue::UNDEFINED, JsValue::from_str);
        let sockets = self.raw.get_web_sockets(&tag).map_err(Error::from_js)?;
        Ok(sockets.iter().map(|ws| crate::WebSocket::from(ws.unchecked_into::<web_sys::WebSocket>())).collect())
    }

    /// The tags a hibernatable WebSocket was accepted with.
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State, ws: &durable::WebSocket) -> durable::Result<()> {
    /// let tags = state.get_tags(ws)?;
    /// # Ok(()) }
    /// ```
    pub fn get_tags(&self, ws: &crate::WebSocket) -> Result<Vec<String>> {
        Ok(self.raw.get_tags(ws.as_ref())?.iter().filter_map(|t| t.as_string()).collect())
    }

    /// Answers `request` with `response` on every hibernatable WebSocket
    /// without waking the object (a keep-alive ping, typically).
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) -> durable::Result<()> {
    /// state.set_web_socket_auto_response("ping", "pong")?;
    /// # Ok(()) }
    /// ```
    pub fn set_web_socket_auto_response(&self, request: &str, response: &str) -> Result<()> {
        let pair = sys::WebSocketRequestResponsePair::new(request, response)?;
        Ok(self.raw.set_web_socket_auto_response(&pair)?)
    }

    /// Removes the auto-response.
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) -> durable::Result<()> {
    /// state.clear_web_socket_auto_response()?;
    /// # Ok(()) }
    /// ```
    pub fn clear_web_socket_auto_response(&self) -> Result<()> {
        Ok(self.raw.set_web_socket_auto_response(&JsValue::UNDEFINED)?)
    }

    /// When the runtime last auto-responded on `ws`, if ever (`None` too for
    /// a socket not accepted with [`accept_web_socket`](Self::accept_web_socket));
    /// `Err` if the runtime throws.
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State, ws: &durable::WebSocket) -> durable::Result<()> {
    /// let last_ping = state.get_web_socket_auto_response_timestamp(ws)?;
    /// # Ok(()) }
    /// ```
    pub fn get_web_socket_auto_response_timestamp(&self, ws: &crate::WebSocket) -> Result<Option<SystemTime>> {
        let value = self.raw.get_web_socket_auto_response_timestamp(ws.as_ref()).map_err(Error::from_js)?;
        Ok(value.dyn_ref::<js_sys::Date>().map(|date| UNIX_EPOCH + Duration::from_millis(date.get_time().max(0.0) as u64)))
    }

    /// The auto-response set with
    /// [`set_web_socket_auto_response`](Self::set_web_socket_auto_response),
    /// as `(request, response)`; `None` when none is set
    /// (`ctx.getWebSocketAutoResponse`).
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) -> durable::Result<()> {
    /// if state.get_web_socket_auto_response()?.is_none() {
    ///     state.set_web_socket_auto_response("ping", "pong")?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_web_socket_auto_response(&self) -> Result<Option<(String, String)>> {
        let pair = self.raw.get_web_socket_auto_response().map_err(Error::from_js)?;
        if pair.is_null() || pair.is_undefined() {
            return Ok(None);
        }
        let pair: sys::WebSocketRequestResponsePair = pair.unchecked_into();
        Ok(Some((pair.request().map_err(Error::from_js)?, pair.response().map_err(Error::from_js)?)))
    }

    /// The limit set with
    /// [`set_hibernatable_web_socket_event_timeout`](Self::set_hibernatable_web_socket_event_timeout);
    /// `None` when there is none (`ctx.getHibernatableWebSocketEventTimeout`).
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) -> durable::Result<()> {
    /// let limit = state.get_hibernatable_web_socket_event_timeout()?;
    /// # Ok(()) }
    /// ```
    pub fn get_hibernatable_web_socket_event_timeout(&self) -> Result<Option<Duration>> {
        let ms = self.raw.get_hibernatable_web_socket_event_timeout().map_err(Error::from_js)?;
        Ok(ms.as_f64().map(|ms| Duration::from_millis(ms.max(0.0) as u64)))
    }

    /// How long a hibernatable WebSocket event handler may run (`None`: no limit).
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) -> durable::Result<()> {
    /// state.set_hibernatable_web_socket_event_timeout(Some(std::time::Duration::from_secs(5)))?;
    /// # Ok(()) }
    /// ```
    pub fn set_hibernatable_web_socket_event_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        let ms = timeout.map_or(JsValue::UNDEFINED, |t| JsValue::from_f64(t.as_millis() as f64));
        Ok(self.raw.set_hibernatable_web_socket_event_timeout(&ms)?)
    }
}

/// Read replication and version cohorts: Cloudflare's, not the local
/// runtime's. workerd 1.20261117 has no `ctx.configureReadReplication`, no
/// `ctx.primaryStub` and no `ctx.version` (its `replica_routing`
/// compatibility flag makes every stub fail with "workerd does not support
/// replica routing."): there these answer an `Err` and `None`.
impl State {
    /// Turns read replication of this object on ([`ReadReplicationMode::Auto`])
    /// or off (`ctx.configureReadReplication({ mode })`): with it on, the
    /// runtime may serve calls from read-only replicas near the callers,
    /// which forward writes to the primary (see
    /// [`primary_stub`](Self::primary_stub)).
    ///
    /// Where the runtime lacks the method (locally) this is an `Err` saying
    /// so; the runtime's own refusals (a replica calling it, a storage
    /// back-end without replication) are an `Err` with its message.
    ///
    /// ```no_run
    /// # async fn demo(state: durable::State) -> durable::Result<()> {
    /// state.configure_read_replication(durable::ReadReplicationMode::Auto).await?;
    /// # Ok(()) }
    /// ```
    pub async fn configure_read_replication(&self, mode: ReadReplicationMode) -> Result<()> {
        let found = js_sys::Reflect::get(self.raw.as_ref(), &JsValue::from_str("configureReadReplication")).map_err(Error::from_js)?;
        if !found.is_function() {
            return Err(Error::Js(
                "ctx.configureReadReplication() is not available on this runtime: read replication is Cloudflare's \
                 (the local runtime, workerd, has no replicas)"
                    .into(),
            ));
        }
        let options = js_sys::Object::new();
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&options, &"mode".into(), &mode.as_str().into());
        let promise = self.raw.configure_read_replication(&options).map_err(Error::from_js)?;
        crate::executor::wait(promise).await.map_err(Error::from_js)?;
        Ok(())
    }

    /// On a read replica, an untyped stub of the primary, to send it the
    /// writes (`ctx.primaryStub`); `None` on the primary itself, and
    /// wherever the runtime has no replication (locally: always `None`).
    /// [`primary`](Self::primary) gives a typed stub.
    ///
    /// ```no_run
    /// # async fn demo(state: durable::State) -> durable::Result<()> {
    /// if let Some(primary) = state.primary_stub()? {
    ///     let written: u64 = primary.call("record", vec![durable::rpc::to_js(&"event")?]).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn primary_stub(&self) -> Result<Option<crate::rpc::Stub>> {
        let raw = self.raw.primary_stub().map_err(Error::from_js)?;
        Ok((!raw.is_undefined() && !raw.is_null()).then(|| crate::rpc::Stub::from_raw(raw)))
    }

    /// [`primary_stub`](Self::primary_stub) as the typed stub of this
    /// object's class `T` (name the class itself: `self.state.primary::<Self>()`).
    ///
    /// ```no_run
    /// use durable::prelude::*;
    ///
    /// #[durable_object]
    /// pub struct Feed { state: State }
    ///
    /// #[durable_object]
    /// impl Feed {
    ///     pub fn new(state: State, _env: Env) -> Self { Self { state } }
    ///
    ///     pub async fn post(&self, text: String) -> Result<()> {
    ///         if let Some(primary) = self.state.primary::<Self>()? {
    ///             return Ok(primary.post(text).await?); // a replica forwards the write
    ///         }
    ///         self.state.storage().put("last", &text).await
    ///     }
    /// }
    /// ```
    pub fn primary<T: crate::rpc::Class>(&self) -> Result<Option<T::Stub>> {
        Ok(self.primary_stub()?.map(T::Stub::from))
    }

    /// The version of the code this instance runs, as the runtime tells it
    /// (`ctx.version`): its cohort, when the caller asked for one
    /// ([`GetOptions::cohort`](crate::rpc::GetOptions::cohort)) and the
    /// runtime routes by version. `None` where the runtime says nothing
    /// (locally: always).
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) -> durable::Result<()> {
    /// let cohort = state.version()?.and_then(|v| v.cohort).unwrap_or_else(|| "default".into());
    /// # Ok(()) }
    /// ```
    pub fn version(&self) -> Result<Option<ObjectVersion>> {
        let raw = self.raw.version().map_err(Error::from_js)?;
        if raw.is_undefined() || raw.is_null() {
            return Ok(None);
        }
        let cohort = js_sys::Reflect::get(&raw, &JsValue::from_str("cohort")).map_err(Error::from_js)?.as_string();
        Ok(Some(ObjectVersion { cohort }))
    }
}

/// Whether the runtime keeps read replicas of an object
/// ([`State::configure_read_replication`]).
///
/// ```
/// assert_eq!(durable::ReadReplicationMode::Auto.as_str(), "auto");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadReplicationMode {
    /// Replicas where the runtime sees fit (`"auto"`).
    Auto,
    /// No replicas (`"disabled"`).
    Disabled,
}

impl ReadReplicationMode {
    /// The runtime's word for the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            ReadReplicationMode::Auto => "auto",
            ReadReplicationMode::Disabled => "disabled",
        }
    }
}

/// The code version an object instance runs ([`State::version`],
/// `ctx.version`).
///
/// ```
/// let version = durable::ObjectVersion { cohort: Some("canary".into()) };
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectVersion {
    /// The version cohort (`cohort`), if the runtime names one.
    pub cohort: Option<String>,
}

/// Options of [`State::abort_with`] (`ctx.abort(reason, options)`).
///
/// ```
/// let options = durable::AbortOptions { retry_alarm: false };
/// assert!(durable::AbortOptions::default().retry_alarm);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortOptions {
    /// Whether the runtime retries an alarm whose handler aborted (its
    /// default, `true`, is what [`State::abort`] does).
    pub retry_alarm: bool,
}

impl Default for AbortOptions {
    fn default() -> Self {
        Self { retry_alarm: true }
    }
}

/// The id of a Durable Object. Displays as its 64-digit hex string.
///
/// ```no_run
/// # fn demo(state: &durable::State) {
/// let id = state.id();
/// let hex = id.to_string(); // 64 hexadecimal digits
/// let same = id == state.id(); // true
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

    /// The name the id was derived from, when the runtime knows it (`id.name`).
    ///
    /// Inside the object (`state.id().name()`) it is the name of the id the
    /// runtime started this instance with (workerd 1.20261117): the name
    /// when the object was reached by name (`get_by_name`, or `get` with an
    /// id from `id_from_name`); `None` when reached by a unique id, or by
    /// an id parsed with `id_from_string` (even the string of a named id).
    /// Later calls do not change it while the instance stays in memory: an
    /// object started through a parsed id has no name until it next starts,
    /// even for callers that use its name. Store the name yourself where it
    /// must always be known.
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) {
    /// let label = state.id().name().unwrap_or_else(|| state.id().to_string());
    /// # }
    /// ```
    pub fn name(&self) -> Option<String> {
        self.raw.name()
    }

    /// The jurisdiction the object is restricted to (`"eu"`, `"fedramp"`,
    /// ...), if any (`id.jurisdiction`). The local runtime (workerd) does
    /// not implement jurisdictions, so there it is always `None`.
    ///
    /// ```no_run
    /// # fn demo(state: &durable::State) {
    /// let in_eu = state.id().jurisdiction().as_deref() == Some("eu");
    /// # }
    /// ```
    pub fn jurisdiction(&self) -> Option<String> {
        self.raw.jurisdiction()
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
