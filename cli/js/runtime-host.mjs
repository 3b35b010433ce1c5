// The Runtime (one per worker: its instances) and the Host of one Durable
// Object (its instance, its rebuild, and the gate that holds events back
// while the constructor's work runs). See runtime.mjs.

import { RustPanic, errorResponse, rejectFresh } from "./runtime-errors.mjs";
import { Instance } from "./runtime-instance.mjs";

export class Runtime {
  #instantiate;
  #module;
  #capability;
  #worker = null;

  /**
   * `instantiate` is glue.js's factory; `wasmModule` the compiled module;
   * `capability` wraps capabilities (see runtime-capabilities.mjs).
   */
  constructor(instantiate, wasmModule, capability) {
    this.#instantiate = instantiate;
    this.#module = wasmModule;
    this.#capability = capability;
  }

  /** A fresh Wasm instance, its glue and its call bookkeeping. */
  instance(label) {
    return new Instance(this.#instantiate, this.#module, label, this.#capability);
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

export class Host {
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

  /**
   * Delivers one event to the live object, rebuilding it first if it died:
   * `object[method](arg, id)`, or `method(object, id)` for a function (see
   * `Instance.invoke`). Returns what the call does: its value if it
   * finished without waiting, else a promise.
   */
  #run(what, method, arg) {
    if (this.#instance.dead) {
      try {
        this.#build();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.#gate === null) return this.#instance.invoke(what, this.#object, method, arg);
    // The event waits for the constructor's work, then goes to the instance
    // that work ran in: if it died meanwhile, the event fails with why (a
    // constructor that panics every time must not rebuild in a loop).
    const instance = this.#instance;
    return this.#gate.then(() => instance.invoke(what, this.#object, method, arg));
  }

  fetch(request) {
    const response = this.#run(request, "fetch", request);
    if (!(response instanceof Promise)) return response;
    return response.catch((error) => errorResponse(error, this.#env, `Durable Object ${this.#className}`, request));
  }

  /**
   * The alarm fired; a rejection makes the runtime retry it (and the runtime
   * logs it: with the error's message only, see `rejectFresh`).
   */
  alarm(info) {
    return Promise.resolve(this.#run("alarm", "alarm", info)).catch(rejectFresh);
  }

  /**
   * Hibernatable WebSocket events. A death in one is logged when it happens;
   * the event then ends quietly (the runtime would log it twice more, and
   * nothing else follows from a failed WebSocket event).
   */
  webSocketMessage(ws, message) {
    return quiet(this.#run("webSocketMessage", (object, id) => object.web_socket_message(ws, message, id)));
  }

  webSocketClose(ws, code, reason, wasClean) {
    return quiet(this.#run("webSocketClose", (object, id) => object.web_socket_close(ws, code, reason, wasClean, id)));
  }

  webSocketError(ws, error) {
    return quiet(this.#run("webSocketError", (object, id) => object.web_socket_error(ws, error, id)));
  }

  /**
   * The object is about to hibernate (the runtime's `onHibernate` hook,
   * `info` is `{ reason }`). A dead instance has nothing in memory left to
   * save: it is not rebuilt just for this. A death in the handler is logged
   * when it happens; an `Err` rejects, and the runtime logs it.
   */
  onHibernate(info) {
    if (this.#instance.dead) return Promise.resolve();
    return quiet(this.#run("onHibernate", "on_hibernate", info));
  }

  /**
   * A JS RPC call: `glue` is the method on the Wasm-side class, `args` the
   * arguments (an Array; a `Uint8Array` for the wire format). Answers as a
   * JavaScript method would: the value of a method that finished without
   * waiting (a synchronous one), else a promise.
   */
  rpc(glue, args) {
    return this.#run(glue, glue, args);
  }
}

/** `event`, settled without the death that failed it (logged already). */
function quiet(event) {
  return Promise.resolve(event).catch((error) => {
    if (!(error instanceof RustPanic)) throw error;
  });
}
