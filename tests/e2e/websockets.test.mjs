// WebSockets on the real runtime with a real client (the `ws` package):
// standard and hibernatable sockets, tags, broadcast, attachments that survive
// the object's eviction, an auto-response that does not wake the object, and
// bad input that gets a close with a reason instead of crashing the object.

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";

import { openWebSocket, rpcCall, uniqueName, useRuntime } from "./harness.mjs";

const shared = useRuntime();
const sockets = new Set();

after(() => {
  for (const ws of sockets) ws.terminate();
});

/** Opens /ws/?query; the socket gets `next()` (the next message) and `closed`. */
async function open(query) {
  const ws = await openWebSocket(`${shared.runtime.url.replace("http", "ws")}/ws/?${query}`);
  sockets.add(ws);
  return ws;
}

async function ask(ws, text) {
  ws.send(text);
  return ws.next();
}

describe("hibernatable WebSockets", () => {
  test("tags, attachments, broadcast, binary frames and closes", async () => {
    const name = uniqueName("room");
    const ada = await open(`name=${name}&tag=red&user=ada`);
    const bob = await open(`name=${name}&tag=blue&user=bob`);
    assert.match(await ask(ada, "whoami"), /^ada joined in construction 1, now construction 1 /);
    assert.equal(await ask(ada, "tags"), "red");
    assert.equal(await ask(bob, "tags"), "blue");
    assert.equal(await ask(ada, "count:red"), "1");
    assert.equal(await ask(ada, "count:green"), "0");
    ada.send("broadcast:hello everyone");
    assert.deepEqual([await ada.next(), await bob.next()], ["broadcast:hello everyone", "broadcast:hello everyone"]);
    ada.send(Buffer.from([1, 2, 3, 250]));
    assert.deepEqual(await ada.next(), [250, 3, 2, 1]);
    assert.equal(await ask(ada, "héllo wörld"), "echo:héllo wörld");
    assert.deepEqual(await (ada.send("close"), ada.closed), [4000, "bye"]);
    bob.close(4001, "leaving");
    assert.deepEqual(await bob.closed, [1000, "closed"]);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok((await rpcCall(shared.runtime.url, "WS_LAB", name, "closes")).ok.includes("4001:leaving:true"));
  });

  test("oversized frames get a close with a reason; the room keeps serving", async () => {
    const name = uniqueName("big");
    const big = await open(`name=${name}&user=big`);
    const other = await open(`name=${name}&user=other`);
    big.send("x".repeat(70_000));
    assert.deepEqual(await big.closed, [1009, "message too big"]);
    other.send(Buffer.alloc(70_000));
    assert.deepEqual(await other.closed, [1009, "message too big"]);
    const fresh = await open(`name=${name}&user=fresh`);
    assert.equal(await ask(fresh, "ok?"), "echo:ok?");
    fresh.close();
  });

  test("after the object hibernates, handlers run on a rebuilt object with the attachments; ping is answered without waking it", { timeout: 90_000 }, async () => {
    const name = uniqueName("sleepy");
    const ws = await open(`name=${name}&tag=t&user=carol`);
    assert.match(await ask(ws, "whoami"), /^carol joined in construction 1, now construction 1 /);
    // Idle with only hibernatable sockets open: the runtime evicts the object.
    await new Promise((r) => setTimeout(r, 20_000));
    const pingSent = Date.now();
    assert.equal(await ask(ws, "ping"), "pong");
    await new Promise((r) => setTimeout(r, 2_000));
    const whoamiSent = Date.now();
    const answer = await ask(ws, "whoami");
    const match = answer.match(/^carol joined in construction 1, now construction (\d+) \(constructed at (\d+)\)$/);
    assert.ok(match, answer);
    assert.equal(match[1], "2", "the object was not rebuilt after hibernating");
    const constructedAt = Number(match[2]);
    assert.ok(constructedAt >= whoamiSent - 500, `rebuilt at ${constructedAt}, by the ping at ${pingSent}?`);
    const ts = await ask(ws, "autots");
    const autoAt = Number(ts.replace("autots:", ""));
    assert.ok(autoAt >= pingSent - 1000 && autoAt <= whoamiSent, ts);
    assert.equal(await ask(ws, "tags"), "t");
    ws.close();
  });
});

describe("standard WebSockets", () => {
  test("the object reads the socket's events: text, binary, close with a code", async () => {
    const ws = await open(`name=${uniqueName("std")}&mode=standard`);
    assert.equal(await ask(ws, "hello"), "echo:hello");
    ws.send(Buffer.from([9, 8, 7]));
    assert.deepEqual(await ws.next(), [7, 8, 9]);
    ws.send("close");
    assert.deepEqual(await ws.closed, [4000, "bye"]);
    const oversized = await open(`name=${uniqueName("std")}&mode=standard`);
    oversized.send("y".repeat(70_000));
    assert.deepEqual(await oversized.closed, [1009, "message too big"]);
  });
});
