// The newer Durable Object APIs on the real runtime (workerd 1.20261117 under
// wrangler dev, with the repository's compatibility date): the object's own
// id (`name`, `jurisdiction`), jurisdiction-restricted namespaces, `ctx.abort`
// with `retryAlarm: false`, `deleteAll` clearing the alarm, snapshots, and the
// WebSocket settings' getters. Where the local runtime lacks an API, the test
// checks the clear error the SDK answers instead.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

import { openWebSocket, rpcCall, startRuntime, tempDir, testConfig, uniqueName, useRuntime, until } from "./harness.mjs";

const shared = useRuntime();

/**
 * A second runtime: the same workers, with `flags` added to the examples'
 * compatibility flags (wrangler dev runs workerd with `--experimental`, so
 * experimental flags are accepted).
 */
function useFlaggedRuntime(flags) {
  const flagged = { runtime: undefined, dir: undefined };
  before(async () => {
    flagged.dir = tempDir();
    const caller = testConfig(flagged.dir.path, "examples/js-caller/wrangler.jsonc");
    const examples = testConfig(flagged.dir.path);
    const config = JSON.parse(readFileSync(examples, "utf8"));
    config.compatibility_flags = [...(config.compatibility_flags ?? []), ...flags];
    writeFileSync(examples, JSON.stringify(config, null, 2));
    flagged.runtime = await startRuntime({ config: [caller, examples], persistDir: `${flagged.dir.path}/state` });
  });
  after(async () => {
    await flagged.runtime?.stop();
    flagged.dir?.cleanup();
  });
  return flagged;
}

const experimental = useFlaggedRuntime(["experimental"]);

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
    // The example parses each string into a `Jurisdiction` and passes the enum.
    for (const jurisdiction of ["eu", "us", "fedramp", "fedramp-high"]) {
      const error = await failure("KV", uniqueName("jur"), "inJurisdiction", jurisdiction, "someone");
      assert.match(error, /Jurisdiction restrictions are not implemented in workerd/);
    }
    const unknown = await failure("KV", uniqueName("jur"), "inJurisdiction", "mars", "someone");
    assert.match(unknown, /unknown Jurisdiction `mars`: expected one of eu, fedramp, fedramp-high, us/);
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
    // The example parses hints into `LocationHint`: an unknown one never reaches the runtime.
    const unknown = await failure("KV", uniqueName("caller"), "idWithOptions", name, true, "mars", null, null);
    assert.match(unknown, /unknown LocationHint `mars`: expected one of wnam, enam, sam, weur, eeur, apac, apac-ne, apac-se, oc, afr, me, offpeak/);
  });

  test("read replication: configure_read_replication is an Err naming the API; no primary stub, no version", async () => {
    for (const mode of ["auto", "disabled"]) {
      const info = await ok("KV", uniqueName("replica"), "replication", mode);
      assert.match(info.configureError, /^ctx\.configureReadReplication\(\) is not available on this runtime/, mode);
      assert.equal(info.hasPrimary, false);
      assert.equal(info.hasVersion, false);
      assert.equal(info.cohort ?? null, null);
    }
  });

  test("routingMode \"primary-only\" and version cohorts: accepted, and the stub reaches the same object", async () => {
    const name = uniqueName("routing");
    const direct = await ok("KV", name, "whoAmI");
    for (const [byName, primaryOnly, cohort] of [
      [true, true, null],
      [false, true, null],
      [true, false, "canary"],
      [false, true, "canary"],
    ]) {
      const via = await ok("KV", uniqueName("caller"), "idWithRouting", name, byName, primaryOnly, cohort);
      assert.deepEqual(via, direct, JSON.stringify([byName, primaryOnly, cohort]));
    }
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

describe("under the experimental compatibility flag", () => {
  test("on_hibernate runs before an idle object with a hibernatable WebSocket hibernates; not without the flag", async () => {
    // workerd hibernates an object whose only connections are hibernatable
    // WebSockets after about 10 s without events, and runs its onHibernate
    // hook first (the symbol exists only under `experimental`). The same
    // class in the shared runtime, without the flag, loads and never gets the call.
    const name = uniqueName("hibernate");
    const sockets = [];
    try {
      for (const runtime of [experimental.runtime, shared.runtime]) {
        const ws = await openWebSocket(`${runtime.url.replace("http", "ws")}/ws/?name=${name}&mode=hibernate&user=ada`);
        sockets.push(ws);
        ws.send("whoami");
        assert.match(await ws.next(), /^ada joined in construction 1, now construction 1 /);
      }
      const recorded = (runtime) => rpcCall(runtime.url, "WS_LAB", name, "hibernations").then((answer) => answer.ok);
      // Each probe is an event that wakes the object: probe only after a full idle period.
      let seen = [];
      for (let round = 0; round < 3 && seen.length === 0; round++) {
        await sleep(12_000);
        seen = await recorded(experimental.runtime);
      }
      assert.deepEqual(seen, ["inactive:1"], "the handler ran once, in the first construction, with the runtime's reason");
      assert.deepEqual(await recorded(shared.runtime), [], "without the flag, no hook");
      // The socket stayed open; the object was rebuilt for the probe.
      sockets[0].send("whoami");
      assert.match(await sockets[0].next(), /^ada joined in construction 1, now construction 2 /);
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  });

  test("the experimental flag lets \"offpeak\" through, and adds no read replication", async () => {
    const name = uniqueName("offpeak");
    const call = (target, method, ...args) => rpcCall(experimental.runtime.url, "KV", target, method, ...args);
    const direct = await call(name, "whoAmI");
    const via = await call(uniqueName("caller"), "idWithOptions", name, true, "offpeak", null, null);
    assert.deepEqual(via.ok, direct.ok);
    const info = await call(name, "replication", "auto");
    assert.match(info.ok.configureError, /^ctx\.configureReadReplication\(\) is not available on this runtime/);
    assert.equal(info.ok.hasPrimary, false);
    assert.equal(info.ok.hasVersion, false);
  });
});
