// The JavaScript half of the durable SDK's runtime, copied next to the
// generated entry module by `durable build` with its modules:
//   runtime-instance.mjs      one Wasm instance: calls in, and its death
//   runtime-host.mjs          the Runtime, and the Host of one object (rebuild, gate)
//   runtime-capabilities.mjs  Rust values handed out over RPC
//   runtime-errors.mjs        RustPanic, trap recognition, the 500 answer
// The protocol between them and the Wasm side is written down in the SDK's
// `boundary` module (sdk/src/boundary/mod.rs). This module only binds them
// to `cloudflare:workers`, which the unit tests (cli/js/test/) replace.
//
// Each generated Durable Object class (which `extends DurableObject`) keeps a
// Host in a private field. The Host owns the object's own Wasm instance
// (`glue.js` is an instance factory: one compiled module, one instance per
// object), builds the Rust object in it, forwards runtime events into it and
// turns failures into errors. Nothing of wasm-bindgen (free, __wbg_*) is
// reachable from the class, so nothing of it is callable over RPC.
//
// Panics. Rust on wasm32-unknown-unknown aborts on panic: the instance traps
// and its memory can no longer be trusted (so does a JavaScript exception
// that unwinds through Rust code: it is a death as well). Because every object has its own
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

import { capabilityMaker } from "./runtime-capabilities.mjs";
import { Runtime as Base } from "./runtime-host.mjs";

export { RustPanic } from "./runtime-errors.mjs";

/** The runtime of the generated entry: `new Runtime(instantiate, wasmModule)`. */
export class Runtime extends Base {
  constructor(instantiate, wasmModule) {
    super(instantiate, wasmModule, capabilityMaker(RpcTarget));
  }
}
