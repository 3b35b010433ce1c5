// Alarms on the real runtime: the documented batch processor, set/get/delete,
// retries of a failing (or panicking) handler with their count, and an alarm
// that comes due while the runtime is down.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { get, rpcCall, startWithCaller, tempDir, uniqueName } from "./harness.mjs";

let runtime;
let dir;

before(async () => {
  dir = tempDir();
  runtime = await startWithCaller(dir.path);
});

after(async () => {
  await runtime?.stop();
  dir?.cleanup();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lab = (name, method, ...args) => rpcCall(runtime.url, "ALARM_LAB", name, method, ...args);

/** Polls `probe` until `done(value)` or the deadline. */
async function until(probe, done, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let value;
  while (Date.now() < deadline) {
    value = await probe();
    if (done(value)) return value;
    await sleep(250);
  }
  return value;
}

describe("alarms", () => {
  test("the batch processor queues jobs and an alarm processes the batch", async () => {
    const name = uniqueName("batch");
    const status = async () => JSON.parse((await get(runtime.url, `/batch/status?name=${name}`)).text);
    assert.equal((await get(runtime.url, `/batch/?name=${name}&job=one&delay_ms=1000`)).text, "Queued");
    assert.equal((await get(runtime.url, `/batch/?name=${name}&job=two`)).text, "Queued");
    const queued = await status();
    assert.deepEqual(queued.queued, ["one", "two"]);
    assert.equal(typeof queued.alarm, "number");
    const done = await until(status, (s) => s.processed.length === 2);
    assert.deepEqual(done, { queued: [], processed: ["one done", "two done"], alarm: null });
  });

  test("set, read and delete the alarm; a deleted alarm never fires", async () => {
    const name = uniqueName("cancel");
    const at = (await lab(name, "schedule", 1500, 0, "error")).ok;
    assert.ok(Math.abs(at - Date.now() - 1500) < 60_000, `alarm at ${at}`);
    assert.equal((await lab(name, "alarmTime")).ok, at);
    await lab(name, "cancel");
    assert.equal((await lab(name, "alarmTime")).ok, null);
    await sleep(2500);
    assert.deepEqual((await lab(name, "attempts")).ok, []);
  });

  test("a failing handler is retried, with the retry count, until it succeeds", async () => {
    const name = uniqueName("retry");
    await lab(name, "schedule", 100, 2, "error");
    const attempts = await until(async () => (await lab(name, "attempts")).ok, (a) => a.length >= 3);
    assert.deepEqual(attempts, [
      { retryCount: 0, isRetry: false, failed: true },
      { retryCount: 1, isRetry: true, failed: true },
      { retryCount: 2, isRetry: true, failed: false },
    ]);
    assert.equal((await lab(name, "alarmTime")).ok, null);
  });

  test("a panicking handler is retried too, and the object keeps serving", async () => {
    const name = uniqueName("panic-retry");
    await lab(name, "schedule", 100, 1, "panic");
    const attempts = await until(async () => (await lab(name, "attempts")).ok, (a) => a.length >= 2);
    assert.deepEqual(attempts.map((a) => [a.retryCount, a.failed]), [[0, true], [1, false]]);
  });
});

test("an alarm that comes due while the runtime is down fires after it restarts", async () => {
  const state = `${dir.path}/down-state`;
  let rt = await startWithCaller(dir.path, state);
  try {
    await rpcCall(rt.url, "ALARM_LAB", "down", "schedule", 1500, 0, "error");
    await rt.stop();
    await sleep(2500);
    rt = await startWithCaller(dir.path, state);
    const attempts = await until(async () => (await rpcCall(rt.url, "ALARM_LAB", "down", "attempts")).ok, (a) => a.length >= 1);
    assert.deepEqual(attempts, [{ retryCount: 0, isRetry: false, failed: false }]);
  } finally {
    await rt.stop();
  }
});
