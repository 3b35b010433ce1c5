// Profiles one benchmark path on plain workerd through the V8 inspector:
// starts the runtime with an inspector port, warms the path up, samples
// every worker while one request of the path runs, and prints where each
// worker's time went (self time per function, top N), one table per worker.
//
// Wasm functions have names when the module keeps its name section: build
// it into another directory keeping its names, and measure
// that build (DURABLE_BENCH_DIST), e.g.
//
//   DURABLE_KEEP_NAMES=1 scripts/build.sh --out-dir /tmp/named
//   DURABLE_BENCH_DIST=/tmp/named node bench/profile.mjs --path '/counter/bench?payload=10k&calls=2000'
//
// Usage: node bench/profile.mjs --path P [--warm P2] [--top 30] [--interval-us 100]
//        [--workers js-caller,js-objects,durable-examples] [--out DIR]  (writes DIR/<worker>.cpuprofile)
//        [--total]  (also each function's inclusive time)
//
// Or one RPC call through the caller's `/js/call` (as bench/sql.mjs makes them),
// warmed by the same call first (`--before`, unprofiled, before each):
//   node bench/profile.mjs --call 'SQL_BENCH lookup 10000 10000' [--before 'SQL_BENCH reset; SQL_BENCH insertBatch 10000 0']

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { freePort, get, rpcCall } from "../tests/e2e/harness.mjs";
import { startWorkerd } from "./workerd.mjs";

const { values } = parseArgs({
  options: {
    path: { type: "string" },
    call: { type: "string" },
    before: { type: "string" },
    warm: { type: "string" },
    top: { type: "string", default: "30" },
    "interval-us": { type: "string", default: "100" },
    workers: { type: "string", default: "js-caller,js-objects,durable-examples" },
    total: { type: "boolean", default: false },
    out: { type: "string" },
  },
});
if (!values.path && !values.call) throw new Error("usage: node bench/profile.mjs --path '/counter/bench?payload=10k&calls=2000' | --call 'OBJECT method arg...'");

/** `OBJECT method arg...` (numbers or JSON) as one call through `/js/call`: `{ status, text }`. */
async function rpc(base, spec) {
  const [object, method, ...rest] = spec.trim().split(/\s+/);
  const answer = await rpcCall(base, object, "bench", method, ...rest.map((a) => JSON.parse(a)));
  return "error" in answer ? { status: 500, text: answer.error } : { status: 200, text: JSON.stringify(answer.ok) };
}

/** One inspector session: `send(method, params)` resolves to the result. */
async function session(url) {
  const { default: WebSocket } = await import("ws");
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let next = 1;
  const waiting = new Map();
  ws.on("message", (data) => {
    const message = JSON.parse(data);
    const pending = waiting.get(message.id);
    if (!pending) return;
    waiting.delete(message.id);
    message.error ? pending.reject(new Error(JSON.stringify(message.error))) : pending.resolve(message.result);
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** The text at `line`:`column` (0-based) of the bundle `file` of a worker, shortened. */
function sourceAt(bundles, url, line, column) {
  const name = url.split("/").pop();
  const text = bundles.get(name);
  if (!text || line < 0) return "";
  const at = text.split("\n")[line] ?? "";
  return at.slice(Math.max(0, column - 10), column + 60).trim();
}

/** Self time per function of a `Profiler.Profile`, largest first. */
function selfTimes(profile, bundles) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const byName = new Map();
  for (const [id, count] of counts) {
    const { functionName, url, lineNumber, columnNumber } = byId.get(id).callFrame;
    const where = url.startsWith("wasm://") ? "wasm" : `${url.split("/").pop()}:${lineNumber + 1}`;
    const anonymous = !functionName && !url.startsWith("wasm://") ? `(anonymous: ${sourceAt(bundles, url, lineNumber, columnNumber)})` : "";
    const name = `${functionName || anonymous || "(anonymous)"} ${where}`;
    byName.set(name, (byName.get(name) ?? 0) + count);
  }
  return { total: profile.samples.length, rows: [...byName].sort((a, b) => b[1] - a[1]) };
}

/** Total (inclusive) time per function: the samples with it anywhere on the stack. */
function totalTimes(profile) {
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const name = (n) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.startsWith("wasm://") ? "wasm" : `${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1}`}`;
  const counts = new Map();
  for (const id of profile.samples) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) seen.add(name(byId.get(at)));
    for (const n of seen) counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return [...counts].filter(([n]) => !n.startsWith("(root)") && !n.startsWith("(idle)")).sort((a, b) => b[1] - a[1]);
}

const inspectorPort = await freePort();
process.env.DURABLE_WORKERD_INSPECTOR = `127.0.0.1:${inspectorPort}`;
const runtime = await startWorkerd();
try {
  const request = values.call
    ? () => rpc(runtime.url, values.call)
    : () => get(runtime.url, values.path, { timeoutMs: 600_000 });
  // `--before` (calls separated by `;`) runs before the warm-up and again before the measured call, unprofiled.
  const before = async () => {
    for (const step of (values.before ?? "").split(";").filter((s) => s.trim())) {
      const answer = await rpc(runtime.url, step);
      if (answer.status !== 200) throw new Error(`${step}: ${answer.text}`);
    }
  };
  await before();
  const warm = values.call ? null : (values.warm ?? values.path.replace(/calls=\d+/, "calls=200"));
  const answer = warm ? await get(runtime.url, warm, { timeoutMs: 600_000 }) : await request();
  if (answer.status !== 200) throw new Error(`${warm ?? values.call}: ${answer.status} ${answer.text}`);

  await before();
  const sessions = [];
  for (const name of values.workers.split(",")) {
    const s = await session(`ws://127.0.0.1:${inspectorPort}/${name}`);
    await s.send("Profiler.enable");
    await s.send("Profiler.setSamplingInterval", { interval: Number(values["interval-us"]) });
    await s.send("Profiler.start");
    sessions.push([name, s]);
  }
  const started = performance.now();
  const measured = await request();
  const ms = performance.now() - started;
  console.log(`${values.path ?? values.call}: ${measured.status} ${measured.text.slice(0, 80)} in ${ms.toFixed(0)} ms`);
  for (const [name, s] of sessions) {
    const bundleDir = { "js-caller": "caller", "js-objects": "caller", "durable-examples": "examples" }[name];
    const bundles = new Map();
    for (const file of ["worker.js"]) {
      try {
        bundles.set(file, readFileSync(join(runtime.dir, bundleDir, file), "utf8"));
      } catch {}
    }
    const { profile } = await s.send("Profiler.stop");
    s.close();
    if (values.out) {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(join(values.out, `${name}.cpuprofile`), JSON.stringify(profile));
    }
    const { total, rows } = selfTimes(profile, bundles);
    const busy = rows.filter(([n]) => !n.startsWith("(idle)")).reduce((sum, [, c]) => sum + c, 0);
    console.log(`\n${name}: ${total} samples, ${busy} not idle (self time, share of the not-idle samples)`);
    const kinds = new Map();
    for (const [fn, count] of rows.filter(([n]) => !n.startsWith("(idle)"))) {
      const kind = fn.endsWith(" wasm") ? "Wasm" : fn.startsWith("(garbage collector)") ? "GC" : fn.startsWith("(program)") ? "runtime (program)" : / :\d+$/.test(fn) ? "builtins" : "JavaScript";
      kinds.set(kind, (kinds.get(kind) ?? 0) + count);
    }
    console.log(`  by kind: ${[...kinds].map(([k, c]) => `${k} ${((100 * c) / busy).toFixed(1)}%`).join(", ")}`);
    for (const [fn, count] of rows.filter(([n]) => !n.startsWith("(idle)")).slice(0, Number(values.top))) {
      console.log(`  ${((100 * count) / busy).toFixed(1).padStart(5)}%  ${fn}`);
    }
    if (values.total) {
      console.log(`  total (inclusive) time:`);
      for (const [fn, count] of totalTimes(profile).slice(0, Number(values.top))) {
        console.log(`  ${((100 * count) / busy).toFixed(1).padStart(5)}%  ${fn}`);
      }
    }
  }
} finally {
  await runtime.stop();
}
