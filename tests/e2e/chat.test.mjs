// The chat room: its protocol with a real WebSocket client (backlog from
// storage, broadcast, the rate limiter over typed RPC, bad frames answered
// with error frames), and the page itself in headless Chromium with two
// browser contexts exchanging messages.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, describe, test } from "node:test";

import WebSocket from "ws";

import { get, uniqueName, useRuntime } from "./harness.mjs";

const shared = useRuntime({ withCaller: false });
const sockets = new Set();

after(() => {
  for (const ws of sockets) ws.terminate();
});

function join(room, name) {
  return new Promise((resolve, reject) => {
    const url = `${shared.runtime.url.replace("http", "ws")}/chat/room/${room}/websocket?name=${encodeURIComponent(name)}`;
    const ws = new WebSocket(url);
    sockets.add(ws);
    const inbox = [];
    const waiting = [];
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      if (waiting.length) waiting.shift()(frame);
      else inbox.push(frame);
    });
    ws.next = () =>
      inbox.length
        ? Promise.resolve(inbox.shift())
        : new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error(`${name}: no frame in time`)), 10_000);
            waiting.push((f) => {
              clearTimeout(timer);
              res(f);
            });
          });
    ws.say = (message) => ws.send(JSON.stringify({ message }));
    // Resolves to [code, reason] of the close the client received.
    ws.closed = new Promise((res) => ws.on("close", (code, reason) => res([code, reason.toString()])));
    ws.on("open", () => resolve(ws));
    ws.on("error", reject);
  });
}

/** `promise`, or an error after `ms` milliseconds saying what did not happen. */
function within(promise, what, ms = 10_000) {
  let timer;
  const timeout = new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Sends a close frame with any `code`, even one the `ws` library refuses to
 * send (999, 1015, 5000): the frame is written, masked, to the socket itself.
 */
function rawClose(ws, code, reason = "") {
  const payload = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)]);
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = payload.map((byte, i) => byte ^ mask[i % 4]);
  ws._socket.write(Buffer.concat([Buffer.from([0x88, 0x80 | payload.length]), mask, masked]));
}

describe("chat protocol", () => {
  test("the page is served", async () => {
    const page = await get(shared.runtime.url, "/chat/");
    assert.equal(page.status, 200);
    assert.match(page.text, /<title>Durable chat<\/title>/);
  });

  test("messages are broadcast, kept as backlog, and replayed to newcomers", async () => {
    const room = uniqueName("room");
    const ada = await join(room, "Ada");
    assert.deepEqual(await ada.next(), { joined: "Ada" });
    const bob = await join(room, "Bob");
    assert.deepEqual(await ada.next(), { joined: "Bob" });
    assert.deepEqual(await bob.next(), { joined: "Bob" });
    ada.say("héllo 👋");
    const [toAda, toBob] = [await ada.next(), await bob.next()];
    assert.equal(toAda.name, "Ada");
    assert.equal(toAda.message, "héllo 👋");
    assert.deepEqual(toBob, toAda);
    const carol = await join(room, "Carol");
    const replayed = await carol.next();
    assert.deepEqual([replayed.name, replayed.message], ["Ada", "héllo 👋"]);
    assert.deepEqual(await carol.next(), { joined: "Carol" });
  });

  test("bad frames get error frames and the room keeps serving; the rate limiter throttles bursts", async () => {
    const room = uniqueName("bad");
    const eve = await join(room, "Eve");
    await eve.next(); // joined
    eve.send("not json");
    assert.match((await eve.next()).error, /^malformed frame: /);
    eve.send(JSON.stringify({ nope: 1 }));
    assert.match((await eve.next()).error, /^malformed frame: missing field `message`/);
    eve.say("x".repeat(1001));
    assert.equal((await eve.next()).error, "message too long (over 1000 characters)");
    eve.send(Buffer.from([1, 2, 3]));
    assert.equal((await eve.next()).error, "binary frames are not accepted");
    // Five messages pass at once; the sixth is throttled.
    for (let i = 0; i < 6; i++) eve.say(`burst ${i}`);
    const frames = [];
    for (let i = 0; i < 6; i++) frames.push(await eve.next());
    assert.deepEqual(frames.slice(0, 5).map((f) => f.message), ["burst 0", "burst 1", "burst 2", "burst 3", "burst 4"]);
    assert.match(frames[5].error, /^slow down: try again in \d\.\d s$/);
  });
});

describe("leaving a room", () => {
  // Joins `name` to a room where `host` already is, with both seeing the join.
  async function enter(room, host, name) {
    const member = await join(room, name);
    assert.deepEqual(await member.next(), { joined: name });
    assert.deepEqual(await host.next(), { joined: name });
    return member;
  }

  test("a close code a server may send is echoed, no code is answered with 1000; the others hear who left", async () => {
    const room = uniqueName("leave");
    const ada = await join(room, "Ada");
    await ada.next();
    for (const [code, expected] of [[4001, 4001], [1001, 1001], [3000, 3000], [undefined, 1000]]) {
      const bob = await enter(room, ada, `Bob ${code}`);
      bob.close(code, "leaving");
      assert.deepEqual(await within(bob.closed, `the close of Bob ${code}`), [expected, "bye"]);
      assert.deepEqual(await ada.next(), { left: `Bob ${code}` });
    }
  });

  test("a close code a server may not send is answered with 1000, and the socket closes", async () => {
    const room = uniqueName("odd-close");
    const ada = await join(room, "Ada");
    await ada.next();
    // 999 and 5000 are outside the range, 1004 and 1015 reserved, 2999 undefined.
    for (const code of [999, 1004, 1015, 2999, 5000]) {
      const bob = await enter(room, ada, `Bob ${code}`);
      rawClose(bob, code, "odd");
      assert.deepEqual(await within(bob.closed, `the answer to a close with ${code}`), [1000, "bye"]);
      assert.deepEqual(await ada.next(), { left: `Bob ${code}` });
    }
    ada.say("still here");
    assert.equal((await ada.next()).message, "still here");
  });

  test("a dropped connection (1006, abnormal closure) is released without an error; the others hear who left", async () => {
    const room = uniqueName("dropped");
    const ada = await join(room, "Ada");
    await ada.next();
    const bob = await enter(room, ada, "Bob");
    const logged = shared.runtime.logs().length;
    bob.terminate(); // the TCP connection ends without a close frame
    assert.deepEqual(await ada.next(), { left: "Bob" });
    ada.say("Bob?");
    assert.equal((await ada.next()).message, "Bob?");
    // Closing the socket after 1006 did not fail (that would be logged).
    await new Promise((r) => setTimeout(r, 500));
    assert.doesNotMatch(shared.runtime.logs().slice(logged), /closing the socket of|Invalid WebSocket close code|Uncaught/);
  });
});

const CHROMIUM = "/usr/bin/chromium";

describe("chat page in a browser", { skip: !existsSync(CHROMIUM) && "Debian's chromium is not installed (scripts/setup.sh installs it)" }, () => {
  test("two browser contexts join a room and exchange messages", { timeout: 120_000 }, async () => {
    const { chromium } = await import("playwright-core");
    // Playwright gives each launch a fresh, temporary profile.
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const room = uniqueName("browser");
      const open = async (name) => {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`${shared.runtime.url}/chat/`);
        await page.fill("#name", name);
        await page.fill("#room", room);
        await page.click("#enter");
        await page.waitForSelector(`#log >> text=You joined ${room} as ${name}.`);
        return page;
      };
      const alice = await open("Alice");
      const bruno = await open("Bruno");
      await alice.waitForSelector("#log >> text=Bruno joined.");
      await alice.fill("#message", "Hi Bruno!");
      await alice.press("#message", "Enter");
      await bruno.waitForSelector("#log >> text=Alice: Hi Bruno!");
      await bruno.fill("#message", "Hello Alice");
      await bruno.press("#message", "Enter");
      await alice.waitForSelector("#log >> text=Bruno: Hello Alice");
      const log = await alice.textContent("#log");
      assert.ok(log.indexOf("Alice: Hi Bruno!") < log.indexOf("Bruno: Hello Alice"), log);
    } finally {
      await browser.close();
    }
  });
});
