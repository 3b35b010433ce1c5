// What a failure writes to the log under `wrangler dev`, counted in lines:
// a panic is logged once by the SDK, on one line with its message and
// location, and whatever the runtime adds for the failed event is the
// error's message alone, as it is for a JavaScript object that throws (no
// stack of the glue's, the runtime's and the Wasm frames). Measured for a
// JavaScript object in a worker of its own kind (a scratch worker, not
// kept): an RPC method that throws, 2 lines (the message and the line that
// threw); a webSocketMessage that throws, 3; an alarm that throws, 3.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { get, openWebSocket, rpcCall, uniqueName, until, useRuntime } from "./harness.mjs";

const shared = useRuntime();

const settle = (ms) => new Promise((r) => setTimeout(r, ms));

/** The lines the runtime logs while `action` runs (and shortly after), request lines aside. */
async function logged(action) {
  await settle(300);
  const before = shared.runtime.logs().length;
  await action();
  await settle(1_500);
  return shared.runtime
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
