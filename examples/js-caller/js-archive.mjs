import { DurableObject, RpcTarget } from "cloudflare:workers";

// The Archive's sessions, written in JavaScript: a Durable Object that hands
// out an RpcTarget. The Rust worker calls it through typed traits
// (examples/src/js_archive.rs): `#[durable_object] trait JsArchive` and
// `#[durable::rpc_target] trait JsSession`.

class JsSession extends RpcTarget {
  #user;
  #archive;

  constructor(user, archive) {
    super();
    this.#user = user;
    this.#archive = archive;
    archive.open++;
  }

  user() {
    return this.#user;
  }

  /** Calls `progress(done, total)` per chunk; stops when it answers false. */
  async putChunks(file, chunks, progress) {
    let done = 0;
    for (const _ of chunks) {
      done++;
      if (!(await progress(done, chunks.length))) break;
    }
    return done;
  }

  fail(message) {
    throw new Error(message);
  }

  /** Awaits `cb(7)` and records what it saw under `label` (examples/src/faults.rs). */
  async probe(label, cb) {
    let seen;
    try {
      seen = `resolved: ${JSON.stringify(await cb(7))}`;
    } catch (error) {
      seen = `rejected: ${error.message}`;
    }
    this.#archive.probes.set(label, seen);
    return seen;
  }

  [Symbol.dispose]() {
    this.#archive.open--;
  }
}

export class JsArchive extends DurableObject {
  open = 0;
  /** label -> what a session's `probe` saw. */
  probes = new Map();

  probeOutcome(label) {
    return this.probes.get(label) ?? null;
  }

  openSession(user) {
    if (!user) throw new Error("a session needs a user name");
    return new JsSession(user, this);
  }

  sessionsOpen() {
    return this.open;
  }
}
