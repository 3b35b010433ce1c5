//! The traits an object implements: how it is constructed and which runtime
//! events it handles. `#[durable_object]` writes these impls from the
//! inherent methods of the impl block.

pub(crate) mod state;

use crate::{Env, Request, Response, Result, State};

/// A Durable Object class: how to construct one.
///
/// `#[durable_object]` on an impl block implements this from the block's
/// `fn new(state: State, env: Env) -> Self`. The constructor is synchronous, as
/// in JavaScript; start asynchronous initialisation with
/// [`State::block_concurrency_while`].
///
/// ```no_run
/// use durable::prelude::*;
///
/// #[durable_object]
/// pub struct Empty { state: State }
///
/// #[durable_object]
/// impl Empty {
///     pub fn new(state: State, _env: Env) -> Self { Self { state } }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no Durable Object constructor",
    label = "this class needs `#[durable_object]` on its impl block",
    note = "write `#[durable_object] impl {Self} {{ pub fn new(state: State, env: Env) -> Self {{ .. }} }}`"
)]
pub trait DurableObject: Sized + 'static {
    /// Builds the object when the runtime loads it (first request after start or
    /// eviction).
    fn new(state: State, env: Env) -> Self;
}

/// The `fetch` handler: HTTP requests sent with `stub.fetch(request)`.
///
/// Implemented by `#[durable_object]` from an inherent
/// `async fn fetch(&self, req: Request) -> Result<Response>`. An `Err` answers
/// `500` with the error's text.
///
/// ```no_run
/// use durable::prelude::*;
///
/// #[durable_object]
/// pub struct Hello { state: State }
///
/// #[durable_object]
/// impl Hello {
///     pub fn new(state: State, _env: Env) -> Self { Self { state } }
///
///     pub async fn fetch(&self, req: Request) -> Result<Response> {
///         Ok(Response::ok(format!("hello from {}", req.path()))?)
///     }
/// }
/// ```
#[allow(async_fn_in_trait)] // Wasm is single-threaded: handler futures are never `Send`.
pub trait Fetch: DurableObject {
    /// Answers one request.
    async fn fetch(&self, request: Request) -> Result<Response>;
}

/// What the runtime says about an alarm that fired.
///
/// ```
/// let info = durable::AlarmInfo::default();
/// assert!(!info.is_retry);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AlarmInfo {
    /// How many times this alarm has been retried (0 on the first attempt).
    pub retry_count: u32,
    /// Whether this is a retry after a failed attempt.
    pub is_retry: bool,
}

/// The `alarm` handler: the alarm set with
/// [`Storage::set_alarm`](crate::Storage::set_alarm) fired.
///
/// Implemented by `#[durable_object]` from an inherent
/// `async fn alarm(&self, info: AlarmInfo) -> Result<()>`. An `Err` (or a panic)
/// makes the runtime retry the alarm, with exponential backoff, up to six times.
///
/// ```no_run
/// use durable::prelude::*;
///
/// #[durable_object]
/// pub struct Reminder { state: State }
///
/// #[durable_object]
/// impl Reminder {
///     pub fn new(state: State, _env: Env) -> Self { Self { state } }
///
///     pub async fn alarm(&self, info: AlarmInfo) -> Result<()> {
///         self.state.storage().put("fired", &info.retry_count).await
///     }
/// }
/// ```
#[allow(async_fn_in_trait)] // Wasm is single-threaded: handler futures are never `Send`.
pub trait Alarm: DurableObject {
    /// Handles one firing of the alarm.
    async fn alarm(&self, info: AlarmInfo) -> Result<()>;
}

/// The `webSocketMessage` handler: a message arrived on a WebSocket accepted
/// with [`State::accept_web_socket`](crate::State::accept_web_socket) (the
/// hibernation API). Runs even if the object was evicted meanwhile: it is
/// rebuilt first.
///
/// ```no_run
/// use durable::prelude::*;
///
/// #[durable_object]
/// pub struct Room { state: State }
///
/// #[durable_object]
/// impl Room {
///     pub fn new(state: State, _env: Env) -> Self { Self { state } }
///
///     pub async fn web_socket_message(&self, ws: durable::WebSocket, message: durable::ws::Message) -> Result<()> {
///         if let Some(text) = message.as_text() {
///             for peer in self.state.get_web_sockets(None)? {
///                 peer.send_with_str(text)?;
///             }
///         }
///         Ok(())
///     }
/// }
/// ```
#[allow(async_fn_in_trait)]
pub trait WebSocketMessage: DurableObject {
    /// Handles one message.
    async fn web_socket_message(&self, ws: crate::WebSocket, message: crate::ws::Message) -> Result<()>;
}

/// The `webSocketClose` handler: a hibernatable WebSocket was closed by its
/// peer.
///
/// ```no_run
/// use durable::prelude::*;
///
/// #[durable_object]
/// pub struct Room { state: State }
///
/// #[durable_object]
/// impl Room {
///     pub fn new(state: State, _env: Env) -> Self { Self { state } }
///
///     pub async fn web_socket_close(&self, ws: durable::WebSocket, code: u16, reason: String, _clean: bool) -> Result<()> {
///         ws.close(Some(code), Some(reason))?;
///         Ok(())
///     }
/// }
/// ```
#[allow(async_fn_in_trait)]
pub trait WebSocketClose: DurableObject {
    /// Handles the close.
    async fn web_socket_close(&self, ws: crate::WebSocket, code: u16, reason: String, was_clean: bool) -> Result<()>;
}

/// The `webSocketError` handler: a hibernatable WebSocket failed.
///
/// ```no_run
/// use durable::prelude::*;
///
/// #[durable_object]
/// pub struct Room { state: State }
///
/// #[durable_object]
/// impl Room {
///     pub fn new(state: State, _env: Env) -> Self { Self { state } }
///
///     pub async fn web_socket_error(&self, _ws: durable::WebSocket, error: Error) -> Result<()> {
///         self.state.storage().put("last-error", &error.to_string()).await
///     }
/// }
/// ```
#[allow(async_fn_in_trait)]
pub trait WebSocketError: DurableObject {
    /// Handles the error.
    async fn web_socket_error(&self, ws: crate::WebSocket, error: crate::Error) -> Result<()>;
}

/// Why the runtime is about to hibernate an object
/// ([`HibernateInfo::reason`]). The runtime may add reasons: an unknown one
/// arrives as [`Other`](Self::Other) with its text.
///
/// ```
/// use durable::HibernateReason;
/// assert_eq!(HibernateReason::from("codeUpdated"), HibernateReason::CodeUpdated);
/// assert_eq!(HibernateReason::from("maintenance"), HibernateReason::Other("maintenance".into()));
/// assert_eq!(HibernateReason::Inactive.as_str(), "inactive");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HibernateReason {
    /// The object had no event to run for a while (`"inactive"`): the
    /// usual reason, and the one the local runtime gives.
    Inactive,
    /// A new version of the code is being deployed (`"codeUpdated"`).
    CodeUpdated,
    /// The runtime needs the object's resources (`"system"`).
    System,
    /// A reason this SDK does not know yet, as the runtime wrote it.
    Other(String),
}

impl HibernateReason {
    /// The runtime's word for the reason.
    pub fn as_str(&self) -> &str {
        match self {
            HibernateReason::Inactive => "inactive",
            HibernateReason::CodeUpdated => "codeUpdated",
            HibernateReason::System => "system",
            HibernateReason::Other(reason) => reason,
        }
    }
}

impl From<&str> for HibernateReason {
    fn from(reason: &str) -> Self {
        match reason {
            "inactive" => HibernateReason::Inactive,
            "codeUpdated" => HibernateReason::CodeUpdated,
            "system" => HibernateReason::System,
            other => HibernateReason::Other(other.to_owned()),
        }
    }
}

impl std::fmt::Display for HibernateReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the runtime says about an object it is about to hibernate
/// (JavaScript's `DurableObjectHibernationInfo`), given to
/// [`OnHibernate::on_hibernate`]. It carries the reason only: the runtime
/// does not pass the handler its time limit (see [`OnHibernate`]).
///
/// ```
/// let info = durable::HibernateInfo::from_reason("inactive");
/// assert_eq!(info.reason, durable::HibernateReason::Inactive);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HibernateInfo {
    /// Why the object hibernates.
    pub reason: HibernateReason,
}

impl HibernateInfo {
    /// The info for the runtime's `reason` string.
    pub fn from_reason(reason: &str) -> Self {
        Self { reason: HibernateReason::from(reason) }
    }
}

/// The `onHibernate` handler: a best-effort hook the runtime runs just
/// before it hibernates the object (drops it from memory while its
/// hibernatable WebSockets stay open), to save what is only in memory.
///
/// Implemented by `#[durable_object]` from an inherent
/// `async fn on_hibernate(&self, info: HibernateInfo) -> Result<()>`; the
/// generated class defines the method under the runtime's
/// `onHibernate` symbol (from `cloudflare:durable-objects`).
///
/// - **Experimental.** The runtime has the hook only under the
///   `experimental` compatibility flag (workerd 1.20261117 and later);
///   without it the symbol is `undefined`, the class defines no hook, and
///   this handler never runs (the class loads and works as before).
/// - **Best effort.** Nothing guarantees it runs: an object evicted for
///   another cause (a crash, a restart, `ctx.abort`) gets no call.
/// - **Time-limited.** The runtime stops waiting for it after a limit it
///   does not tell the handler; locally (workerd 1.20261117 under `wrangler
///   dev`) about 10 seconds, then it logs "onHibernate handler exceeded its
///   allowed execution time". Events for the object (a WebSocket message)
///   wait until the handler is done or its time is up.
/// - An `Err` is logged by the runtime ("Uncaught (in onHibernate)"); the
///   object hibernates anyway.
///
/// ```no_run
/// use std::cell::Cell;
/// use durable::prelude::*;
/// use durable::HibernateInfo;
///
/// #[durable_object]
/// pub struct Room { state: State, unsaved: Cell<u32> }
///
/// #[durable_object]
/// impl Room {
///     pub fn new(state: State, _env: Env) -> Self { Self { state, unsaved: Cell::new(0) } }
///
///     pub async fn on_hibernate(&self, info: HibernateInfo) -> Result<()> {
///         // Save what lives only in memory; `info.reason` says why.
///         self.state.storage().put("unsaved", &self.unsaved.get()).await?;
///         self.state.storage().put("last-hibernation", &info.reason.as_str()).await
///     }
/// }
/// ```
#[allow(async_fn_in_trait)]
pub trait OnHibernate: DurableObject {
    /// Runs before the object hibernates.
    async fn on_hibernate(&self, info: HibernateInfo) -> Result<()>;
}
