//! The Wasm⇄JavaScript boundary: how control enters and leaves an object's
//! Wasm instance, and what happens when it dies.
//!
//! Four Rust files here, and their JavaScript counterparts:
//! - [`runtime`] (public as `durable::runtime`): the instance adapter the
//!   generated classes call (`Instance`), call ids, the panic hook and the
//!   exports `__durable_init`, `__durable_resume`, `__durable_current_call`,
//!   `__durable_depth`;
//! - `executor`: the instance's single-threaded executor;
//! - `hooks`: the object the JavaScript runtime hands each instance;
//! - `sys`: raw imports of the runtime's `ctx` and `ctx.storage`;
//! - JavaScript (`cli/js/`, copied beside the generated entry by `durable
//!   build`): `runtime-instance.mjs` (one instance: calls, death),
//!   `runtime-host.mjs` (the `Runtime`, the `Host` of one object and its
//!   rebuild gate), `runtime-capabilities.mjs`, `runtime-errors.mjs`, and
//!   the glue factory `durable build` writes (`cli/src/factory.rs`).
//!
//! # The protocol
//! Every Durable Object has its own Wasm instance of the one compiled module
//! (the glue is rewritten into a factory: `instantiate(module, boundary)`).
//!
//! **Start.** The runtime instantiates, then calls `__durable_init(hooks)`:
//! the hooks are `panic`, `abort`, `track`, `pending`, `failed`, `fail`,
//! `settle`, `wait`, `callback` and `released`; `init` installs the panic
//! hook.
//!
//! **Calls in.** Every event the runtime delivers (constructor, `fetch`,
//! RPC method, alarm, WebSocket event, capability method) is a *call* with
//! an id, passed as the last argument. Rust polls the call's future at once,
//! recording the id while it is polled (`Tracked`, `CURRENT_CALL`), inside
//! an *entry* of the executor (`ACTIVE` counts entries on the stack). A call
//! that finishes returns its value; one that fails at once hands its `Err`
//! to `hooks.fail(id, error)` and returns the `failed` marker (the glue
//! methods return a plain `JsValue`, `runtime::answer`: no exception and no
//! slot of the externref table per call); one that waits returns the
//! `pending` marker, and its outcome comes later through
//! `hooks.settle(id, ok, value)`. The runtime answers a call that finished
//! with its value itself, as a synchronous JavaScript method does (no
//! promise), and keeps no record of it once it has returned: a call is on a
//! chain of calls inside Wasm while it runs (where a death finds it), and
//! in the runtime's map of calls in flight only while it waits.
//!
//! **Waiting.** A promise Rust awaits through the executor (storage, RPC) is
//! handed to `hooks.wait(promise, slot)`; the runtime follows it and calls
//! `__durable_resume(slot, ok, value)` when it settles, an entry that polls
//! the task waiting on it and whatever that woke. Other wakers queue the
//! task and one microtask (the glue's `queueMicrotask`, a `then` on a settled
//! promise: `durable build`'s factory) runs the queue.
//!
//! **Watched promises.** A promise the runtime awaits on the object's behalf
//! (the callbacks of `blockConcurrencyWhile`, `transaction`, `waitUntil`, a
//! Rust callback's result) goes through `hooks.track(call, promise, ..)`:
//! the runtime settles it even if the instance dies first (a rejection, so
//! a transaction rolls back; or `undefined` where the object's reset is the
//! answer already).
//!
//! **Closures.** Rust closures the host invokes (promise callbacks, event
//! listeners, `transactionSync`'s callback, a `Callback` a callee calls) run
//! in wasm-bindgen's closure wrappers, which the factory patches: before the
//! closure runs, its wrapper reads `__durable_depth`; whatever unwinds out of
//! it goes to the runtime's `escaped(error, depth)`, which says what the
//! invoker sees (below). A Rust `Callback` is handed out through
//! `hooks.callback`, whose wrapper counts as a call into the instance.
//! When the last clone of the `Callback` drops, `hooks.released(wrapper,
//! what)` says so (`what`: where it was passed, recorded as a typed stub
//! converted the argument): a later call of the wrapper enters nothing and
//! rejects naming the callback and the rule (keep a clone while the callee
//! may call it), and the owner's instance logs that once.
//!
//! **Errors.** An `Err` a call returns at once comes through `hooks.fail`;
//! the runtime rejects the call with it, its stack dropped (a glue that
//! throws its `Err` instead, as a constructor's does, is handled alike). An `Err` that comes
//! later (through `settle`), or that a Rust callback resolves to, was made
//! under `__durable_resume`: even stackless, the runtime would log its Wasm
//! frames with the failed event, so the call rejects with a fresh copy (its
//! message and standard type) made by a job with no frame on the stack.
//!
//! # Death
//! - **A panic**: the panic hook reports `(call id, message)` through
//!   `hooks.panic`, then Rust aborts: a trap (`unreachable`) unwinds out of
//!   Wasm. The runtime has marked the instance dead (`kill()`) before the
//!   trap unwinds.
//! - **A trap** no panic announced (stack overflow, out of memory,
//!   `unreachable`): recognised as it unwinds (`WebAssembly.RuntimeError`,
//!   or V8's stack-overflow `RangeError`); the call it is attributed to is
//!   `__durable_current_call`.
//! - **A foreign exception**: a JavaScript exception thrown by an import
//!   without `catch` unwinds through Rust frames without running their
//!   destructors (for instance a `String` longer than V8 allows, made into
//!   a JavaScript string). Recognised by the depth: after an `Err` Rust has
//!   returned and `ACTIVE` is back where it was; after a foreign exception
//!   it is not. The Rust state may be inconsistent (borrows held, `ACTIVE`
//!   raised), so it is a death too, never a wedge.
//! - **`ctx.abort()`**: `hooks.abort` marks the instance dead first.
//!
//! Each death, once: the message is logged (one line: a panic's "panicked
//! at FILE:LINE:COL:" and its payload are joined); every call of the
//! instance in flight fails (the culprit with the message, the others with
//! "was reset ... in another call"), with errors that carry no stack, so
//! that what the runtime logs of a failed event is the message alone (a
//! WebSocket event ends quietly instead: it has nothing else to fail, and
//! an alarm rejects with a new `Error` of the message, made where no Wasm
//! frame is on the stack); every watched promise settles;
//! standard WebSockets it accepted close with 1011. And no Rust code of the
//! instance runs again, and no host API gets a normal return from it:
//! - a closure running when the instance died, invoked from inside a call
//!   into the instance (`transactionSync`'s callback), throws: the host API
//!   fails (`transactionSync` rolls back) and `handleError`, through which
//!   `catch` imports return exceptions into Rust, rethrows once the
//!   instance is dead, so the exception unwinds through the dead Rust frames
//!   to the call's entry, which fails with the death's message;
//! - a closure the runtime ran on its own (a microtask, an event listener)
//!   returns nothing: the death is logged once already, and a rethrow would
//!   only log it again as "Uncaught";
//! - a closure of a dead instance invoked later returns without entering
//!   Wasm; a `Callback` of a dead instance rejects with the death's message;
//! - a capability of a dead instance fails its calls, and disposing it
//!   frees nothing (the memory is gone with the instance).
//!
//! # The rebuild gate
//! The next event to a dead object builds a fresh instance and runs the
//! constructor again (storage is untouched; memory starts over, as after an
//! eviction). The runtime holds events back while the constructor's
//! `blockConcurrencyWhile` work runs only on a first load, so the host
//! collects that work into a gate: every event waits for it, then goes to
//! the instance the work ran in. If that instance died meanwhile (a
//! constructor that panics each time), the event fails with why instead of
//! rebuilding in a loop.

pub mod runtime;

pub(crate) mod executor;
pub(crate) mod hooks;
pub(crate) mod sys;
