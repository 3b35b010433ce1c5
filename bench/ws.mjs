// WebSocket rooms, the same work in one run on plain workerd, the JavaScript
// room (`JsWsRoom`) against the Rust one (`WsLab`, hibernation mode): echo
// round trips per second on one socket, and broadcast deliveries per second to
// SOCKETS sockets. Prints rates and the ratio to JavaScript.
//
// Usage: node bench/ws.mjs [--messages 2000] [--sockets 50] [--broadcasts 100] [--rounds 3]

import { parseArgs } from "node:util";

import WebSocket from "ws";

import { startWorkerd } from "./workerd.mjs";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "2000" },
    sockets: { type: "string", default: "50" },
    broadcasts: { type: "string", default: "100" },
    rounds: { type: "string", default: "3" },
  },
});
const [messages, socketCount, broadcasts, rounds] = ["messages", "sockets", "broadcasts", "rounds"].map((k) => Number(values[k]));

const runtime = await startWorkerd();
const base = runtime.url.replace("http", "ws");
const rooms = [
  { label: "JavaScript room", path: (name) => `/js/ws?name=${name}` },
  { label: "Rust room", path: (name) => `/ws/?name=${name}&tag=all&user=bench` },
];

function connect(path) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base + path);
    ws.on("open", () => resolve(ws));
    ws.on("error", reject);
  });
}

async function echo(path) {
  const ws = await connect(path);
  let pending;
  ws.on("message", () => pending());
  const started = performance.now();
  for (let i = 0; i < messages; i++) {
    await new Promise((r) => {
      pending = r;
      ws.send(`m${i}`);
    });
  }
  const rate = messages / ((performance.now() - started) / 1000);
  ws.close();
  return rate;
}

async function broadcast(path) {
  const peers = await Promise.all(Array.from({ length: socketCount }, () => connect(path)));
  let delivered = 0;
  let done;
  const expected = socketCount * broadcasts;
  for (const ws of peers) ws.on("message", () => ++delivered === expected && done());
  const finished = new Promise((r) => (done = r));
  const started = performance.now();
  for (let i = 0; i < broadcasts; i++) peers[0].send(`broadcast:${i}`);
  await finished;
  const rate = expected / ((performance.now() - started) / 1000);
  for (const ws of peers) ws.close();
  return rate;
}

try {
  const best = {};
  for (let round = 0; round < rounds; round++) {
    for (const room of rooms) {
      const name = `bench-${round}-${room.label.length}`;
      best[`echo/${room.label}`] = Math.max(best[`echo/${room.label}`] ?? 0, await echo(room.path(`${name}-e`)));
      best[`broadcast/${room.label}`] = Math.max(best[`broadcast/${room.label}`] ?? 0, await broadcast(room.path(`${name}-b`)));
    }
  }
  console.log(`runtime: plain workerd; best of ${rounds} rounds`);
  for (const [kind, unit] of [["echo", "round trips/s"], ["broadcast", `deliveries/s to ${socketCount} sockets`]]) {
    const js = best[`${kind}/JavaScript room`];
    const rust = best[`${kind}/Rust room`];
    console.log(`  ${kind.padEnd(10)} JS ${js.toFixed(0).padStart(7)}  Rust ${rust.toFixed(0).padStart(7)} ${unit}   ${(rust / js).toFixed(2)}x`);
  }
} finally {
  await runtime.stop();
}
