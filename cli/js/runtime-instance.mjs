// One Wasm instance of the durable runtime (see runtime.mjs, and the protocol
// in the SDK's `boundary` module): the calls into it, and its death.

import { RustPanic, describe, isTrap, messageOf, oneLine, rejectFresh, stackless } from "./runtime-errors.mjs";

/**
 * What a call into Wasm returns when its work goes on: its result follows
 * through `hooks.settle`. Never a value a call could return (those are
 * converted from Rust values: none is this object).
 */
export const PENDING = Object.freeze({ durable: "pending" });

/**
 * What a call into Wasm returns when it failed at once: its error came
 * through `hooks.fail` just before. Never a value a call could return.
 */
export const FAILED = Object.freeze({ durable: "failed" });

/** How an instance can die: the log's word, and the start of the culprit's error. */
const PANIC = { log: "Rust panic", own: "Rust panic" };
const TRAP = { log: "Wasm trap (no Rust panic preceded it)", own: "Wasm trap" };
const FOREIGN = { log: "JavaScript exception unwound through Rust code", own: "JavaScript exception inside Rust code" };
const ABORT = { log: "ctx.abort()", own: null };

/** One call into an instance: inside Wasm, then (if it returned PENDING) waiting for its settle. */
class Call {
  constructor(id, what, outer) {
    this.id = id;
    /** What the log calls it (see `describe`). */
    this.what = what;
    /** The call this one was made under, while it is inside Wasm; null when none. */
    this.outer = outer;
    /** Set while the call waits. */
    this.resolve = null;
    this.reject = null;
    /** What a death failed it with while it was inside Wasm (its trap then unwinds). */
    this.failed = null;
    /** The `Err` it failed with at once (`hooks.fail`), before it returned FAILED. */
    this.error = undefined;
  }
}

/** One Wasm instance: its glue, the calls in flight in it, and its death. */
export class Instance {
  /** The object `instantiate` returned: the glue's exports, and `kill`. */
  glue;
  /** What every call fails with once the instance is dead; null while it lives. */
  #death = null;
  /** What code inside a call sees when a closure it invoked died (the culprit's error). */
  #thrown = null;
  #label;
  #nextCall = 1;
  /**
   * Calls that returned PENDING and wait for `hooks.settle`: id -> their
   * Call. A call still inside Wasm is on the `#entered` chain instead.
   */
  #calls = new Map();
  /**
   * The innermost call still inside Wasm (null when none is): a Call, whose
   * `outer` is the call it was made under (JavaScript that Rust code
   * called, calling into the instance again), and so on.
   */
  #entered = null;
  /**
   * Promises the runtime awaits on the instance's behalf (the callbacks of
   * blockConcurrencyWhile, transaction and waitUntil, a callback's result):
   * { call, reject }. A death must settle them too, or the runtime would wait
   * on them forever: a transaction's rejects (it rolls back); the others
   * resolve, as the object is rebuilt on its next event anyway, and the death
   * is logged already.
   */
  #watched = new Set();
  /** The last synchronous call (the constructor): { id, what }. */
  #syncCall = null;
  /** Standard (not hibernatable) WebSockets the Rust code accepted. */
  #sockets = new Set();
  /** Calls into the instance this runtime is inside of (JavaScript frames below Rust ones). */
  #inside = 0;

  /**
   * `instantiate` is the glue factory, `module` the compiled module;
   * `capability(instance, name, handle, methods)` wraps a capability.
   */
  constructor(instantiate, module, label, capability) {
    this.#label = label;
    this.glue = instantiate(module, {
      imports: (imports) => this.#wrapImports(imports),
      depth: () => this.#depth(),
      escaped: (error, depth) => this.#escaped(error, depth),
    });
    this.glue.__durable_init({
      panic: (call, message) => this.#die(call, PANIC, message),
      abort: (call, reason) => this.#die(call, ABORT, reason),
      track: (call, promise, resolveOnDeath) => this.#watch(call, promise, resolveOnDeath),
      pending: PENDING,
      failed: FAILED,
      fail: (call, error) => this.#fail(call, error),
      settle: (call, ok, value) => this.#settle(call, ok, value),
      wait: (promise, slot) => this.#follow(promise, slot),
      callback: (call, fn) => this.#callback(call, fn),
      released: (callback, what) => this.#released(callback, what),
    });
    this.glue.__durable_init_targets?.((name, handle, methods) => capability(this, name, handle, methods));
  }

  get dead() {
    return this.#death !== null;
  }

  /** What killed the instance (null while it lives). */
  get death() {
    return this.#death;
  }

  /**
   * Runs `start(glue, id)`, a call into Wasm, and settles with its outcome,
   * or with the death that ended the instance while the call was in
   * flight. The call returns its result (it finished without waiting),
   * FAILED (its `Err` came through `hooks.fail`), or PENDING, and then its
   * result comes through `hooks.settle`. Always a promise (see `invoke`). `what`
   * describes the call for the log (a string, or the Request of a fetch).
   * Never leaves a caller waiting on a dead instance.
   */
  call(what, start) {
    const outcome = this.invoke(what, this.glue, start, undefined);
    return outcome instanceof Promise ? outcome : Promise.resolve(outcome);
  }

  /**
   * A call into Wasm, as call `id`: `object[method](arg, id)`, or
   * `method(object, id)` when `method` is a function. Its outcome as the
   * call has it: the value of a call that finished without waiting, itself
   * (so a synchronous RPC method answers as a JavaScript one does, with no
   * promise); else a promise, which settles with the result that comes
   * through `hooks.settle`, or with the death that ended the instance
   * meanwhile; a rejected promise for a call that failed or a dead
   * instance. `what` describes the call for the log (a string, or the
   * Request of a fetch). Never leaves a caller waiting on a dead instance.
   *
   * No per-call bookkeeping beyond one record: a call is on the `#entered`
   * chain while it is inside Wasm (where a death finds it), and goes into
   * the map of calls in flight only if it returns PENDING.
   */
  invoke(what, object, method, arg) {
    if (this.#death !== null) return Promise.reject(this.#death);
    const id = this.#takeId();
    const entry = new Call(id, what, this.#entered);
    this.#entered = entry;
    this.#inside++;
    let value;
    try {
      value = typeof method === "string" ? object[method](arg, id) : method(object, id);
    } catch (error) {
      this.#inside--;
      // Judged while the call is still on the chain: a death names it.
      const failure = entry.failed ?? this.#escapedCall(error, id);
      this.#entered = entry.outer;
      // An `Err` Rust returned: its stack lists only the glue's frames.
      return Promise.reject(stackless(failure));
    }
    this.#inside--;
    if (value === FAILED) {
      // The `Err` the call returned (through `hooks.fail`), as if thrown.
      const failure = entry.failed ?? this.#escapedCall(entry.error, id);
      this.#entered = entry.outer;
      return Promise.reject(stackless(failure));
    }
    this.#entered = entry.outer;
    // The instance died under the call (in a call nested in it) and the
    // call's Rust code returned anyway: it fails, as its trap would have.
    if (entry.failed !== null) return Promise.reject(entry.failed);
    if (value === PENDING) {
      // (A call of an instance that died under it has nothing to wait for.)
      if (this.#death !== null) return Promise.reject(this.#death);
      this.#calls.set(id, entry);
      return new Promise((resolve, reject) => {
        entry.resolve = resolve;
        entry.reject = reject;
      });
    }
    if (value instanceof Promise) {
      // A handler outside the SDK's executor (the worker's own `#[event]`s).
      this.#calls.set(id, entry);
      return new Promise((resolve, reject) => {
        entry.resolve = resolve;
        entry.reject = reject;
        value.then(
          (result) => this.#settle(id, true, result),
          (error) => this.#settle(id, false, error),
        );
      });
    }
    return value;
  }

  /** Runs a synchronous call into Wasm (a constructor), translating a death. */
  callSync(what, start) {
    const id = this.#takeId();
    this.#syncCall = { id, what };
    const entry = new Call(id, what, this.#entered);
    this.#entered = entry;
    this.#inside++;
    let value;
    try {
      value = start(this.glue, id);
    } catch (error) {
      this.#inside--;
      const failure = entry.failed ?? this.#escapedCall(error, id);
      this.#entered = entry.outer;
      throw failure;
    }
    this.#inside--;
    this.#entered = entry.outer;
    return value;
  }

  /** The call `id`, waiting for its settle or still inside Wasm; undefined if neither. */
  #find(id) {
    const waiting = this.#calls.get(id);
    if (waiting !== undefined) return waiting;
    for (let entry = this.#entered; entry !== null; entry = entry.outer) if (entry.id === id) return entry;
    return undefined;
  }

  /** The `Err` of call `id`, still inside Wasm: it returns FAILED next. */
  #fail(id, error) {
    const entry = this.#entered;
    if (entry !== null && entry.id === id) entry.error = error;
  }

  /** The outcome of call `id`, which returned PENDING. */
  #settle(id, ok, value) {
    const entry = this.#calls.get(id);
    if (entry === undefined || entry.resolve === null) return; // failed already (the instance died)
    this.#calls.delete(id);
    if (ok) {
      entry.resolve(value);
      return;
    }
    const failure = this.#failure(value, id);
    // An `Err` Rust returned after the call waited was made inside Wasm (this
    // runs under `__durable_resume`): the runtime would log its Wasm frames
    // with the failed event, so the call rejects with a fresh copy instead.
    if (failure instanceof RustPanic || !(failure instanceof Error)) entry.reject(stackless(failure));
    else entry.resolve(rejectFresh(failure));
  }

  /**
   * Follows a promise the Rust code awaits and resumes it in Wasm when the
   * promise settles (`__durable_resume`): one callback, no wasm-bindgen
   * closures and no extra microtask per await.
   */
  #follow(promise, slot) {
    promise.then(
      (value) => this.#resume(slot, true, value),
      (error) => this.#resume(slot, false, error),
    );
  }

  #resume(slot, ok, value) {
    if (this.#death !== null) return;
    this.#inside++;
    try {
      this.glue.__durable_resume(slot, ok, value);
      this.#inside--;
    } catch (error) {
      this.#inside--;
      // A death has failed the calls already; anything else that escapes
      // here escaped Rust code (resume returns nothing to throw): a death.
      if (this.#death === null) this.#dieOf(error, this.#currentCall());
    }
  }

  #takeId() {
    const id = this.#nextCall;
    this.#nextCall = id >= 0xffffffff ? 1 : id + 1;
    return id;
  }

  /** The executor's depth (`__durable_depth`): 0 when no Rust code of the instance runs. */
  #depth() {
    return this.#death === null && typeof this.glue?.__durable_depth === "function" ? this.glue.__durable_depth() : 0;
  }

  #currentCall() {
    try {
      return this.glue.__durable_current_call();
    } catch {
      return 0; // unknown: reported as work outside any call
    }
  }

  /** What a call that rejected with `error` (or whose watched promise did) fails with. */
  #failure(error, id) {
    if (this.dead) return this.#death;
    if (isTrap(error)) return this.#dieOf(error, id);
    return error;
  }

  /**
   * What a call fails with when `error` escaped it, thrown out of Wasm: the
   * death that failed it; a death if the error is a trap, or an exception
   * that unwound through Rust code (the executor's depth is still raised
   * once the outermost call has unwound); else the error itself (the `Err`
   * Rust returned, thrown by the glue, or handed to `hooks.fail`).
   */
  #escapedCall(error, id) {
    if (this.dead) return this.#death;
    if (isTrap(error) || (this.#inside === 0 && this.#depth() > 0)) return this.#dieOf(error, id);
    return error;
  }

  /** Kills the instance for `error`, a trap or a foreign exception; returns what call `id` fails with. */
  #dieOf(error, id) {
    return this.#die(id, isTrap(error) ? TRAP : FOREIGN, messageOf(error));
  }

  /**
   * Something unwound out of a closure of this instance (the factory's patch
   * calls this with the executor's depth read before the closure ran).
   * Returns what the closure throws, or undefined for it to return nothing.
   */
  #escaped(error, depthBefore) {
    if (this.#death === null) {
      if (isTrap(error)) this.#die(this.#currentCall(), TRAP, messageOf(error));
      else if (this.#depth() > depthBefore) this.#die(this.#currentCall(), FOREIGN, messageOf(error));
      // The closure's own `Err`, thrown by the glue after Rust returned.
      else return error;
    }
    // Dead. Code running inside a call into this instance (a host API such
    // as transactionSync, or a callback's caller) sees the failure; a
    // closure the runtime ran on its own (a microtask, an event) returns:
    // the death is logged once already.
    return this.#inside > 0 ? this.#thrown : undefined;
  }

  /**
   * The function handed out for a Rust callback made during call `call`:
   * an invocation is a call into the instance, and a dead instance's
   * callback rejects with why.
   */
  #callback(call, fn) {
    const instance = this;
    const callback = function (...args) {
      if (instance.#death !== null) return Promise.reject(instance.#death);
      const dropped = instance.#dropped.get(callback);
      if (dropped !== undefined) return Promise.reject(instance.#droppedError(dropped));
      instance.#inside++;
      try {
        // The closure's `Err` is an Error made inside Wasm: the callee's
        // runtime would log its Wasm frames with the failed call (as for an
        // RPC method's, see #settle), so the caller gets a fresh copy.
        return Promise.resolve(fn.apply(this, args)).catch((error) =>
          error instanceof RustPanic || !(error instanceof Error) ? Promise.reject(error) : rejectFresh(error),
        );
      } catch (error) {
        // The closure's patch has recognised a death already (it threw the
        // culprit's error, as this wrapper counts as a call); a trap from
        // glue outside the closure is one too.
        if (instance.#death === null && isTrap(error)) instance.#dieOf(error, call);
        return Promise.reject(instance.#death === null ? error : instance.#thrown);
      } finally {
        instance.#inside--;
      }
    };
    return callback;
  }

  /**
   * Rust callbacks whose closure was dropped (the last clone of the
   * `Callback` went): handed-out function -> { what, logged }.
   */
  #dropped = new WeakMap();

  /** The Rust closure behind `callback` was dropped; `what` names it. */
  #released(callback, what) {
    this.#dropped.set(callback, { what: String(what), logged: false });
  }

  /**
   * What a call of a dropped callback fails with: which callback, and the
   * rule its owner broke. The owner, who can fix it, gets the line in its
   * log too (once: the callee may go on calling).
   */
  #droppedError(dropped) {
    const message =
      `${dropped.what} was called after its owner (${this.#label}) dropped it: a Rust callback lives only as long as ` +
      `a clone of its Callback does, and the typed stub's method drops the one it is given when the call returns; ` +
      `keep a clone of the Callback (in a field of the object, say) while the callee may call it`;
    if (!dropped.logged) {
      dropped.logged = true;
      console.error(`${this.#label}: ${message}`);
    }
    return stackless(new Error(message));
  }

  #watch(call, promise, resolveOnDeath) {
    return new Promise((resolve, reject) => {
      const watcher = { call, reject: resolveOnDeath ? () => resolve() : reject };
      this.#watched.add(watcher);
      promise.then(
        (value) => {
          this.#watched.delete(watcher);
          resolve(value);
        },
        (error) => {
          this.#watched.delete(watcher);
          reject(this.#failure(error, call));
        },
      );
    });
  }

  /** Records the standard WebSockets the Rust code accepts, to close them if it dies. */
  #wrapImports(imports) {
    const sockets = this.#sockets;
    for (const table of Object.values(imports)) {
      if (table === null || typeof table !== "object") continue;
      for (const name of Object.keys(table)) {
        if (!/^__wbg_accept_[0-9a-f]+$/.test(name)) continue;
        const accept = table[name];
        table[name] = function (...args) {
          const result = accept.apply(this, args);
          const ws = args[0];
          if (typeof WebSocket === "function" && ws instanceof WebSocket && !sockets.has(ws)) {
            sockets.add(ws);
            ws.addEventListener("close", () => sockets.delete(ws));
          }
          return result;
        };
      }
    }
    return imports;
  }

  /**
   * The instance died (or is about to: the panic hook runs just before the
   * trap). Fails everything that waits on it and logs why, once. Returns
   * the error the call `call` fails with.
   */
  #die(call, kind, reason) {
    if (this.dead) return this.#death;
    const message = oneLine(reason);
    this.glue.kill();
    // Work the constructor started may panic after it returned (its
    // blockConcurrencyWhile load): it is still named after the constructor.
    const culprit = this.#find(call) ?? (call === this.#syncCall?.id ? this.#syncCall : undefined);
    const where = culprit ? describe(culprit.what) : "work outside any call";
    const aborted = kind === ABORT;
    // An abort is the object's own decision: worth a line, not an error.
    (aborted ? console.log : console.error)(`${this.#label}: ${kind.log} in ${where}: ${message}`);
    const own = aborted ? null : new RustPanic(`${kind.own}: ${message}`);
    const other = new RustPanic(
      aborted
        ? `${this.#label} was reset by ctx.abort() in another call (${where}): ${message}`
        : `${this.#label} was reset: ${kind.own.toLowerCase()} in another call (${where}): ${message}`,
    );
    this.#death = other;
    this.#thrown = own ?? other;
    const calls = [...this.#calls.values()];
    const watched = [...this.#watched];
    this.#calls.clear();
    this.#watched.clear();
    // The call that aborted is ended by the runtime itself, with the reason.
    // A call still inside Wasm (no promise yet) fails as its trap unwinds.
    for (let entry = this.#entered; entry !== null; entry = entry.outer) {
      if (entry.id !== call || own) entry.failed = entry.id === call ? own : other;
    }
    for (const entry of calls) {
      if (entry.id !== call || own) entry.reject(entry.id === call ? own : other);
    }
    for (const watcher of watched) if (watcher.call !== call || own) watcher.reject(watcher.call === call ? own : other);
    for (const ws of this.#sockets) {
      try {
        ws.close(1011, aborted ? "the Durable Object was reset" : "the Durable Object was reset after a panic");
      } catch {
        // already closing
      }
    }
    this.#sockets.clear();
    return own ?? other;
  }
}
