// The entry module of the workers-rs counter: what `worker-build` 0.8.7 wraps
// around the wasm-bindgen `module`-target glue (`index.js`) for a release
// build without `--panic-unwind`, written here from its documented behaviour:
//
//   - the default export is a `WorkerEntrypoint` subclass whose `fetch`,
//     `queue`, `scheduled`, `email` and `connect` call the glue's function of
//     that name with (argument, env, ctx); any other exported function
//     becomes a method as it is;
//   - every exported class (the Durable Object among them) is exported
//     behind a Proxy: constructing one records the instance and the id of the
//     Wasm instance it lives in, and every method read through it is wrapped
//     so that a `WebAssembly.RuntimeError` (a trap: a panic) marks the Wasm
//     instance as broken; the next call resets the Wasm state
//     (`__wbg_reset_state`) and objects built before it are rebuilt on their
//     next use;
//   - an `error` event with a trap marks the instance broken too.
//
// So each call into the object pays what it pays in a workers-rs deployment:
// a Proxy `get`, a wrapper per method read, and the broken-instance check.

/** The classes and functions the glue module exports, from its text. */
export function glueExports(glue) {
  const functions = [...glue.matchAll(/(?:^|[\s;}])export (?:async )?function\s+([A-Za-z_$][\w$]*)\s*\(/g)].map((m) => m[1]);
  const classes = [...glue.matchAll(/(?:^|[\s;}])export class\s+([A-Za-z_$][\w$]*)\s*[{ ]/g)].map((m) => m[1]);
  return { functions: functions.filter((f) => !SYSTEM_FUNCTIONS.has(f)), classes };
}

/** The glue's own functions, used by the entry module, never handlers. */
const SYSTEM_FUNCTIONS = new Set(["__wbg_reset_state", "__worker_init_state"]);

/** The handlers called with (argument, env, ctx). */
const EVENT_HANDLERS = new Set(["fetch", "queue", "scheduled", "email", "connect"]);

/** The entry module's source, importing the glue as `./index.js`. */
export function entryModule({ functions, classes }) {
  const handlers = functions.map((name) =>
    EVENT_HANDLERS.has(name)
      ? `Entrypoint.prototype.${name} = function ${name}(arg) {\n  return glue.${name}.call(this, arg, this.env, this.ctx);\n};`
      : `Entrypoint.prototype.${name} = glue.${name};`,
  );
  const exported = classes.map((name) => `export const ${name} = new Proxy(glue.${name}, guardedClass);`);
  return `import { WorkerEntrypoint } from "cloudflare:workers";
import * as glue from "./index.js";

Error.stackTraceLimit = 100;
const wasmState = glue.__worker_init_state();

function markIfTrap(error) {
  if (error instanceof WebAssembly.RuntimeError) {
    console.error("Critical", error);
    wasmState.criticalError = true;
  }
}

function resetIfBroken() {
  if (!wasmState.criticalError) return;
  console.log("Reinitializing Wasm application");
  glue.__wbg_reset_state();
  wasmState.criticalError = false;
  wasmState.instanceId++;
}

addEventListener("error", (event) => markIfTrap(event.error));

class Entrypoint extends WorkerEntrypoint {}

${handlers.join("\n")}

// A method read through a guarded object: checks the Wasm instance before the
// call and marks it broken on a trap. Async functions are awaited.
function guardedMethod(method) {
  if (method.constructor === Function) {
    return new Proxy(method, {
      apply(target, self, args) {
        resetIfBroken();
        try {
          return target.apply(self, args);
        } catch (error) {
          markIfTrap(error);
          throw error;
        }
      },
    });
  }
  return new Proxy(method, {
    async apply(target, self, args) {
      resetIfBroken();
      try {
        return await target.apply(self, args);
      } catch (error) {
        markIfTrap(error);
        throw error;
      }
    },
  });
}

// Every other operation goes to the current instance unchanged.
const forwarded = {};
for (const trap of ["set", "has", "deleteProperty", "apply", "construct", "getPrototypeOf", "setPrototypeOf", "isExtensible", "preventExtensions", "getOwnPropertyDescriptor", "defineProperty", "ownKeys"]) {
  forwarded[trap] = (slot, ...rest) => Reflect[trap](slot.instance, ...rest);
}

const guardedClass = {
  construct(ctor, args, newTarget) {
    try {
      resetIfBroken();
      const slot = { instance: Reflect.construct(ctor, args, newTarget), instanceId: wasmState.instanceId, ctor, args, newTarget };
      return new Proxy(slot, {
        ...forwarded,
        get(slot, prop, receiver) {
          if (slot.instanceId !== wasmState.instanceId) {
            // Built in a Wasm instance since reset: build it again in this one.
            slot.instance = Reflect.construct(slot.ctor, slot.args, slot.newTarget);
            slot.instanceId = wasmState.instanceId;
          }
          const value = Reflect.get(slot.instance, prop, receiver);
          return typeof value === "function" ? guardedMethod(value) : value;
        },
      });
    } catch (error) {
      wasmState.criticalError = true;
      throw error;
    }
  },
};

${exported.join("\n")}

export default new Proxy(Entrypoint, guardedClass);
`;
}
