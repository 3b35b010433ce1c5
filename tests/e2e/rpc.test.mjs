// JS RPC into the Rust `Counter` from a plain JavaScript worker, on the real
// runtime: the documented interface, plain values back, clear errors for bad
// input, and nothing of wasm-bindgen reachable.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { get, startRuntime, tempDir, testConfig, uniqueName } from "./harness.mjs";

let runtime;
let dir;

before(async () => {
  dir = tempDir();
  const caller = testConfig(dir.path, "examples/js-caller/wrangler.jsonc");
  const examples = testConfig(dir.path);
  runtime = await startRuntime({ config: [caller, examples], persistDir: `${dir.path}/state` });
});

after(async () => {
  await runtime?.stop();
  dir?.cleanup();
});

async function call(name, method, ...args) {
  const response = await fetch(`${runtime.url}/js/call?name=${name}`, {
    method: "POST",
    body: JSON.stringify({ method, args }),
    signal: AbortSignal.timeout(30_000),
  });
  assert.equal(response.status, 200);
  return response.json();
}

describe("JavaScript -> Rust RPC", () => {
  test("the documented Counter interface resolves to numbers", async () => {
    const name = uniqueName("js");
    const at = async (q) => JSON.parse((await get(runtime.url, `/js/counter?name=${name}&${q}`)).text);
    assert.deepEqual(await at("op=get"), { value: 0, type: "number" });
    assert.deepEqual(await at("op=increment&amount=5"), { value: 5, type: "number" });
    assert.deepEqual(await at("op=decrement&amount=2"), { value: 3, type: "number" });
    assert.deepEqual(await at("op=get"), { value: 3, type: "number" });
    // The Rust worker's typed stub reaches the same object.
    assert.equal((await get(runtime.url, `/counter/?name=${name}`)).text, `Durable Object '${name}' count: 3`);
  });

  test("wrong argument types and counts are errors naming the method and argument", async () => {
    const name = uniqueName("bad");
    await call(name, "increment", 2);

    const wrongType = await call(name, "increment", "five");
    assert.equal(wrongType.remote, true);
    assert.match(wrongType.error, /^increment: argument 1 \(`amount`\): invalid type: string "five", expected i64/);

    const missing = await call(name, "increment");
    assert.match(missing.error, /^increment: missing argument 1 \(`amount`\): it takes 1 argument\(s\), 0 given/);

    const extra = await call(name, "decrement", 1, 2);
    assert.match(extra.error, /^decrement: takes 1 argument\(s\), 2 given/);

    const fraction = await call(name, "increment", 1.5);
    assert.match(fraction.error, /^increment: argument 1 \(`amount`\)/);

    // The object kept serving and kept its state.
    assert.deepEqual(await call(name, "getCounterValue"), { ok: 2, type: "number" });
  });

  test("an application error reaches the caller with its message, state intact", async () => {
    const name = uniqueName("overflow");
    await call(name, "increment", { bigint: (2n ** 63n - 1n).toString() }).then((r) => {
      // i64::MAX itself cannot be stored as a JavaScript number: refused, not rounded.
      assert.equal(r.remote, true);
      assert.match(r.error ?? "", /^the value for key "value" cannot be stored: .*9223372036854775807/, JSON.stringify(r));
    });
    assert.deepEqual(await call(name, "getCounterValue"), { ok: 0, type: "number" });
    await call(name, "increment", 1);
    assert.deepEqual(await call(name, "getCounterValue"), { ok: 1, type: "number" });
  });

  test("nothing of wasm-bindgen is callable over RPC", async () => {
    const name = uniqueName("internals");
    await call(name, "increment", 7);
    for (const method of ["free", "__rpc_increment", "__wbg_ptr", "__destroy_into_raw"]) {
      const answer = await call(name, method);
      assert.ok(answer.error, `${method} answered ${JSON.stringify(answer)}`);
      assert.equal(answer.ok, undefined);
    }
    assert.deepEqual(await call(name, "getCounterValue"), { ok: 7, type: "number" });
  });
});
