// Storage survives a restart of the runtime on the same persistence
// directory; in-memory state starts fresh.

import assert from "node:assert/strict";
import { after, test } from "node:test";

import { get, rpcCall, startRuntime, startWithCaller, tempDir, testConfig } from "./harness.mjs";

const dir = tempDir();
const config = testConfig(dir.path);
const persistDir = `${dir.path}/state`;
let runtime;

after(async () => {
  await runtime?.stop();
  dir.cleanup();
});

test("storage survives a restart, memory does not", async () => {
  runtime = await startRuntime({ config, persistDir });
  let at = (path) => get(runtime.url, path);
  for (let i = 0; i < 3; i++) await at("/counter/increment?name=R");
  for (let i = 0; i < 2; i++) await at("/cached-counter/increment?name=R");
  await at("/faults/put?name=R&key=k&value=durable");
  assert.equal((await at("/faults/memory?name=R")).text, "1");
  assert.equal((await at("/faults/memory?name=R")).text, "2");
  assert.match((await at("/location/")).text, /^\nThis is the first request/);
  assert.match((await at("/location/")).text, /^\nThe Durable Object was already loaded/);

  await runtime.stop();
  runtime = await startRuntime({ config, persistDir });
  at = (path) => get(runtime.url, path);

  assert.equal((await at("/counter/?name=R")).text, "Durable Object 'R' count: 3");
  // Loaded from storage once, in the constructor, then served from memory.
  assert.equal((await at("/cached-counter/?name=R")).text, "Durable Object 'R' count: 2");
  assert.equal((await at("/cached-counter/increment?name=R")).text, "Durable Object 'R' count: 3");
  assert.deepEqual(await at("/faults/get?name=R&key=k"), { status: 200, text: "durable" });
  assert.equal((await at("/faults/memory?name=R")).text, "1");
  assert.match((await at("/location/")).text, /^\nThis is the first request/);
});

test("a failed transaction leaves nothing behind, also after a restart", async () => {
  const state = `${dir.path}/txn-state`;
  let rt = await startWithCaller(dir.path, state);
  try {
    const kv = (method, ...args) => rpcCall(rt.url, "KV", "T", method, ...args);
    await kv("putMany", { alice: 100, bob: 5 });
    assert.equal((await kv("transfer", "alice", "bob", 30, null)).ok, 70);
    for (const mode of ["error", "panic"]) {
      assert.ok((await kv("transfer", "alice", "bob", 50, mode)).error);
    }
    await rt.stop();
    rt = await startWithCaller(dir.path, state);
    const again = (method, ...args) => rpcCall(rt.url, "KV", "T", method, ...args);
    assert.deepEqual((await again("getMany", ["alice", "bob"])).ok, { alice: 70, bob: 35 });
  } finally {
    await rt.stop();
  }
});
