// The Wasm⇄JavaScript boundary on the real runtime (the protocol is written
// down in sdk/src/boundary/mod.rs): after a panic, a trap or a JavaScript
// exception that unwinds through Rust code, no Rust code of that instance
// runs again and no host API gets a normal return from it. A panic inside
// `transaction_sync` rolls the transaction back; a JavaScript callee calling
// a Rust callback that panics sees a rejection with the panic's message; an
// exception that escapes Rust code unrecognised is a death, not a wedge; and
// a `Closure<dyn Fn>` builds (examples/src/faults.rs has the routes).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { get, uniqueName, useRuntime } from "./harness.mjs";

const shared = useRuntime({ withCaller: true });

/** `get`, failing if no answer comes in `ms`. */
async function answer(path, ms = 15_000) {
  return get(shared.runtime.url, path, { timeoutMs: ms });
}

/** Polls the JavaScript archive for what probe `label` saw. */
async function probeOutcome(name, label) {
  for (let i = 0; i < 50; i++) {
    const seen = await answer(`/js-archive/probe?name=${name}&label=${label}`);
    assert.equal(seen.status, 200, seen.text);
    if (seen.text !== "none") return seen.text;
    await new Promise((r) => setTimeout(r, 100));
  }
  return "none";
}

describe("a panic inside transaction_sync", () => {
  test("in fetch: the insert is rolled back, and the request fails", async () => {
    const name = uniqueName("tx");
    const failed = await answer(`/faults/tx-panic?name=${name}&key=inside`);
    assert.equal(failed.status, 500, failed.text);
    const rows = await answer(`/faults/rows?name=${name}`);
    assert.equal(rows.status, 200, rows.text);
    assert.equal(rows.text, "", "no row is kept");
    const after = await answer(`/faults/get?name=${name}&key=after-tx-panic`);
    assert.equal(after.status, 404, "the code after the panic never ran");
  });

  test("in a sync RPC method that handles the Err: the call fails with the panic, and nothing is kept", async () => {
    const name = uniqueName("tx-rpc");
    const called = await answer(`/faults/rpc/tx-panic-handled?name=${name}&key=k`);
    assert.match(called.text, /^err: .*Rust panic: .*the transaction panicked on purpose/s);
    const rows = await answer(`/faults/rows?name=${name}`);
    assert.equal(rows.text, "", "neither the row inside nor the one written after is kept");
    // Async methods and fetch answer afterwards (the object was rebuilt).
    assert.equal((await answer(`/faults/rpc/sleep?name=${name}&ms=5`)).text, "ok: 5");
    assert.equal((await answer(`/faults/memory?name=${name}`)).text, "1");
  });
});

describe("a Rust callback that panics, called by a JavaScript callee", () => {
  for (const when of ["sync", "async"]) {
    test(`panicking in its ${when} part: the callee's await rejects with the panic's message`, async () => {
      const name = uniqueName(`cb-${when}`);
      const label = uniqueName("probe");
      const called = await answer(`/faults/callback-panic?name=${name}&label=${label}&when=${when}`);
      assert.equal(called.status, 500, called.text);
      const seen = await probeOutcome(name, label);
      assert.match(seen, new RegExp(`^rejected: Rust panic: .*the callback panicked on purpose \\(${when} part\\)`, "s"), seen);
    });
  }

  test("a callback that does not panic resolves", async () => {
    const name = uniqueName("cb-none");
    const label = uniqueName("probe");
    const called = await answer(`/faults/callback-panic?name=${name}&label=${label}&when=none`);
    assert.equal(called.status, 200, called.text);
    assert.equal(called.text, "resolved: 14");
  });
});

describe("a JavaScript exception that unwinds through Rust code is a death, not a wedge", () => {
  test("a string longer than V8 allows: the call fails, then async methods and fetch answer", async () => {
    const name = uniqueName("too-long");
    const called = await answer(`/faults/rpc/too-long?name=${name}`, 60_000);
    assert.match(called.text, /^err: .*(too long|Invalid string length)/is);
    for (let i = 0; i < 3; i++) {
      assert.equal((await answer(`/faults/rpc/sleep?name=${name}&ms=5`)).text, "ok: 5");
      assert.equal((await answer(`/faults/memory?name=${name}`)).status, 200);
    }
  });

  for (const when of ["sync", "async"]) {
    test(`an import without catch that throws (${when}): the call fails with its message, then the object answers`, async () => {
      const name = uniqueName(`foreign-${when}`);
      const called = await answer(`/faults/rpc/foreign?name=${name}&when=${when}`);
      assert.match(called.text, /^err: .*JavaScript exception inside Rust code: .*JSON/s);
      assert.equal((await answer(`/faults/rpc/sleep?name=${name}&ms=5`)).text, "ok: 5");
      assert.equal((await answer(`/faults/memory?name=${name}`)).text, "1", "rebuilt: memory started over");
    });
  }
});

test("a Closure<dyn Fn> builds and runs", async () => {
  const called = await answer(`/faults/fn-closure?name=${uniqueName("fn")}`);
  assert.equal(called.status, 200, called.text);
  assert.equal(called.text, "42");
});

describe("a fetch handler's Response crosses as it was made", () => {
  /** The object's own answer to `/shape?shape=..` (the worker passes it on as it is). */
  const shape = (name, kind) => fetch(`${shared.runtime.url}/faults/shape?name=${name}&shape=${kind}`, { signal: AbortSignal.timeout(15_000) });

  test("status, headers, no body and a streamed body", async () => {
    const name = uniqueName("shape");
    const headers = await shape(name, "headers");
    assert.equal(headers.status, 201);
    assert.equal(headers.headers.get("x-shape"), "headers");
    assert.equal(headers.headers.get("content-type"), "text/x-shape");
    assert.equal(await headers.text(), "with headers");
    const empty = await shape(name, "empty");
    assert.equal(empty.status, 204);
    assert.equal(await empty.text(), "");
    const stream = await shape(name, "stream");
    assert.equal(stream.status, 200);
    assert.equal(await stream.text(), "streamed body");
  });

  test("a status the runtime refuses fails the request (a 500), and the object lives on", async () => {
    const name = uniqueName("bad-status");
    assert.equal((await answer(`/faults/memory?name=${name}`)).text, "1");
    const refused = await shape(name, "bad-status");
    assert.equal(refused.status, 500);
    await refused.text();
    // Not reset (no panic): its in-memory count goes on.
    assert.equal((await answer(`/faults/memory?name=${name}`)).text, "2");
  });
});
