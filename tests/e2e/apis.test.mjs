// The newer Durable Object APIs on the real runtime (workerd 1.20261117 under
// wrangler dev, with the repository's compatibility date): the object's own
// id (`name`, `jurisdiction`), jurisdiction-restricted namespaces, `ctx.abort`
// with `retryAlarm: false`, `deleteAll` clearing the alarm, snapshots, and the
// WebSocket settings' getters. Where the local runtime lacks an API, the test
// checks the clear error the SDK answers instead.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { openWebSocket, rpcCall, uniqueName, useRuntime, until } from "./harness.mjs";

const shared = useRuntime();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const call = (object, name, method, ...args) => rpcCall(shared.runtime.url, object, name, method, ...args);
const ok = async (object, name, method, ...args) => {
  const answer = await call(object, name, method, ...args);
  assert.ok(!("error" in answer), `${method}: ${answer.error}`);
  return answer.ok;
};
const failure = async (object, name, method, ...args) => {
  const answer = await call(object, name, method, ...args);
  assert.ok("error" in answer, `${method} should fail, answered ${JSON.stringify(answer.ok)}`);
  return answer.error;
};

describe("Durable Object APIs", () => {
  test("ctx.id.name inside the object: the name when reached by name, none by a unique id or a parsed string", async () => {
    const name = uniqueName("id");
    const direct = await ok("KV", name, "whoAmI");
    assert.equal(direct.name, name);
    assert.match(direct.id, /^[0-9a-f]{64}$/);
    const byName = await ok("KV", uniqueName("caller"), "idVia", "by-name", name);
    assert.deepEqual(byName, direct);
    const fromName = await ok("KV", uniqueName("caller"), "idVia", "from-name", name);
    assert.deepEqual(fromName, direct);
    // The name is the one of the id the runtime started this instance with:
    // reached through a parsed string (no name) first, an object has none,
    // and keeps none while it stays in memory, even when then reached by name.
    const parsed = uniqueName("parsed");
    const fromString = await ok("KV", uniqueName("caller"), "idVia", "from-string", parsed);
    assert.match(fromString.id, /^[0-9a-f]{64}$/);
    assert.equal(fromString.name ?? null, null);
    const thenByName = await ok("KV", uniqueName("caller"), "idVia", "by-name", parsed);
    assert.equal(thenByName.id, fromString.id);
    assert.equal(thenByName.name ?? null, null);
    // And the other way: started by name, it keeps the name for a parsed-string caller.
    const named = await ok("KV", uniqueName("caller"), "idVia", "from-string", name);
    assert.deepEqual(named, direct);
    const unique = await ok("KV", uniqueName("caller"), "idVia", "unique", name);
    assert.notEqual(unique.id, direct.id);
    assert.equal(unique.name ?? null, null);
    // workerd implements no jurisdictions: none, whichever way the object was reached.
    for (const info of [direct, fromName, fromString, unique]) assert.equal(info.jurisdiction ?? null, null);
  });

  test("namespace.jurisdiction(..): the local runtime's error arrives as an Err", async () => {
    for (const jurisdiction of ["eu", "us", "fedramp", "fedramp-high"]) {
      const error = await failure("KV", uniqueName("jur"), "inJurisdiction", jurisdiction, "someone");
      assert.match(error, /Jurisdiction restrictions are not implemented in workerd/);
    }
  });

  test("ctx.abort(reason, { retryAlarm: false }) in the alarm handler: no retry, the alarm is over", async () => {
    const plain = uniqueName("abort-retry");
    const noRetry = uniqueName("abort-no-retry");
    await ok("ALARM_LAB", plain, "schedule", 100, 1, "abort");
    await ok("ALARM_LAB", noRetry, "schedule", 100, 1, "abort-no-retry");
    // A plain abort is a failed run: retried until the handler succeeds.
    const retried = await until(async () => ok("ALARM_LAB", plain, "attempts"), (a) => a.length >= 2);
    assert.deepEqual(retried, [
      { retryCount: 0, isRetry: false, failed: true },
      { retryCount: 1, isRetry: true, failed: false },
    ]);
    // retryAlarm: false ends it after the one run, and unsets the alarm. The
    // retry above came about 2 s after its first run: wait longer than that.
    await sleep(4_000);
    assert.deepEqual(await ok("ALARM_LAB", noRetry, "attempts"), [{ retryCount: 0, isRetry: false, failed: true }]);
    assert.equal(await ok("ALARM_LAB", noRetry, "alarmTime"), null);
  });

  test("delete_all clears the alarm too, with the repository's compatibility date", async () => {
    const [before, after, kept] = await ok("ALARM_LAB", uniqueName("delete-all"), "deleteAllWithAlarm");
    assert.equal(typeof before, "number");
    assert.ok(before > Date.now(), `alarm at ${before}`);
    assert.equal(after, null);
    assert.equal(kept, false);
  });

  test("storage.snapshot() without the runtime's support is an Err naming the API and the flag", async () => {
    const error = await failure("KV", uniqueName("snapshot"), "takeSnapshot");
    assert.match(error, /ctx\.storage\.snapshot\(\) is not available on this runtime/);
    assert.match(error, /durable_object_snapshots/);
  });

  test("get_with / get_by_name_with: retry options and location hints reach the runtime", async () => {
    const name = uniqueName("retry");
    const direct = await ok("KV", name, "whoAmI");
    // Accepted: the stub reaches the same object, by name or by id.
    for (const [byName, hint, maxRetries, timeoutMs] of [
      [true, null, 3, 5_000],
      [false, null, 0, null],
      [true, "apac-ne", null, 10_000],
      [false, "apac-se", 2, null],
    ]) {
      const via = await ok("KV", uniqueName("caller"), "idWithOptions", name, byName, hint, maxRetries, timeoutMs);
      assert.deepEqual(via, direct, `${JSON.stringify([byName, hint, maxRetries, timeoutMs])}`);
    }
    // Refused by the runtime, with its own message.
    const tooMany = await failure("KV", uniqueName("caller"), "idWithOptions", name, true, null, 1_000_000, null);
    assert.match(tooMany, /retry\.maxRetries must be an integer between 0 and \d+/);
    const noTime = await failure("KV", uniqueName("caller"), "idWithOptions", name, false, null, null, 0);
    assert.match(noTime, /retry\.timeoutMs must be an integer between \d+ and \d+/);
    // "offpeak" needs the offpeak_location_hint flag, which this worker does not set.
    const offpeak = await failure("KV", uniqueName("caller"), "idWithOptions", name, true, "offpeak", null, null);
    assert.match(offpeak, /get called with an unsupported locationHint: "offpeak"/);
  });

  test("#[durable(retryable)]: the class imports retryable() and marks the method; the method answers", async () => {
    // The worker loads only if `cloudflare:durable-objects` exports
    // retryable() and it accepts the marked method (a TypeError otherwise):
    // every test here runs on that module. Whether a call that may have
    // started is retried is not observable locally (no dropped connection
    // to an object inside one workerd), and this workerd does not refuse a
    // plain call after a retryable one through the same stub.
    const name = uniqueName("retryable");
    const direct = await ok("KV", name, "whoAmI");
    assert.deepEqual(await ok("KV", name, "whoAmIRetryable"), direct);
    assert.deepEqual(await ok("KV", uniqueName("caller"), "twoCalls", name, true), direct);
    assert.deepEqual(await ok("KV", uniqueName("caller"), "twoCalls", name, false), direct);
  });

  test("WebSocket bufferedAmount through durable::ws::buffered_amount, in both modes", async () => {
    for (const mode of ["hibernate", "standard"]) {
      const ws = await openWebSocket(`${shared.runtime.url.replace("http", "ws")}/ws/?name=${uniqueName("buffered")}&mode=${mode}`);
      try {
        ws.send("buffered");
        assert.equal(await ws.next(), "buffered:0", mode);
      } finally {
        ws.terminate();
      }
    }
  });

  test("the WebSocket auto-response and event timeout read back as set", async () => {
    const name = uniqueName("ws-settings");
    assert.equal((await ok("KV", name, "autoResponse", null)) ?? null, null);
    assert.deepEqual(await ok("KV", name, "autoResponse", ["ping", "pong"]), ["ping", "pong"]);
    assert.equal((await ok("KV", name, "autoResponse", null)) ?? null, null);
    assert.equal(await ok("KV", name, "eventTimeout", 2500), 2500);
    assert.equal((await ok("KV", name, "eventTimeout", null)) ?? null, null);
  });
});
