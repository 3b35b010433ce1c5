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
    ws.on("open", () => resolve(ws));
    ws.on("error", reject);
  });
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
