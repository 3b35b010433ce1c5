//! The JavaScript runtime's side of one Wasm instance, as Rust sees it: the
//! hooks object `cli/js/runtime.mjs` hands each instance at `__durable_init`
//! (where a panic is reported, how a call that waits is settled, how a
//! promise is followed). The runtime adapter and the executor both use it;
//! it uses neither.

use std::cell::OnceCell;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[doc(hidden)]
    /// What the JavaScript runtime gives each instance of the module at
    /// `__durable_init`: where to report a panic, how to watch promises the
    /// runtime awaits on an object's behalf, how to settle a call that
    /// waits, and how to follow a promise Rust awaits.
    #[derive(Clone)]
    pub type Hooks;

    /// Reports the panic of call `call` (0: outside any call), just before
    /// the trap. `message` carries the Rust message and its location.
    #[wasm_bindgen(method)]
    fn panic(this: &Hooks, call: u32, message: &str);

    /// Marks the instance dead before `ctx.abort(reason)` ends the call `call`.
    #[wasm_bindgen(method)]
    fn abort(this: &Hooks, call: u32, reason: &str);

    /// Wraps `promise` so that the runtime settles it even if the instance
    /// dies before it does: with a rejection, or, if `resolve_on_death`,
    /// with `undefined`.
    #[wasm_bindgen(method)]
    fn track(this: &Hooks, call: u32, promise: &Promise, resolve_on_death: bool) -> Promise;

    /// What a call into the instance returns when its work goes on after the
    /// call: the runtime waits for `settle`.
    #[wasm_bindgen(method, getter)]
    fn pending(this: &Hooks) -> JsValue;

    /// What a call into the instance returns when it failed at once: its
    /// error went to `fail` just before.
    #[wasm_bindgen(method, getter)]
    fn failed(this: &Hooks) -> JsValue;

    /// The error of the call `call`, which returns `failed` next.
    #[wasm_bindgen(method)]
    fn fail(this: &Hooks, call: u32, error: JsValue);

    /// Ends the call `call` that returned `pending`, with its result (`ok`)
    /// or its error.
    #[wasm_bindgen(method)]
    fn settle(this: &Hooks, call: u32, ok: bool, value: JsValue);

    /// The function to hand out for a Rust callback `function` made during
    /// call `call`: it throws (rejects) instead of returning once the
    /// instance is dead, and its invocation counts as a call into the
    /// instance, so a panic inside it fails it with the panic's message.
    #[wasm_bindgen(method)]
    fn callback(this: &Hooks, call: u32, function: &js_sys::Function) -> js_sys::Function;

    /// Says that the Rust closure behind `callback` (a function `callback`
    /// returned) was dropped: `what` names it. A later call of the function
    /// rejects with why, and the instance logs it once. `catch`: a runtime
    /// without the hook makes this a no-op, never a thrown exception.
    #[wasm_bindgen(method, catch)]
    fn released(this: &Hooks, callback: &js_sys::Function, what: &str) -> Result<(), JsValue>;

    /// Follows `promise` and calls `__durable_resume(slot, ..)` when it settles.
    #[wasm_bindgen(method)]
    fn wait(this: &Hooks, promise: &Promise, slot: u32);
}

thread_local! {
    /// This instance's hooks (each Wasm instance has its own memory, so its
    /// own copy of this).
    static HOOKS: OnceCell<Hooks> = const { OnceCell::new() };
    /// `hooks.pending`, read once.
    static PENDING: OnceCell<JsValue> = const { OnceCell::new() };
    /// `hooks.failed`, read once (`None` from a runtime without it).
    static FAILED: OnceCell<Option<JsValue>> = const { OnceCell::new() };
}

/// Keeps this instance's hooks (the first ones given).
pub(crate) fn install(hooks: Hooks) {
    PENDING.with(|slot| {
        let _ = slot.set(hooks.pending());
    });
    FAILED.with(|slot| {
        let failed = hooks.failed();
        let _ = slot.set((!failed.is_undefined()).then_some(failed));
    });
    HOOKS.with(|slot| {
        let _ = slot.set(hooks);
    });
}

/// `hooks.pending`: what a call that goes on after returning returns; `None`
/// outside the durable runtime.
pub(crate) fn pending() -> Option<JsValue> {
    PENDING.with(|p| p.get().cloned())
}

/// What call `call` returns when it failed at once with `error`: the
/// runtime's `failed` marker, the error handed to `hooks.fail` first; else
/// (outside the durable runtime, or a runtime without the hook) a promise
/// rejected with it, which the runtime follows as any promise a call returns.
pub(crate) fn fail(call: u32, error: JsValue) -> JsValue {
    let failed = FAILED.with(|f| f.get().cloned().flatten());
    let hooks = HOOKS.with(|hooks| hooks.get().cloned());
    match (failed, hooks) {
        (Some(failed), Some(hooks)) => {
            hooks.fail(call, error);
            failed
        }
        _ => Promise::reject(&error).into(),
    }
}

/// Reports the panic of call `call`, just before the trap.
pub(crate) fn panic(call: u32, message: &str) {
    HOOKS.with(|hooks| {
        if let Some(hooks) = hooks.get() {
            hooks.panic(call, message);
        }
    });
}

/// Marks the instance dead before `ctx.abort(reason)` ends call `call`.
pub(crate) fn abort(call: u32, reason: &str) {
    HOOKS.with(|hooks| {
        if let Some(hooks) = hooks.get() {
            hooks.abort(call, reason);
        }
    });
}

/// `promise`, settled by the runtime even if the instance dies first
/// (rejected, or resolved with `undefined` if `resolve_on_death`); itself
/// outside the durable runtime.
pub(crate) fn track(call: u32, promise: &Promise, resolve_on_death: bool) -> Promise {
    HOOKS.with(|hooks| match hooks.get() {
        Some(hooks) => hooks.track(call, promise, resolve_on_death),
        None => promise.clone(),
    })
}

/// Reports the outcome of a call that returned `pending`.
pub(crate) fn settle(call: u32, result: Result<JsValue, JsValue>) {
    HOOKS.with(|hooks| {
        if let Some(hooks) = hooks.get() {
            match result {
                Ok(value) => hooks.settle(call, true, value),
                Err(error) => hooks.settle(call, false, error),
            }
        }
    });
}

/// Asks the runtime to follow `promise` for the executor's slot `slot`;
/// `false` without hooks.
pub(crate) fn follow(promise: &Promise, slot: u32) -> bool {
    HOOKS.with(|hooks| match hooks.get() {
        Some(hooks) => {
            hooks.wait(promise, slot);
            true
        }
        None => false,
    })
}


/// The function to hand out for the Rust callback `function` made during
/// call `call` (see `Hooks::callback`); `function` itself outside the
/// durable runtime.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn callback(call: u32, function: &js_sys::Function) -> js_sys::Function {
    HOOKS.with(|hooks| match hooks.get() {
        Some(hooks) => hooks.callback(call, function),
        None => function.clone(),
    })
}

/// Tells the runtime that the Rust closure behind `callback` (handed out by
/// [`callback`]) is gone; `what` names it for the error its callers get.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn released(callback: &js_sys::Function, what: &str) {
    HOOKS.with(|hooks| {
        if let Some(hooks) = hooks.get() {
            let _ = hooks.released(callback, what);
        }
    });
}
