//! Cloudflare Durable Objects written in Rust.
//!
//! Put `#[durable_object]` on a struct and on its impl block, and the build
//! (`durable-build`) turns it into a JavaScript class that `extends DurableObject`
//! from `cloudflare:workers`, backed by your Rust code compiled to Wasm.
//!
//! ```no_run
//! use std::cell::Cell;
//! use durable::prelude::*;
//!
//! #[durable_object]
//! pub struct Visits {
//!     state: State,
//!     served: Cell<u64>, // in memory: lives while the object is loaded
//! }
//!
//! #[durable_object]
//! impl Visits {
//!     pub fn new(state: State, _env: Env) -> Self {
//!         Self { state, served: Cell::new(0) }
//!     }
//!
//!     pub async fn fetch(&self, _req: Request) -> Result<Response> {
//!         let total: u64 = self.state.storage().get("total").await?.unwrap_or(0) + 1;
//!         self.state.storage().put("total", &total).await?;
//!         self.served.set(self.served.get() + 1);
//!         Ok(Response::ok(format!("{total} visits, {} since load", self.served.get()))?)
//!     }
//! }
//! ```
//!
//! # The guide
//! [`_guide`] walks through everything, one topic per chapter (a first
//! object, storage and SQL, alarms, WebSockets, RPC, capabilities, testing,
//! errors, configuration), and [`_cookbook`] has whole small applications.
//!
//! # How the pieces fit
//! - [`DurableObject`] and the handler traits ([`Fetch`]) are what an object
//!   implements; the macro writes those impls from your inherent methods.
//! - [`runtime::Instance`] adapts an object to the calls the JavaScript class
//!   makes into Wasm (it owns the object behind an `Rc`, converts values, turns
//!   errors into responses).
//! - [`State`] and [`Storage`] are typed views of the runtime's `ctx` and
//!   `ctx.storage`.
//!
//! # Concurrency
//! A Durable Object is single-threaded, but not one-request-at-a-time: while one
//! request awaits I/O (storage, fetch), the runtime may deliver another. Handlers
//! therefore take `&self`, and in-memory state lives in `Cell` / `RefCell`. Never
//! hold a `RefCell` borrow across an `.await`: copy the value out, await, then
//! write it back.
#![deny(missing_docs)]

// The guide and the cookbook: documentation only, compiled by rustdoc (docs
// and doc tests) and absent from every other build.
#[cfg(any(doc, doctest))]
pub mod _cookbook;
#[cfg(any(doc, doctest))]
pub mod _guide;
mod boundary;
mod convert;
mod error;
mod object;
pub mod rpc;
pub use boundary::runtime;
pub mod schedule;
mod storage;
pub use storage::sql;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;
pub mod ws;

// The boundary's parts under the names the rest of the crate uses.
use boundary::{executor, hooks, sys};

pub use durable_macros::{durable_object, execute, migrations, query, query_as, rpc_target, test, typescript, TypeScript};
pub use error::{Error, Result};
pub use object::{Alarm, AlarmInfo, DurableObject, Fetch, HibernateInfo, HibernateReason, OnHibernate, WebSocketClose, WebSocketError, WebSocketMessage};
pub use object::state::{AbortOptions, ObjectId, ObjectVersion, ReadReplicationMode, State};
pub use storage::{ListOptions, ReadOptions, Snapshot, SnapshotOptions, Storage, SyncKv, Transaction, WriteOptions};

/// The `worker` crate, re-exported so that user code and generated code agree on
/// one version of `Request`, `Response` and `Env`.
pub use worker;
pub use worker::{Env, Request, Response, WebSocket, WebSocketPair};

/// Everything a typical object needs: `use durable::prelude::*;`.
pub mod prelude {
    pub use crate::rpc::{Namespace, RpcError};
    pub use crate::{durable_object, AlarmInfo, DurableObject, Env, Error, Request, Response, Result, State, Storage};
}

/// Re-exports for the code `#[durable_object]` generates. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use js_sys;
    pub use serde;
    pub use wasm_bindgen;
    pub use web_sys;

    /// The conversion's two routes, forced (tests that they agree).
    pub use crate::convert::routes as convert_routes;

    /// Compiles only for Durable Object classes; the struct macro names it so
    /// that a missing impl block is reported where the class is declared.
    pub fn assert_durable_object<T: crate::DurableObject>() {}

    /// The bytes of a build-metadata record, as an array a `static` in a
    /// custom section can hold.
    pub const fn record_bytes<const N: usize>(record: &str) -> [u8; N] {
        let bytes = record.as_bytes();
        let mut out = [0u8; N];
        let mut i = 0;
        while i < N {
            out[i] = bytes[i];
            i += 1;
        }
        out
    }
}
