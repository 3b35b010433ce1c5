// Capabilities: Rust values handed out over RPC (`Capability<T>` of a
// `#[durable::rpc_target]` type). Each is a Wasm-side handle wrapped in an
// RpcTarget of a class per Rust type, whose methods call into the instance
// that made it through `Instance.call` (tracked as every call, so a panic in
// a capability's method kills only that instance). Disposal (the caller's
// `using`, `[Symbol.dispose]()`, or the end of its request) frees the handle,
// which drops the Rust value; after the instance's death it frees nothing.
// The handle is kept in a WeakMap: nothing of wasm-bindgen is reachable over
// RPC.

/**
 * The maker of capabilities for RpcTarget subclasses of `RpcTarget` (the one
 * of `cloudflare:workers`; a stand-in in unit tests): a function
 * `(instance, name, handle, methods) -> RpcTarget`.
 */
export function capabilityMaker(RpcTarget) {
  /** wrapper -> { instance, name, handle (null once disposed) } */
  const capabilities = new WeakMap();
  /** Rust type name -> RpcTarget class. */
  const classes = new Map();

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

  return function capability(instance, name, handle, methods) {
    let Class = classes.get(name);
    if (Class === undefined) {
      Class = capabilityClass(name, methods);
      classes.set(name, Class);
    }
    const target = new Class();
    capabilities.set(target, { instance, name, handle });
    return target;
  };
}

function capabilityGone(name, js, instance) {
  return new Error(
    `the capability ${name} is gone: the Durable Object instance that handed it out was reset, so ${js}() cannot run (${instance.death.message})`,
  );
}
