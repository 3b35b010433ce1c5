// Isolation on the real runtime: every Durable Object runs in its own Wasm
// instance, so a panic (or a trap) costs the object it happened in its
// in-memory state and nothing else: no other object's memory, no other
// request, no other socket. Rebuilt objects wait for their constructor's
// blockConcurrencyWhile work, a 500 hides its details unless asked to show
// them, and acknowledged writes survive a kill -9 of the runtime.

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";

import { get, openWebSocket, startRuntime, tempDir, testConfig, uniqueName } from "./harness.mjs";

const dirs = [];
const runtimes = [];
after(async () => {
  for (const runtime of runtimes) await runtime.stop();
  for (const dir of dirs) dir.cleanup();
});

async function start({ dir, errorDetails = true } = {}) {
  if (!dir) {
    dir = tempDir();
    dirs.push(dir);
  }
  const runtime = await startRuntime({ config: testConfig(dir.path), persistDir: `${dir.path}/state`, errorDetails });
  runtimes.push(runtime);
  return { dir, runtime };
}

/** The count a `/counter/...` or `/cached-counter/...` answer reports. */
function countOf(answer) {
  const match = /count: (-?\d+)$/.exec(answer.text);
  assert.ok(match, `not a count: ${answer.status} ${answer.text}`);
  return Number(match[1]);
}

/** Opens a WebSocket on /ws/?query; resolves once open, with `next()` and `closed`. */
function openSocket(base, query) {
  return openWebSocket(`${base.replace("http", "ws")}/ws/?${query}`);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe("a panic costs only the object it happened in", () => {
  test("a cached counter keeps its count through another object's panic and through its own", async () => {
    const { dir, runtime } = await start();
    const name = uniqueName("cc");
    for (let i = 1; i <= 5; i++) assert.equal(countOf(await get(runtime.url, `/cached-counter/increment?name=${name}`)), i);
    const boom = await get(runtime.url, `/faults/panic-now?name=${uniqueName("boom")}`);
    assert.equal(boom.status, 500);
    // Another object's panic leaves this one's memory alone.
    assert.equal(countOf(await get(runtime.url, `/cached-counter/increment?name=${name}`)), 6);
    // Its own panic resets it; the request that rebuilds it waits for the
    // constructor's load (blockConcurrencyWhile) before it runs, so it
    // increments the stored 6, never a default 0.
    const crash = await get(runtime.url, `/cached-counter/crash?name=${name}`);
    assert.equal(crash.status, 500);
    assert.match(crash.text, /^Rust panic: .*the cached counter crashed on purpose/s);
    const rebuilt = await Promise.all([1, 2, 3].map(() => get(runtime.url, `/cached-counter/increment?name=${name}`)));
    assert.deepEqual(rebuilt.map(countOf).sort(), [7, 8, 9]);
    await runtime.stop();
    const again = await start({ dir });
    assert.equal(countOf(await get(again.runtime.url, `/cached-counter/?name=${name}`)), 9, "stored after a restart");
  });

  test("panic storm: increments to one object all succeed while 15 panics hit others; sockets elsewhere keep echoing", async () => {
    const { runtime } = await start();
    const base = runtime.url;
    const counter = uniqueName("storm");
    const bystander = await openSocket(base, `name=${uniqueName("calm")}&mode=standard`);
    const victim = await openSocket(base, `name=${uniqueName("victim")}&mode=standard`);
    bystander.send("before");
    assert.equal(await bystander.next(), "echo:before");

    const acknowledged = [];
    const loop = async () => {
      for (let i = 0; i < 40; i++) {
        const answer = await get(base, `/counter/increment?name=${counter}`, { timeoutMs: 20_000 });
        assert.equal(answer.status, 200, answer.text);
        acknowledged.push(countOf(answer));
      }
    };
    const routes = ["panic-now", "panic", "trap", "overflow", "panic-blocking"];
    const panics = async () => {
      const answers = [];
      for (let i = 0; i < 15; i++) {
        answers.push(await get(base, `/faults/${routes[i % routes.length]}?name=${uniqueName("storm-fault")}`, { timeoutMs: 20_000 }));
        if (i === 7) victim.send("panic");
      }
      return answers;
    };
    const echoes = async () => {
      for (let i = 0; i < 10; i++) {
        bystander.send(`during-${i}`);
        assert.equal(await bystander.next(), `echo:during-${i}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const [, , , faults] = await withTimeout(Promise.all([loop(), loop(), loop(), panics(), echoes()]), 120_000, "the storm");

    assert.deepEqual(faults.map((a) => a.status), Array(15).fill(500));
    assert.equal(acknowledged.length, 120);
    assert.deepEqual([...acknowledged].sort((a, b) => a - b), Array.from({ length: 120 }, (_, i) => i + 1));
    assert.equal(countOf(await get(base, `/counter/?name=${counter}`)), 120, "stored equals acknowledged");

    const [code, reason] = await withTimeout(victim.closed, 10_000, "the victim's close");
    assert.equal(code, 1011);
    assert.match(reason, /reset after a panic/);
    bystander.send("after");
    assert.equal(await bystander.next(), "echo:after");
    bystander.close();

    // One ERROR entry per panic (16: 15 requests and the socket's), each
    // naming the class and what panicked, and no uncaught trap.
    await new Promise((r) => setTimeout(r, 500));
    const logs = runtime.logs();
    const entries = logs.match(/Durable Object (Faults|WsLab): (Rust panic|Wasm trap \(no Rust panic preceded it\)) in /g) ?? [];
    assert.equal(entries.length, 16, logs);
    assert.doesNotMatch(logs, /Uncaught|RuntimeError: unreachable/);
  });

  test("a constructor whose load panics fails the event that rebuilt it, once per event, never in a loop", async () => {
    const { runtime } = await start();
    const name = uniqueName("load");
    assert.equal((await get(runtime.url, `/faults/memory?name=${name}`)).text, "1");
    assert.equal((await get(runtime.url, `/faults/arm-load-panics?name=${name}&n=2`)).status, 200);
    assert.equal((await get(runtime.url, `/faults/panic-now?name=${name}`)).status, 500);
    // Each of the next two events rebuilds the object once; its load panics,
    // and the event fails naming the constructor, instead of rebuilding
    // again until a load succeeds.
    for (const left of [2, 1]) {
      const failed = await get(runtime.url, `/faults/memory?name=${name}`, { timeoutMs: 10_000 });
      assert.equal(failed.status, 500, failed.text);
      assert.match(failed.text, new RegExp(`rust panic in another call \\(constructor\\): .*constructor's load panicked on purpose \\(${left} left\\)`, "s"));
    }
    assert.deepEqual(await get(runtime.url, `/faults/memory?name=${name}`), { status: 200, text: "1" });
  });

  test("a hibernatable socket outlives its object's panic and talks to the rebuilt object", async () => {
    const { runtime } = await start();
    const name = uniqueName("hib");
    const ws = await openSocket(runtime.url, `name=${name}&mode=hibernate&user=ada`);
    ws.send("whoami");
    const before = await ws.next();
    assert.match(before, /^ada joined in construction 1, now construction 1 /);
    ws.send("panic");
    ws.send("whoami");
    // The constructor ran again (it counts constructions in storage), after
    // its blockConcurrencyWhile load, and the socket is the same one.
    assert.match(await ws.next(), /^ada joined in construction 1, now construction 2 /);
    ws.send("echo-me");
    assert.equal(await ws.next(), "echo:echo-me");
    ws.close();
  });

  test("traps without a panic, a stack overflow included, are named as traps and recovered from", async () => {
    const { runtime } = await start();
    const name = uniqueName("trap");
    await get(runtime.url, `/faults/put?name=${name}&key=k&value=kept`);
    for (const route of ["trap", "overflow"]) {
      const answer = await get(runtime.url, `/faults/${route}?name=${name}`);
      assert.equal(answer.status, 500);
      assert.match(answer.text, /^Wasm trap: /);
      assert.doesNotMatch(answer.text, /another call/);
      assert.deepEqual(await get(runtime.url, `/faults/get?name=${name}&key=k`), { status: 200, text: "kept" });
    }
  });
});

describe("error details", () => {
  test("a deployed worker answers a generic 500 and logs the details once", async () => {
    const { runtime } = await start({ errorDetails: false });
    const panicked = await get(runtime.url, `/faults/panic-now?name=${uniqueName("quiet")}`);
    assert.deepEqual(panicked, { status: 500, text: "Internal Server Error" });
    const failed = await get(runtime.url, `/faults/error?name=${uniqueName("quiet")}`);
    assert.deepEqual(failed, { status: 500, text: "Internal Server Error" });
    await new Promise((r) => setTimeout(r, 300));
    const logs = runtime.logs();
    assert.equal(logs.match(/the handler panicked before awaiting/g)?.length, 1, logs);
    assert.match(logs, /Durable Object Faults: Rust panic in fetch GET \/panic-now: panicked at .*faults\.rs:\d+:\d+/);
    assert.match(logs, /Durable Object Faults: fetch GET \/error failed: the handler failed on purpose/);
  });
});

describe("crash durability", () => {
  test("kill -9 with 200 increments in flight: the stored count is between the highest acknowledged and the number sent", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const name = uniqueName("crash");
    let sent = 0;
    let highest = 0;
    let acknowledged = 0;
    for (let round = 0; round < 5; round++) {
      const { runtime } = await start({ dir });
      const inflight = [];
      for (let i = 0; i < 200; i++) {
        sent += 1;
        inflight.push(
          fetch(`${runtime.url}/counter/increment?name=${name}`, { signal: AbortSignal.timeout(15_000) })
            .then(async (r) => (r.status === 200 ? countOf({ status: r.status, text: await r.text() }) : 0))
            .catch(() => 0),
        );
      }
      // Let some of them land, then kill the whole process group.
      await new Promise((r) => setTimeout(r, 150 + round * 100));
      await runtime.crash();
      const counts = await withTimeout(Promise.all(inflight), 20_000, "the requests cut off by the kill");
      acknowledged += counts.filter((c) => c > 0).length;
      highest = Math.max(highest, ...counts);
      const restarted = await start({ dir });
      const stored = countOf(await get(restarted.runtime.url, `/counter/?name=${name}`));
      assert.ok(stored >= highest, `round ${round}: stored ${stored} < acknowledged ${highest}`);
      assert.ok(stored <= sent, `round ${round}: stored ${stored} > sent ${sent}`);
      highest = stored;
      await restarted.runtime.stop();
    }
    // The kills did cut through acknowledged work, or the bounds said nothing.
    assert.ok(acknowledged > 0 && highest > 0, `acknowledged ${acknowledged}, stored ${highest}`);
  });
});
