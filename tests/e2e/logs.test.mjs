// What a failure writes to the log under `wrangler dev`, counted in lines:
// a panic is logged once by the SDK, on one line with its message and
// location, and whatever the runtime adds for the failed event is the
// error's message alone, as it is for a JavaScript object that throws (no
// stack of the glue's, the runtime's and the Wasm frames). Measured for a
// JavaScript object in a worker of its own kind: an RPC method that throws,
// 2 lines (the message and the line that threw), at once or after an await
// (measured again by the last describe block, whose JavaScript object an
// `Err` is held to); a webSocketMessage that throws, 3; an alarm that
// throws, 3 (a scratch worker, not kept).

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { get, openWebSocket, rpcCall, startRuntime, tempDir, uniqueName, until, useRuntime } from "./harness.mjs";

const shared = useRuntime();

const settle = (ms) => new Promise((r) => setTimeout(r, ms));

/** The lines `runtime` logs while `action` runs (and shortly after), request lines aside. */
async function logged(action, runtime = shared.runtime) {
  await settle(300);
  const before = runtime.logs().length;
  await action();
  await settle(1_500);
  return runtime
    .logs()
    .slice(before)
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.includes("[wrangler:info]"));
}

/** The SDK's one line for a panic: object, event, message and location. */
function assertPanicLine(lines, pattern) {
  const own = lines.filter((line) => pattern.test(line));
  assert.equal(own.length, 1, lines.join("\n"));
  assert.match(own[0], /panicked at examples\/src\/\w+\.rs:\d+:\d+: \S/, own[0]);
}

const noStack = (lines) => assert.ok(!lines.some((line) => /^\s+at /.test(line)), lines.join("\n"));

describe("a failure's log", () => {
  test("a panic in fetch: one line", async () => {
    const lines = await logged(() => get(shared.runtime.url, `/faults/panic-now?name=${uniqueName("log")}`));
    assert.equal(lines.length, 1, lines.join("\n"));
    assertPanicLine(lines, /Durable Object Faults: Rust panic in fetch GET \/panic-now: .*the handler panicked before awaiting$/);
  });

  test("a panic in an RPC method: its line, and the runtime's line for the failed call", async () => {
    let answer;
    const lines = await logged(async () => (answer = await rpcCall(shared.runtime.url, "SHELF", uniqueName("log"), "topple")));
    assert.match(answer.error, /^Rust panic: panicked at .*shelf\.rs:\d+:\d+: the shelf toppled over$/);
    assert.ok(lines.length <= 2, lines.join("\n"));
    assertPanicLine(lines, /Durable Object Shelf: Rust panic in RPC topple: .*the shelf toppled over$/);
    noStack(lines);
  });

  test("an Err from an RPC method that the caller catches: at most the runtime's one line", async () => {
    let answer;
    const lines = await logged(async () => (answer = await rpcCall(shared.runtime.url, "SHELF", uniqueName("log"), "refuse", "no way")));
    assert.equal(answer.error, "no way");
    assert.ok(lines.length <= 1, lines.join("\n"));
    noStack(lines);
  });

  test("a panic in webSocketMessage: one line", async () => {
    const name = uniqueName("log");
    const lines = await logged(async () => {
      const ws = await openWebSocket(`${shared.runtime.url.replace("http", "ws")}/ws/?mode=hibernate&name=${name}&user=u&tag=t`);
      ws.send("panic");
      await settle(1_000);
      // The socket stays open and reaches the rebuilt object.
      ws.send("whoami");
      assert.match(String(await ws.next()), /^u joined in construction/);
      ws.close();
    });
    assert.equal(lines.length, 1, lines.join("\n"));
    assertPanicLine(lines, /Durable Object WsLab: Rust panic in webSocketMessage: .*asked for a panic$/);
  });

  test("a panic in alarm: its line, and the runtime's lines for the failed alarm (which is retried)", async () => {
    const name = uniqueName("log");
    const lines = await logged(async () => {
      await rpcCall(shared.runtime.url, "ALARM_LAB", name, "schedule", 100, 1, "panic");
      const attempts = await until(() => rpcCall(shared.runtime.url, "ALARM_LAB", name, "attempts"), (a) => a.ok?.length >= 2, 20_000);
      assert.equal(attempts.ok?.length, 2, JSON.stringify(attempts));
    });
    assert.ok(lines.length <= 3, lines.join("\n"));
    assertPanicLine(lines, /Durable Object AlarmLab: Rust panic in alarm: .*the alarm handler panicked on purpose$/);
    noStack(lines);
  });
});

// The measure for an `Err`: a Durable Object written in JavaScript whose RPC
// method throws, in a worker of its own (the worker in front of the
// examples, examples/js-caller, has its uncaught errors go to the inspector
// only, so it would log nothing either way), called by its worker, which
// catches the error.
const THROWER = `
import { DurableObject } from "cloudflare:workers";
export class Thrower extends DurableObject {
  refuse(reason) {
    throw new Error(reason);
  }
  async refuseLater(reason) {
    await this.ctx.storage.get("anything");
    throw new Error(reason);
  }
}
export default {
  async fetch(request, env) {
    const method = new URL(request.url).searchParams.get("method");
    if (method === null) return new Response("ready");
    try {
      await env.THROWER.getByName("t")[method]("no way");
      return new Response("resolved");
    } catch (error) {
      return new Response(error.message);
    }
  },
};
`;

describe("an Err's log, against a JavaScript object that throws", () => {
  const js = { runtime: undefined, dir: undefined, lines: {} };
  before(async () => {
    js.dir = tempDir();
    const main = join(js.dir.path, "thrower.mjs");
    writeFileSync(main, THROWER);
    const config = join(js.dir.path, "thrower.wrangler.json");
    writeFileSync(config, JSON.stringify({
      name: "thrower", main, compatibility_date: "2025-09-01",
      durable_objects: { bindings: [{ name: "THROWER", class_name: "Thrower" }] },
      migrations: [{ tag: "v1", new_sqlite_classes: ["Thrower"] }],
    }));
    js.runtime = await startRuntime({ config, persistDir: join(js.dir.path, "state") });
    for (const method of ["refuse", "refuseLater"]) {
      js.lines[method] = await logged(async () => {
        assert.equal((await get(js.runtime.url, `/?method=${method}`)).text, "no way");
      }, js.runtime);
    }
    console.log(`the JavaScript object's log: ${js.lines.refuse.length} line(s) for refuse, ${js.lines.refuseLater.length} for refuseLater`);
  });
  after(async () => {
    await js.runtime?.stop();
    js.dir?.cleanup();
  });

  test("a method that fails at once: no more lines than the JavaScript object's, no stack", async () => {
    let answer;
    const lines = await logged(async () => (answer = await rpcCall(shared.runtime.url, "SHELF", uniqueName("log"), "refuse", "no way")));
    assert.equal(answer.error, "no way");
    assert.ok(lines.length <= Math.max(1, js.lines.refuse.length), `Rust:\n${lines.join("\n")}\nJavaScript:\n${js.lines.refuse.join("\n")}`);
    noStack(lines);
  });

  test("a method that fails after it awaited: no more lines than the JavaScript object's, no Wasm frames", async () => {
    let answer;
    const lines = await logged(async () => (answer = await rpcCall(shared.runtime.url, "SHELF", uniqueName("log"), "setCover", "nothing", [1])));
    assert.equal(answer.error, 'no book called "nothing"');
    assert.ok(lines.length <= Math.max(1, js.lines.refuseLater.length), `Rust:\n${lines.join("\n")}\nJavaScript:\n${js.lines.refuseLater.join("\n")}`);
    noStack(lines);
  });

  test("a Rust callback that resolves to Err, and the method that called it failing: a line each, no stack", async () => {
    let answer;
    const lines = await logged(async () => (answer = await get(shared.runtime.url, `/archive/progress?name=${uniqueName("log")}&fail=3`)));
    assert.match(answer.text, /the Rust closure refused chunk 3/);
    // The callback's call (into the worker), then `put_chunks` (into the object).
    assert.ok(lines.length <= 2, lines.join("\n"));
    noStack(lines);
  });
});
