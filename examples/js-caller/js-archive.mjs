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

  [Symbol.dispose]() {
    this.#archive.open--;
  }
}

export class JsArchive extends DurableObject {
  open = 0;

  openSession(user) {
    if (!user) throw new Error("a session needs a user name");
    return new JsSession(user, this);
  }

  sessionsOpen() {
    return this.open;
  }
}
