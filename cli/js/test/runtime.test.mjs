// Unit tests of the JavaScript half of the runtime (cli/js/runtime-*.mjs)
// against a fake glue: no workerd, no Wasm. The fake behaves as the glue
// `durable build` writes (cli/src/factory.rs) and the Rust side of the
// boundary (sdk/src/boundary/): calls carry ids, Rust code runs inside
// entries that raise a depth (not restored when an exception unwinds
// through them, as on wasm32), a panic reports through `hooks.panic` and
// then traps, closures are wrapped as the factory patches them, and
// `handleError` rethrows into a dead instance. Run: node --test cli/js/test/

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { capabilityMaker } from "../runtime-capabilities.mjs";
import { Runtime } from "../runtime-host.mjs";
import { RustPanic, oneLine, rejectFresh, stackless } from "../runtime-errors.mjs";

class RpcTarget {}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Silences console.error/log while `f` runs; returns [result, lines]. */
async function quietly(f) {
  const lines = [];
  const saved = [console.error, console.log];
  console.error = console.log = (...args) => lines.push(args.join(" "));
  try {
    return [await f(), lines];
  } finally {
    [console.error, console.log] = saved;
  }
}

/**
 * A fake glue factory. `classes` maps an export name to a class whose
 * constructor gets (rust, ctx, env, id) and whose methods get (rust, args, id);
 * `rust` is the fake Rust side of one instance.
 */
function fakeFactory(classes) {
  const made = [];
  function instantiate(_module, boundary) {
    let killed = false;
    let hooks = null;
    const rust = {
      depth: 0,
      current: 0,
      freed: [],
      get hooks() {
        return hooks;
      },
      /** Runs `f` as an entry (the executor's `enter`) as call `id`. */
      enter(id, f) {
        this.depth++;
        const previous = this.current;
        this.current = id;
        const result = f(); // an exception skips the restore, as on wasm32
        this.current = previous;
        this.depth--;
        return result;
      },
      /** A panic: the hook reports it, then the instance traps. */
      panic(message) {
        hooks.panic(this.current, message);
        throw new WebAssembly.RuntimeError("unreachable");
      },
      /** A closure as the factory's patch wraps it. */
      closure(f) {
        return (...args) => {
          if (killed) return;
          const depth = boundary.depth();
          try {
            return f(...args);
          } catch (e) {
            const thrown = boundary.escaped(e, depth);
            if (thrown === undefined) return;
            throw thrown;
          }
        };
      },
      /** A `catch` import: the exception returns into Rust, unless the instance is dead. */
      handleError(f) {
        try {
          return { ok: f() };
        } catch (e) {
          if (killed) throw e;
          return { err: e };
        }
      },
      /** A promise Rust awaits through the executor; `then(ok, value)` runs on resume. */
      wait(promise, then) {
        const slot = this.nextSlot = (this.nextSlot ?? 0) + 1;
        (this.slots ??= new Map()).set(slot, then);
        hooks.wait(promise, slot);
      },
    };
    const glue = {
      __durable_init(h) {
        hooks = h;
      },
      __durable_current_call: () => rust.current,
      __durable_depth: () => rust.depth,
      __durable_resume(slot, ok, value) {
        const then = rust.slots.get(slot);
        rust.slots.delete(slot);
        rust.enter(rust.current, () => then(ok, value));
      },
      kill() {
        killed = true;
      },
    };
    for (const [name, Class] of Object.entries(classes)) {
      glue[name] = class {
        #inner;
        constructor(ctx, env, id) {
          this.#inner = rust.enter(id, () => new Class(rust, ctx, env, id));
          for (const method of Object.getOwnPropertyNames(Class.prototype)) {
            if (method !== "constructor") this[method] = (args, id) => rust.enter(id, () => this.#inner[method](rust, args, id));
          }
        }
      };
    }
    boundary.imports({});
    made.push(rust);
    return glue;
  }
  return { instantiate, made };
}

function runtimeOf(classes) {
  const factory = fakeFactory(classes);
  const runtime = new Runtime(factory.instantiate, {}, capabilityMaker(RpcTarget));
  return { runtime, made: factory.made };
}

function fakeCtx() {
  return {
    storage: {
      committed: [],
      /** Commits the writes only if the callback returns normally. */
      transactionSync(callback) {
        const writes = [];
        this.pending = writes;
        try {
          const result = callback();
          this.committed.push(...writes);
          return result;
        } finally {
          this.pending = null;
        }
      },
    },
  };
}

/** An object whose methods exercise the boundary. */
class Lab {
  constructor(rust, ctx) {
    this.ctx = ctx;
  }
  /** Waits for `args.promise`, then answers `args.value` (returns the pending marker). */
  slow(rust, args, id) {
    rust.wait(args.promise, (ok, value) => rust.hooks.settle(id, ok, ok ? args.value : value));
    return rust.hooks.pending;
  }
  boom(rust, args) {
    rust.panic(args.message);
  }
  err(rust, args) {
    // An `Err` is thrown by the glue after Rust returned: the depth is back.
    return { thrownAfterReturn: args.message };
  }
  /** transactionSync with a closure that writes, then panics; handles the Err and writes on. */
  txPanic(rust) {
    const storage = this.ctx.storage;
    const work = rust.closure(() =>
      rust.enter(rust.current, () => {
        storage.pending.push("inside");
        rust.panic("the transaction panicked");
      }),
    );
    const outcome = rust.handleError(() => storage.transactionSync(work));
    storage.committed.push("after"); // a dead instance must never get here
    return outcome.err ? "handled" : "ok";
  }
  /** An `Err` returned at once, as the glue returns it: through `hooks.fail`, then the `failed` marker. */
  refuse(rust, args, id) {
    rust.hooks.fail(id, new TypeError(args.message));
    return rust.hooks.failed;
  }
  /** Calls `args.nested()` (JavaScript that calls into the instance again), then returns normally. */
  nest(rust, args) {
    args.nested();
    return "returned";
  }
  /** A JavaScript exception thrown through Rust frames (an import without catch). */
  foreign() {
    throw new RangeError("String is too long for a V8 string");
  }
  /** Hands out a closure the runtime invokes later (a promise callback). */
  later(rust, args) {
    return rust.closure(() => rust.enter(rust.current, () => args.inside(rust)));
  }
  /** Makes a callback, as `Callback::new` does, for a callee to call. */
  callback(rust, args, id) {
    const callback = rust.hooks.callback(id, rust.closure((n) => rust.enter(id, () => args.body(rust, n, id))));
    // What `Drop` of the last `Callback` clone does (`hooks.released`), for the test to call.
    Object.defineProperty(callback, "release", { value: (what) => rust.hooks.released(callback, what) });
    return callback;
  }
}

/** Wraps a method result that stands for an `Err` into a thrown error, as the glue does. */
function rpc(host, method, args = {}) {
  return Promise.resolve(host.rpc(method, args)).then((value) => {
    if (value && typeof value === "object" && "thrownAfterReturn" in value) throw new Error(value.thrownAfterReturn);
    return value;
  });
}

describe("the runtime's side of the boundary", () => {
  test("a death with calls in flight fails each: the culprit with the panic, the others with the reset", async () => {
    const { runtime } = runtimeOf({ Lab });
    const host = runtime.host("Lab", "Lab", fakeCtx(), {});
    let release;
    const waiting = rpc(host, "slow", { promise: new Promise((r) => (release = r)), value: 1 });
    const [[boom, other], lines] = await quietly(() =>
      Promise.allSettled([rpc(host, "boom", { message: "boom at lab.rs:1" }), waiting]),
    );
    assert.equal(boom.status, "rejected");
    assert.ok(boom.reason instanceof RustPanic);
    assert.equal(boom.reason.message, "Rust panic: boom at lab.rs:1");
    assert.equal(other.status, "rejected");
    assert.match(other.reason.message, /Durable Object Lab was reset: rust panic in another call \(boom\): boom at lab\.rs:1/);
    assert.deepEqual(lines, ["Durable Object Lab: Rust panic in boom: boom at lab.rs:1"], "logged once");
    release();
    await tick(); // a settle after death enters nothing
  });

  test("a method that finishes without waiting answers with its value, as a JavaScript one; one that waits with a promise", async () => {
    const { runtime } = runtimeOf({ Lab });
    const host = runtime.host("Lab", "Lab", fakeCtx(), {});
    const answer = host.rpc("err", { message: "direct" });
    assert.ok(!(answer instanceof Promise), "no promise for a finished call");
    assert.deepEqual(answer, { thrownAfterReturn: "direct" });
    let release;
    const waiting = host.rpc("slow", { promise: new Promise((r) => (release = r)), value: 3 });
    assert.ok(waiting instanceof Promise);
    release();
    assert.equal(await waiting, 3);
    const failed = host.rpc("foreign", {});
    assert.ok(failed instanceof Promise, "a failure rejects, it is not thrown");
    await quietly(() => failed.catch(() => {}));
  });

  test("a panic in a call made while another is inside Wasm fails both, each with its own error", async () => {
    const { runtime } = runtimeOf({ Lab });
    const host = runtime.host("Lab", "Lab", fakeCtx(), {});
    let inner;
    // The outer call's Rust code calls JavaScript that calls into the instance
    // again; the inner call panics, and the outer one's code returns normally.
    const [outer, lines] = await quietly(() =>
      Promise.resolve(host.rpc("nest", { nested: () => (inner = host.rpc("boom", { message: "inner boom" })) })).then(
        (v) => ({ v }),
        (e) => ({ e }),
      ),
    );
    await assert.rejects(inner, (e) => e.message === "Rust panic: inner boom");
    assert.equal(outer.v, undefined, "a dead instance's call gets no normal answer");
    assert.equal(outer.e?.message, "Durable Object Lab was reset: rust panic in another call (boom): inner boom");
    assert.deepEqual(lines, ["Durable Object Lab: Rust panic in boom: inner boom"]);
  });

  test("an Err is an error, not a death", async () => {
    const { runtime, made } = runtimeOf({ Lab });
    const host = runtime.host("Lab", "Lab", fakeCtx(), {});
    await assert.rejects(rpc(host, "err", { message: "refused" }), /^Error: refused$/);
    assert.equal(made.length, 1, "no rebuild");
  });

  test("an Err returned through hooks.fail rejects the call with it, its stack dropped; the object keeps serving", async () => {
    const { runtime, made } = runtimeOf({ Lab });
    const host = runtime.host("Lab", "Lab", fakeCtx(), {});
    const [outcomes, lines] = await quietly(() => Promise.allSettled([host.rpc("refuse", { message: "no such item" }), rpc(host, "err", { message: "x" })]));
    const [refused] = outcomes;
    assert.equal(refused.status, "rejected");
    assert.ok(refused.reason instanceof TypeError, "the error itself, its type kept");
    assert.equal(refused.reason.message, "no such item");
    assert.equal(refused.reason.stack, "TypeError: no such item", "no frames of the glue or the runtime");
    assert.deepEqual(lines, [], "an Err is not a death: nothing logged");
    assert.deepEqual(host.rpc("err", { message: "next" }), { thrownAfterReturn: "next" }, "the next call is served");
    assert.equal(made.length, 1, "no rebuild");
  });

  test("a trap inside a closure the runtime invokes on its own kills the instance quietly", async () => {
    const { runtime, made } = runtimeOf({ Lab });
    const host = runtime.host("Lab", "Lab", fakeCtx(), {});
    let release;
    const waiting = rpc(host, "slow", { promise: new Promise((r) => (release = r)), value: 1 });
    const callback = await rpc(host, "later", {
      inside() {
        throw new WebAssembly.RuntimeError("unreachable");
      },
    });
    const [returned, lines] = await quietly(() => callback());
    assert.equal(returned, undefined, "nothing is rethrown into the microtask queue");
    await assert.rejects(waiting, /was reset: wasm trap in another call \(work outside any call\): unreachable/);
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.equal(callback(), undefined, "a dead instance's closure enters nothing");
    release();
    // The next event rebuilds the object.
    await rpc(host, "err", { message: "x" }).catch(() => {});
    assert.equal(made.length, 2);
  });

  test("a panic inside transactionSync rolls it back, and no Rust frame of the dead instance resumes", async () => {
    const { runtime } = runtimeOf({ Lab });
    const ctx = fakeCtx();
    const host = runtime.host("Lab", "Lab", ctx, {});
    const [result] = await quietly(() => rpc(host, "txPanic").then((v) => ({ v }), (e) => ({ e })));
    assert.ok(result.e, `the call must fail, got ${JSON.stringify(result)}`);
    assert.equal(result.e.message, "Rust panic: the transaction panicked");
    assert.deepEqual(ctx.storage.committed, [], "neither the write inside nor the one after is kept");
  });

  test("a JavaScript exception that unwinds through Rust code is a death, not a wedge", async () => {
    const { runtime, made } = runtimeOf({ Lab });
    const host = runtime.host("Lab", "Lab", fakeCtx(), {});
    const [error, lines] = await quietly(() => rpc(host, "foreign").catch((e) => e));
    assert.equal(error.message, "JavaScript exception inside Rust code: String is too long for a V8 string");
    assert.match(lines[0], /JavaScript exception unwound through Rust code in foreign/);
    // The object is rebuilt, and waiting calls work again.
    let release;
    const waiting = rpc(host, "slow", { promise: new Promise((r) => (release = r)), value: 7 });
    release();
    assert.equal(await waiting, 7);
    assert.equal(made.length, 2);
    assert.equal(made[1].depth, 0);
  });

  test("a callback that panics rejects its caller with the panic, in its sync and its async part", async () => {
    const { runtime } = runtimeOf({ Lab });
    const host = runtime.host("Lab", "Lab", fakeCtx(), {});
    const sync = await rpc(host, "callback", {
      body(rust) {
        rust.panic("the callback panicked");
      },
    });
    const [outcome] = await quietly(() => sync(7).then((v) => ({ v }), (e) => ({ e })));
    assert.equal(outcome.e?.message, "Rust panic: the callback panicked");
    await assert.rejects(sync(8), /was reset: rust panic/, "a dead instance's callback rejects");

    const async = await rpc(host, "callback", {
      body(rust, _n, id) {
        // The future's promise, watched by the runtime; it panics in a microtask.
        let fail;
        const promise = new Promise((_, reject) => (fail = reject));
        queueMicrotask(() => {
          try {
            rust.enter(id, () => rust.panic("the async part panicked"));
          } catch {
            // the trap unwinds into the microtask: the runtime saw the panic
          }
          fail(new Error("never seen"));
        });
        return rust.hooks.track(id, promise, false);
      },
    });
    const [late] = await quietly(() => async(7).then((v) => ({ v }), (e) => ({ e })));
    assert.match(late.e?.message ?? "", /the async part panicked/);
  });

  test("a Rust callback called after its owner dropped it: the error names it and the rule, the owner logs it once", async () => {
    const { runtime } = runtimeOf({ Lab });
    const host = runtime.host("Lab", "Lab", fakeCtx(), {});
    let entered = 0;
    const callback = await rpc(host, "callback", {
      body() {
        entered++;
      },
    });
    // `Drop` of the last clone of the `Callback`, as the SDK reports it.
    const what = "the Rust callback passed as argument 2 (`on_event`) of `openSession`";
    callback.release(what);
    const [outcomes, lines] = await quietly(() => Promise.allSettled([callback(1), callback(2)]));
    assert.equal(entered, 0, "nothing enters the dropped closure");
    for (const outcome of outcomes) {
      assert.equal(outcome.status, "rejected");
      assert.match(outcome.reason.message, /^the Rust callback passed as argument 2 \(`on_event`\) of `openSession` was called after its owner \(Durable Object Lab\) dropped it: /);
      assert.match(outcome.reason.message, /keep a clone of the Callback .* while the callee may call it$/);
    }
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /^Durable Object Lab: the Rust callback passed as argument 2 \(`on_event`\) of `openSession` was called after/);
  });

  test("disposing a capability after its instance died frees nothing", async () => {
    const frees = [];
    class Maker {
      constructor(rust) {
        this.rust = rust;
      }
      make(rust) {
        return rust.capability("Session", { free: () => frees.push("freed"), ping: () => "pong" }, [["ping", "ping"]]);
      }
      boom(rust) {
        rust.panic("gone");
      }
    }
    const factory = fakeFactory({ Maker });
    const capability = capabilityMaker(RpcTarget);
    const instantiate = (module, boundary) => {
      const glue = factory.instantiate(module, boundary);
      glue.__durable_init_targets = (make) => {
        factory.made.at(-1).capability = (name, handle, methods) => make(name, handle, methods);
      };
      return glue;
    };
    const runtime = new Runtime(instantiate, {}, capability);
    const host = runtime.host("Maker", "Maker", fakeCtx(), {});
    const session = await host.rpc("make", {});
    assert.ok(session instanceof RpcTarget);
    await quietly(() => host.rpc("boom", {}).catch(() => {}));
    await assert.rejects(session.ping(), /the capability Session is gone/);
    session[Symbol.dispose]();
    assert.deepEqual(frees, []);
  });

  test("after a rebuild, events wait for the constructor's blockConcurrencyWhile work", async () => {
    const order = [];
    let loads = 0;
    class Loader {
      constructor(rust, ctx) {
        loads++;
        let done;
        ctx.blockConcurrencyWhile(() => new Promise((r) => (done = r)));
        setTimeout(() => {
          order.push(`loaded ${loads}`);
          done();
        }, 5);
      }
      read() {
        order.push("read");
        return "read";
      }
      boom(rust) {
        rust.panic("reset me");
      }
    }
    // As in workerd, blockConcurrencyWhile lives on the prototype.
    const ctx = Object.assign(Object.create({ blockConcurrencyWhile: (callback) => callback() }), fakeCtx());
    const { runtime } = runtimeOf({ Loader });
    const host = runtime.host("Loader", "Loader", ctx, {});
    assert.equal(await host.rpc("read", {}), "read");
    await quietly(() => host.rpc("boom", {}).catch(() => {}));
    assert.equal(await host.rpc("read", {}), "read");
    assert.equal(order.at(-1), "read");
    assert.equal(order.at(-2), "loaded 2", "the rebuilt object's load finished before the event ran");
  });
});

describe("the onHibernate hook", () => {
  /** An object with an `on_hibernate` handler, as the glue class has it. */
  class Sleeper {
    constructor() {
      this.seen = [];
    }
    on_hibernate(rust, info, id) {
      if (info.reason === "panic") rust.panic("panicked while hibernating");
      Sleeper.calls.push({ info, id, current: rust.current });
      return undefined;
    }
    boom(rust) {
      rust.panic("reset me");
    }
  }

  test("dispatches the runtime's info to the Rust handler, as a call of its own", async () => {
    Sleeper.calls = [];
    const { runtime, made } = runtimeOf({ Sleeper });
    const host = runtime.host("Sleeper", "Sleeper", fakeCtx(), {});
    assert.equal(await host.onHibernate({ reason: "inactive" }), undefined);
    assert.equal(Sleeper.calls.length, 1);
    assert.deepEqual(Sleeper.calls[0].info, { reason: "inactive" });
    assert.ok(Sleeper.calls[0].id > 0 && Sleeper.calls[0].current === Sleeper.calls[0].id, "run as a call with its id");
    assert.equal(made.length, 1);
  });

  test("a dead instance is not rebuilt to hibernate; a panic in the handler ends it quietly", async () => {
    Sleeper.calls = [];
    const { runtime, made } = runtimeOf({ Sleeper });
    const host = runtime.host("Sleeper", "Sleeper", fakeCtx(), {});
    await quietly(() => host.rpc("boom", {}).catch(() => {}));
    assert.equal(await host.onHibernate({ reason: "inactive" }), undefined);
    assert.equal(made.length, 1, "no rebuild for the hook");
    assert.equal(Sleeper.calls.length, 0);
    const fresh = runtime.host("Sleeper", "Sleeper", fakeCtx(), {});
    const [result, lines] = await quietly(() => fresh.onHibernate({ reason: "panic" }));
    assert.equal(result, undefined, "the death is logged once, not thrown to the runtime");
    assert.deepEqual(lines, ["Durable Object Sleeper: Rust panic in onHibernate: panicked while hibernating"]);
  });
});

describe("what the runtime's errors carry into the log", () => {
  test("a panic's message is one line; other text is left as it is", () => {
    assert.equal(oneLine("panicked at src/a.rs:1:2:\nboom\nsecond line"), "panicked at src/a.rs:1:2: boom\nsecond line");
    assert.equal(oneLine("the reason\nstays"), "the reason\nstays");
  });

  test("errors handed to the runtime carry no stack: a panic's and an Err's", () => {
    assert.equal(new RustPanic("Rust panic: panicked at a.rs:1:2: boom").stack, "Error: Rust panic: panicked at a.rs:1:2: boom");
    const error = new Error("no way");
    assert.equal(stackless(error), error);
    assert.equal(error.stack, "Error: no way");
  });

  test("an alarm's rejection is a new Error with the message", async () => {
    await assert.rejects(rejectFresh(new RustPanic("Rust panic: boom")), (e) => e.constructor === Error && e.message === "Rust panic: boom");
    await assert.rejects(rejectFresh("text"), (e) => e.message === "text");
  });
});
