// Storage survives a restart of the runtime on the same persistence
// directory; in-memory state starts fresh.

import assert from "node:assert/strict";
import { after, test } from "node:test";

import { get, startRuntime, tempDir, testConfig } from "./harness.mjs";

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
