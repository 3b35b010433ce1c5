// Alarms on the real runtime: the documented batch processor, set/get/delete,
// retries of a failing (or panicking) handler with their count, and an alarm
// that comes due while the runtime is down.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { get, rpcCall, startWithCaller, uniqueName, useRuntime, until } from "./harness.mjs";

const shared = useRuntime();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lab = (name, method, ...args) => rpcCall(shared.runtime.url, "ALARM_LAB", name, method, ...args);

describe("alarms", () => {
  test("the batch processor queues jobs and an alarm processes the batch", async () => {
    const name = uniqueName("batch");
    const status = async () => JSON.parse((await get(shared.runtime.url, `/batch/status?name=${name}`)).text);
    assert.equal((await get(shared.runtime.url, `/batch/?name=${name}&job=one&delay_ms=1000`)).text, "Queued");
    assert.equal((await get(shared.runtime.url, `/batch/?name=${name}&job=two`)).text, "Queued");
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

describe("many tasks on one alarm (durable::schedule)", () => {
  const rem = (name, method, ...args) => rpcCall(shared.runtime.url, "REMINDERS", name, method, ...args);

  test("tasks fire in due order; a cancelled one never fires", async () => {
    const name = uniqueName("order");
    await rem(name, "remindIn", 900, "third");
    await rem(name, "remindIn", 300, "first");
    const cancelled = (await rem(name, "remindIn", 500, "never")).ok;
    await rem(name, "remindIn", 600, "second");
    assert.deepEqual((await rem(name, "pending")).ok, ["first", "never", "second", "third"]);
    assert.equal((await rem(name, "cancel", cancelled)).ok, true);
    assert.equal((await rem(name, "cancel", cancelled)).ok, false);
    const fired = await until(async () => (await rem(name, "fired")).ok, (f) => f.length >= 3);
    await sleep(500);
    assert.deepEqual((await rem(name, "fired")).ok, ["first", "second", "third"]);
    assert.deepEqual(fired, ["first", "second", "third"]);
    assert.deepEqual((await rem(name, "pending")).ok, []);
  });

  test("a repeating task fires until it is cancelled", async () => {
    const name = uniqueName("repeat");
    const id = (await rem(name, "remindEvery", 400, "tick")).ok;
    await until(async () => (await rem(name, "fired")).ok, (f) => f.length >= 3);
    assert.equal((await rem(name, "cancel", id)).ok, true);
    const count = (await rem(name, "fired")).ok.length;
    await sleep(1200);
    assert.equal((await rem(name, "fired")).ok.length, count);
    assert.deepEqual((await rem(name, "pending")).ok, []);
  });
});

test("tasks that come due while the runtime is down run after it restarts", async () => {
  const state = `${shared.dir.path}/tasks-down-state`;
  let rt = await startWithCaller(shared.dir.path, state);
  try {
    await rpcCall(rt.url, "REMINDERS", "down", "remindIn", 1200, "while down 1");
    await rpcCall(rt.url, "REMINDERS", "down", "remindIn", 1500, "while down 2");
    await rpcCall(rt.url, "REMINDERS", "down", "remindIn", 60_000, "later");
    await rt.stop();
    await sleep(2500);
    rt = await startWithCaller(shared.dir.path, state);
    const fired = await until(async () => (await rpcCall(rt.url, "REMINDERS", "down", "fired")).ok, (f) => f.length >= 2);
    assert.deepEqual(fired, ["while down 1", "while down 2"]);
    assert.deepEqual((await rpcCall(rt.url, "REMINDERS", "down", "pending")).ok, ["later"]);
  } finally {
    await rt.stop();
  }
});

test("an alarm that comes due while the runtime is down fires after it restarts", async () => {
  const state = `${shared.dir.path}/down-state`;
  let rt = await startWithCaller(shared.dir.path, state);
  try {
    await rpcCall(rt.url, "ALARM_LAB", "down", "schedule", 1500, 0, "error");
    await rt.stop();
    await sleep(2500);
    rt = await startWithCaller(shared.dir.path, state);
    const attempts = await until(async () => (await rpcCall(rt.url, "ALARM_LAB", "down", "attempts")).ok, (a) => a.length >= 1);
    assert.deepEqual(attempts, [{ retryCount: 0, isRetry: false, failed: false }]);
  } finally {
    await rt.stop();
  }
});
