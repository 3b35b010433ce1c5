// The JavaScript half of the durable SDK's runtime, copied next to the
// generated entry module by `durable build`.
//
// It owns the Wasm instance. Each generated Durable Object class (which
// `extends DurableObject`) keeps a Host in a private field: the Host builds the
// Rust object, forwards runtime events into Wasm and turns failures into
// errors. Nothing of wasm-bindgen (free, __wbg_*) is reachable from the class,
// so nothing of it is callable over RPC.
//
// Panics. Rust on wasm32-unknown-unknown aborts on panic: the Wasm instance
// traps and its memory can no longer be trusted. Every call into Wasm gets an
// id; the Rust side records the id of the call it is running, and its panic
// hook reports (id, message) here just before the trap. Then:
//  1. the panicking call is failed with the message at once, while its own
//     request is still running (a request is only told about a settled
//     promise if that happens in its own turn, and the trap ends this turn);
//  2. the module is marked poisoned: nothing may run in the old instance;
//  3. at the next moment JavaScript runs outside the trap (the next call into
//     Wasm, or any other request's pending callback into the old instance,
//     which the patched wasm-bindgen glue routes to `stale` below), the module
//     is instantiated afresh and every other call that was in flight is
//     failed, each in a turn of a live request;
//  4. each Host rebuilds its Rust object from its constructor on its next
//     event. Storage is untouched; memory starts over, as after an eviction.

const PANIC_HOOK = Symbol.for("durable.panic");
const POISONED = Symbol.for("durable.poisoned");
const STALE_HOOK = Symbol.for("durable.stale");
const TRACK_HOOK = Symbol.for("durable.track");

/**
 * A Rust panic, as seen by JavaScript callers. Its `name` stays "Error": JS
 * RPC carries the standard error types only, and would otherwise prefix the
 * message with the class name.
 */
export class RustPanic extends Error {
  constructor(message) {
    super(`Rust panic: ${message}`);
  }
}

export class Runtime {
  #glue;
  #generation = 0;
  #nextCall = 1;
  /** Calls in flight: id -> reject. */
  #inflight = new Map();
  /** The message of the panic that poisoned the module, or null. */
  #panic = null;
  /**
   * Promises the runtime awaits on an object's behalf (blockConcurrencyWhile,
   * transaction and waitUntil callbacks): { call, reject }. A panic must settle
   * them too, or the runtime would wait on them forever.
   */
  #watched = new Set();

  constructor(glue, wasmModule) {
    this.#glue = glue;
    glue.initSync({ module: wasmModule });
    glue.__durable_init();
    globalThis[POISONED] = false;
    globalThis[PANIC_HOOK] = (call, message) => this.#onPanic(call, message);
    globalThis[STALE_HOOK] = () => {
      this.#recover();
      return true;
    };
    globalThis[TRACK_HOOK] = (call, promise) => this.#watch(call, promise);
  }

  /** Increases each time the module is instantiated afresh after a panic. */
  get generation() {
    return this.#generation;
  }

  /** A Host for one object of the class exported from Wasm as `Glue`. */
  host(Glue, ctx, env) {
    return new Host(this, Glue, ctx, env);
  }

  /** The worker's default export: forwards each handler the Wasm exports. */
  entrypoint(handlers) {
    const entry = {};
    for (const name of handlers) {
      const forward = (...args) => this.call(() => this.#glue[name](...args));
      entry[name] = name === "fetch" ? (...args) => forward(...args).catch(errorResponse) : forward;
    }
    return entry;
  }

  /**
   * Runs `start(id)`, a call into Wasm that returns a value or a promise, and
   * settles with its outcome, or with a panic that trapped the module while
   * the call was in flight. A caller is never left waiting on a dead instance.
   */
  call(start) {
    this.#recover();
    const id = this.#takeId();
    const settled = new Promise((resolve, reject) => {
      this.#inflight.set(id, reject);
      let value;
      try {
        value = start(id);
      } catch (error) {
        reject(this.#translate(error));
        return;
      }
      Promise.resolve(value).then(resolve, (error) => reject(this.#translate(error)));
    });
    return settled.finally(() => this.#inflight.delete(id));
  }

  /** Runs a synchronous call into Wasm (a constructor), translating a panic. */
  callSync(start) {
    this.#recover();
    const id = this.#takeId();
    try {
      return start(id);
    } catch (error) {
      throw this.#translate(error);
    }
  }

  #watch(call, promise) {
    return new Promise((resolve, reject) => {
      const watcher = { call, reject };
      this.#watched.add(watcher);
      promise.then(
        (value) => {
          this.#watched.delete(watcher);
          resolve(value);
        },
        (error) => {
          this.#watched.delete(watcher);
          reject(this.#translate(error));
        },
      );
    });
  }

  #takeId() {
    const id = this.#nextCall;
    this.#nextCall = id >= 0xffffffff ? 1 : id + 1;
    return id;
  }

  #onPanic(call, message) {
    // Inside Wasm, just before the trap: settle the panicking call now, and
    // defer everything that would touch the instance.
    this.#panic = message;
    globalThis[POISONED] = true;
    for (const watcher of [...this.#watched]) {
      if (watcher.call === call) {
        this.#watched.delete(watcher);
        watcher.reject(new RustPanic(message));
      }
    }
    const reject = this.#inflight.get(call);
    if (reject) {
      this.#inflight.delete(call);
      reject(new RustPanic(message));
    } else if (call === 0) {
      // Code outside any tracked call (a worker-level handler): which request
      // it served is unknown, so every call in flight is failed now.
      const failed = [...this.#inflight.values()];
      this.#inflight.clear();
      for (const fail of failed) fail(new RustPanic(message));
    }
  }

  #translate(error) {
    if (this.#panic !== null) {
      const panic = new RustPanic(this.#panic);
      this.#recover();
      return panic;
    }
    if (error instanceof WebAssembly.RuntimeError) {
      // A trap that no panic announced (stack overflow, out of memory).
      this.#panic = error.message;
      this.#recover();
      return new RustPanic(error.message);
    }
    return error;
  }

  #recover() {
    if (this.#panic === null) return;
    const panic = new RustPanic(`${this.#panic} (in another call; the module was reset)`);
    this.#panic = null;
    this.#generation += 1;
    this.#glue.__wbg_reset_state();
    this.#glue.__durable_init();
    globalThis[POISONED] = false;
    const failed = [...this.#inflight.values(), ...[...this.#watched].map((w) => w.reject)];
    this.#inflight.clear();
    this.#watched.clear();
    for (const reject of failed) reject(panic);
  }
}

class Host {
  #runtime;
  #Glue;
  #ctx;
  #env;
  #object = null;
  #generation = -1;

  constructor(runtime, Glue, ctx, env) {
    this.#runtime = runtime;
    this.#Glue = Glue;
    this.#ctx = ctx;
    this.#env = env;
    this.#current();
  }

  /** The Rust object, rebuilt if the module was instantiated afresh. */
  #current() {
    if (this.#generation !== this.#runtime.generation) {
      this.#object = this.#runtime.callSync((id) => new this.#Glue(this.#ctx, this.#env, id));
      this.#generation = this.#runtime.generation;
    }
    return this.#object;
  }

  fetch(request) {
    return this.#runtime.call((id) => this.#current().fetch(request, id)).catch(errorResponse);
  }

  /** The alarm fired; a rejection makes the runtime retry it. */
  alarm(info) {
    return this.#runtime.call((id) => this.#current().alarm(info, id));
  }

  /** Hibernatable WebSocket events. */
  webSocketMessage(ws, message) {
    return this.#runtime.call((id) => this.#current().web_socket_message(ws, message, id));
  }

  webSocketClose(ws, code, reason, wasClean) {
    return this.#runtime.call((id) => this.#current().web_socket_close(ws, code, reason, wasClean, id));
  }

  webSocketError(ws, error) {
    return this.#runtime.call((id) => this.#current().web_socket_error(ws, error, id));
  }

  /** A JS RPC call: `glue` is the method on the Wasm-side class. */
  rpc(glue, args) {
    return this.#runtime.call((id) => this.#current()[glue](args, id));
  }
}

function errorResponse(error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(error);
  return new Response(message, { status: 500, headers: { "content-type": "text/plain;charset=UTF-8" } });
}
