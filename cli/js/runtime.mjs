// The JavaScript half of the durable SDK's runtime, copied next to the
// generated entry module by `durable build`.
//
// Each generated Durable Object class (which `extends DurableObject`) keeps a
// Host in a private field. The Host owns the object's own Wasm instance
// (`glue.js` is an instance factory: one compiled module, one instance per
// object), builds the Rust object in it, forwards runtime events into it and
// turns failures into errors. Nothing of wasm-bindgen (free, __wbg_*) is
// reachable from the class, so nothing of it is callable over RPC.
//
// Panics. Rust on wasm32-unknown-unknown aborts on panic: the instance traps
// and its memory can no longer be trusted. Because every object has its own
// instance, a trap costs exactly one object its in-memory state:
//  1. every call into an instance gets an id; the Rust side records the id of
//     the call it is polling, and its panic hook reports (id, message) to the
//     instance's hooks just before the trap (a trap no panic announced, such
//     as a stack overflow, is recognised when it unwinds out of Wasm);
//  2. the instance is killed: its calls in flight are failed (the one that
//     panicked with its own message), promises the runtime awaits on its
//     behalf are settled, standard WebSockets it accepted are closed with
//     1011, and the panic is logged once;
//  3. the next event to the object builds a fresh instance and runs the
//     constructor again, and is held back until the constructor's
//     `blockConcurrencyWhile` work has finished, exactly as on a first load.
//     Storage is untouched; memory starts over, as after an eviction.
// Other objects, their requests and their sockets never notice.
//
// The worker's own handlers (`#[event(fetch)]`) share one instance per
// isolate, as a JavaScript module's top-level state is shared; a panic there
// fails the worker-level requests in flight in that instance, and the next
// request gets a fresh one. Durable Objects are not affected.

import { RpcTarget } from "cloudflare:workers";

/**
 * A Rust panic (or a Wasm trap), as seen by JavaScript callers. Its `name`
 * stays "Error": JS RPC carries the standard error types only, and would
 * otherwise prefix the message with the class name.
 */
export class RustPanic extends Error {
  constructor(message) {
    super(message);
    // Created inside the panic hook, its stack would list Wasm frames the
    // runtime's log prints as `[object Object]`; the message has the location.
    this.stack = `Error: ${message}`;
  }
}

/**
 * What a call into Wasm returns when its work goes on: its result follows
 * through `hooks.settle`. Never a value a call could return (those are
 * converted from Rust values: none is this object).
 */
const PENDING = Object.freeze({ durable: "pending" });

/** The environment variable that puts error details into HTTP answers. */
const DETAILS_VAR = "DURABLE_ERROR_DETAILS";

export class Runtime {
  #instantiate;
  #module;
  #worker = null;

  /** `instantiate` is glue.js's factory; `wasmModule` the compiled module. */
  constructor(instantiate, wasmModule) {
    this.#instantiate = instantiate;
    this.#module = wasmModule;
  }

  /** A fresh Wasm instance, its glue and its call bookkeeping. */
  instance(label) {
    return new Instance(this.#instantiate, this.#module, label);
  }

  /** A Host for one object of the class whose glue export is `exportName`. */
  host(exportName, className, ctx, env) {
    return new Host(this, exportName, className, ctx, env);
  }

  /** The worker's default export: forwards each handler the Wasm exports. */
  entrypoint(handlers) {
    const entry = {};
    for (const name of handlers) {
      const forward = (...args) => this.#workerInstance().call(name, (glue) => glue[name](...args));
      entry[name] = name === "fetch" ? (request, env, ctx) => forward(request, env, ctx).catch((e) => errorResponse(e, env, "worker fetch")) : forward;
    }
    return entry;
  }

  #workerInstance() {
    if (this.#worker === null || this.#worker.dead) this.#worker = this.instance("worker");
    return this.#worker;
  }
}

/** One Wasm instance: its glue, the calls in flight in it, and its death. */
class Instance {
  /** The object `instantiate` returned: the glue's exports, and `kill`. */
  glue;
  /** What every call fails with once the instance is dead; null while it lives. */
  #death = null;
  #label;
  #nextCall = 1;
  /** Calls in flight: id -> { what, reject }. */
  #calls = new Map();
  /**
   * Promises the runtime awaits on the instance's behalf (the callbacks of
   * blockConcurrencyWhile, transaction and waitUntil): { call, reject }. A
   * panic must settle them too, or the runtime would wait on them forever: a
   * transaction's rejects (it rolls back); the others resolve, as the object
   * is rebuilt on its next event anyway, and the panic is logged already.
   */
  #watched = new Set();
  /** The last synchronous call (the constructor): { id, what }. */
  #syncCall = null;
  /** Standard (not hibernatable) WebSockets the Rust code accepted. */
  #sockets = new Set();

  constructor(instantiate, module, label) {
    this.#label = label;
    this.glue = instantiate(
      module,
      (imports) => this.#wrapImports(imports),
      (error) => this.#onTrap(error),
    );
    this.glue.__durable_init({
      panic: (call, message) => this.#die(call, "Rust panic", message),
      abort: (call, reason) => this.#die(call, "ctx.abort()", reason),
      track: (call, promise, resolveOnDeath) => this.#watch(call, promise, resolveOnDeath),
      pending: PENDING,
      settle: (call, ok, value) => this.#settle(call, ok, value),
      wait: (promise, slot) => this.#follow(promise, slot),
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
   * or with the panic that killed the instance while the call was in
   * flight. The call returns its result (it finished without waiting), or
   * PENDING, and then its result comes through `hooks.settle`. `what`
   * describes the call for the log (a string, or the Request of a fetch).
   * Never leaves a caller waiting on a dead instance.
   */
  call(what, start) {
    if (this.#death !== null) return Promise.reject(this.#death);
    const id = this.#takeId();
    // `failed`: set by #die if the instance dies while the call is still
    // inside Wasm (its trap then unwinds to the catch below).
    const entry = { what, resolve: null, reject: null, failed: null };
    this.#calls.set(id, entry);
    let value;
    try {
      value = start(this.glue, id);
    } catch (error) {
      this.#calls.delete(id);
      return Promise.reject(entry.failed ?? this.#failure(error, id));
    }
    if (value === PENDING) {
      return new Promise((resolve, reject) => {
        entry.resolve = resolve;
        entry.reject = reject;
      });
    }
    if (value instanceof Promise) {
      // A handler outside the SDK's executor (the worker's own `#[event]`s).
      return new Promise((resolve, reject) => {
        entry.resolve = resolve;
        entry.reject = reject;
        value.then(
          (result) => this.#settle(id, true, result),
          (error) => this.#settle(id, false, error),
        );
      });
    }
    this.#calls.delete(id);
    return Promise.resolve(value);
  }

  /** The outcome of call `id`, which returned PENDING. */
  #settle(id, ok, value) {
    const entry = this.#calls.get(id);
    if (entry === undefined || entry.resolve === null) return; // failed already (the instance died)
    this.#calls.delete(id);
    if (ok) entry.resolve(value);
    else entry.reject(this.#failure(value, id));
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
    try {
      this.glue.__durable_resume(slot, ok, value);
    } catch (error) {
      // A panic has killed the instance (and failed its calls) before it
      // trapped; a trap no panic announced is recognised here.
      if (this.#death === null && !this.#onTrap(error)) throw error;
    }
  }

  /** Runs a synchronous call into Wasm (a constructor), translating a panic. */
  callSync(what, start) {
    const id = this.#takeId();
    this.#syncCall = { id, what };
    let failed = null;
    this.#calls.set(id, { what, resolve: null, reject: (error) => (failed = error), failed: null });
    try {
      return start(this.glue, id);
    } catch (error) {
      throw failed ?? this.#failure(error, id);
    } finally {
      this.#calls.delete(id);
    }
  }

  #takeId() {
    const id = this.#nextCall;
    this.#nextCall = id >= 0xffffffff ? 1 : id + 1;
    return id;
  }

  /** What a call that threw or rejected with `error` fails with. */
  #failure(error, id) {
    // Dead: the call was failed when the instance died (this is its trap unwinding).
    if (this.dead) return this.#death;
    // A trap no panic announced: a Wasm stack overflow, running out of
    // memory, an `unreachable` reached without a panic.
    if (isTrap(error)) return this.#die(id, "Wasm trap (no Rust panic preceded it)", error.message);
    return error;
  }

  /**
   * Something unwound out of a closure of this instance (a future polled in
   * a microtask). A trap there is this instance's death: the call being
   * polled is still recorded on the Rust side.
   */
  #onTrap(error) {
    if (!isTrap(error)) return false;
    let call = 0;
    try {
      call = this.glue.__durable_current_call();
    } catch {
      // unknown: reported as work outside any call
    }
    this.#die(call, "Wasm trap (no Rust panic preceded it)", error.message);
    return true;
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
   * The instance trapped (or is about to: the panic hook runs just before
   * the trap). Fails everything that waits on it and logs why, once.
   * Returns the error the call `call` fails with.
   */
  #die(call, kind, message) {
    if (this.dead) return this.#death;
    this.glue.kill();
    // Work the constructor started may panic after it returned (its
    // blockConcurrencyWhile load): it is still named after the constructor.
    const culprit = this.#calls.get(call) ?? (call === this.#syncCall?.id ? this.#syncCall : undefined);
    const where = culprit ? describe(culprit.what) : "work outside any call";
    const aborted = kind === "ctx.abort()";
    // An abort is the object's own decision: worth a line, not an error.
    (aborted ? console.log : console.error)(`${this.#label}: ${kind} in ${where}: ${message}`);
    const own = aborted ? null : new RustPanic(`${kind === "Rust panic" ? "Rust panic" : "Wasm trap"}: ${message}`);
    const other = new RustPanic(
      aborted
        ? `${this.#label} was reset by ctx.abort() in another call (${where}): ${message}`
        : `${this.#label} was reset: ${kind.toLowerCase()} in another call (${where}): ${message}`,
    );
    this.#death = other;
    const calls = [...this.#calls];
    const watched = [...this.#watched];
    this.#calls.clear();
    this.#watched.clear();
    // The call that aborted is ended by the runtime itself, with the reason.
    for (const [id, entry] of calls) {
      if (id === call && !own) continue;
      const failure = id === call ? own : other;
      // A call still inside Wasm (no promise yet) fails as its trap unwinds.
      if (entry.reject === null) entry.failed = failure;
      else entry.reject(failure);
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

/** A Wasm trap, as it unwinds out of Wasm: V8 reports a stack overflow as a RangeError. */
function isTrap(error) {
  return error instanceof WebAssembly.RuntimeError || (error instanceof RangeError && /call stack/i.test(error.message));
}

function describe(what) {
  if (typeof Request === "function" && what instanceof Request) {
    let path = what.url;
    try {
      const url = new URL(what.url);
      path = url.pathname;
    } catch {
      // keep the raw URL
    }
    return `fetch ${what.method} ${path}`;
  }
  const glue = String(what);
  return glue.startsWith("__rpc_") ? `RPC ${glue.slice("__rpc_".length)}` : glue;
}

class Host {
  #runtime;
  #export;
  #className;
  #ctx;
  #env;
  #instance = null;
  #object = null;
  /** Settles when the constructor's blockConcurrencyWhile work has finished; null when none is pending. */
  #gate = null;

  constructor(runtime, exportName, className, ctx, env) {
    this.#runtime = runtime;
    this.#export = exportName;
    this.#className = className;
    this.#ctx = ctx;
    this.#env = env;
    this.#build();
  }

  /**
   * Builds the object in a fresh instance. The runtime holds events back
   * while the constructor's blockConcurrencyWhile work runs only on a first
   * load; after a rebuild, the event that caused it must wait as well, so
   * the work the constructor starts is collected into the gate.
   */
  #build() {
    const instance = this.#runtime.instance(`Durable Object ${this.#className}`);
    this.#instance = instance;
    this.#object = null;
    const ctx = this.#ctx;
    const pending = [];
    const block = ctx.blockConcurrencyWhile;
    Object.defineProperty(ctx, "blockConcurrencyWhile", {
      configurable: true,
      value(callback) {
        const done = block.call(ctx, callback);
        pending.push(done);
        return done;
      },
    });
    try {
      this.#object = instance.callSync("constructor", (glue, id) => new glue[this.#export](ctx, this.#env, id));
    } finally {
      delete ctx.blockConcurrencyWhile;
    }
    if (pending.length > 0) {
      const gate = Promise.all(pending).then(
        () => {
          if (this.#gate === gate) this.#gate = null;
        },
        (error) => {
          if (this.#gate === gate) this.#gate = null;
          throw error;
        },
      );
      gate.catch(() => {}); // the runtime reports a failed blockConcurrencyWhile itself
      this.#gate = gate;
    }
  }

  /** Delivers one event to the live object, rebuilding it first if it died. */
  #run(what, start) {
    if (this.#instance.dead) {
      try {
        this.#build();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const instance = this.#instance;
    const deliver = () => instance.call(what, (_, id) => start(this.#object, id));
    // The event waits for the constructor's work, then goes to the instance
    // that work ran in: if it died meanwhile, the event fails with why (a
    // constructor that panics every time must not rebuild in a loop).
    return this.#gate === null ? deliver() : this.#gate.then(deliver);
  }

  fetch(request) {
    return this.#run(request, (object, id) => object.fetch(request, id)).catch((error) =>
      errorResponse(error, this.#env, `Durable Object ${this.#className}`, request),
    );
  }

  /** The alarm fired; a rejection makes the runtime retry it. */
  alarm(info) {
    return this.#run("alarm", (object, id) => object.alarm(info, id));
  }

  /** Hibernatable WebSocket events. */
  webSocketMessage(ws, message) {
    return this.#run("webSocketMessage", (object, id) => object.web_socket_message(ws, message, id));
  }

  webSocketClose(ws, code, reason, wasClean) {
    return this.#run("webSocketClose", (object, id) => object.web_socket_close(ws, code, reason, wasClean, id));
  }

  webSocketError(ws, error) {
    return this.#run("webSocketError", (object, id) => object.web_socket_error(ws, error, id));
  }

  /** A JS RPC call: `glue` is the method on the Wasm-side class. */
  rpc(glue, args) {
    return this.#run(glue, (object, id) => object[glue](args, id));
  }
}

/**
 * The 500 answer to a fetch that failed. Its body is a generic text unless
 * the environment sets DURABLE_ERROR_DETAILS to "true" (`.dev.vars`, or
 * `wrangler dev --var DURABLE_ERROR_DETAILS:true`): the details of a failure
 * are for the developer's log, not for whoever sent the request. A panic has
 * been logged when it happened; an `Err` is logged here.
 */
function errorResponse(error, env, label, request) {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof RustPanic)) {
    console.error(`${label}: ${request ? describe(request) : "fetch"} failed: ${message}`);
  }
  const details = env !== null && typeof env === "object" && [true, "true", "1"].includes(env[DETAILS_VAR]);
  return new Response(details ? message : "Internal Server Error", {
    status: 500,
    headers: { "content-type": "text/plain;charset=UTF-8" },
  });
}

// Capabilities: Rust values handed out over RPC (`Capability<T>` of a
// `#[durable::rpc_target]` type). Each is a Wasm-side handle wrapped in an
// RpcTarget of a class per Rust type, whose methods call into the instance
// that made it through `Instance.call` (tracked as every call, so a panic in
// a capability's method kills only that instance). Disposal (the caller's
// `using`, `[Symbol.dispose]()`, or the end of its request) frees the handle,
// which drops the Rust value. The handle is kept in a WeakMap: nothing of
// wasm-bindgen is reachable over RPC.

/** wrapper -> { instance, name, handle (null once disposed) } */
const capabilities = new WeakMap();
/** Rust type name -> RpcTarget class. */
const capabilityClasses = new Map();

function capability(instance, name, handle, methods) {
  let Class = capabilityClasses.get(name);
  if (Class === undefined) {
    Class = capabilityClass(name, methods);
    capabilityClasses.set(name, Class);
  }
  const target = new Class();
  capabilities.set(target, { instance, name, handle });
  return target;
}

function capabilityClass(name, methods) {
  const Class = { [name]: class extends RpcTarget {} }[name];
  for (const [js, glue] of methods) {
    Object.defineProperty(Class.prototype, js, {
      value(...args) {
        return callCapability(this, js, glue, args);
      },
    });
  }
  Object.defineProperty(Class.prototype, Symbol.dispose, {
    value() {
      const state = capabilities.get(this);
      if (state === undefined || state.handle === null) return;
      const handle = state.handle;
      state.handle = null;
      // A dead instance's memory is gone with it.
      if (!state.instance.dead) handle.free();
    },
  });
  return Class;
}

function callCapability(target, js, glue, args) {
  const state = capabilities.get(target);
  if (state === undefined) return Promise.reject(new TypeError(`${js}() called on something that is not a capability`));
  const { instance, name, handle } = state;
  if (handle === null) return Promise.reject(new Error(`the capability ${name} was disposed: ${js}() cannot be called on it`));
  if (instance.dead) return Promise.reject(capabilityGone(name, js, instance));
  return instance.call(`capability ${name}.${js}`, (_, id) => handle[glue](args, id)).catch((error) => {
    // Another call killed the instance while this one was in flight.
    throw error === instance.death ? capabilityGone(name, js, instance) : error;
  });
}

function capabilityGone(name, js, instance) {
  return new Error(
    `the capability ${name} is gone: the Durable Object instance that handed it out was reset, so ${js}() cannot run (${instance.death.message})`,
  );
}
