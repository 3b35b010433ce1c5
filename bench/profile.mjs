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

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { freePort, get } from "../tests/e2e/harness.mjs";
import { startWorkerd } from "./workerd.mjs";

const { values } = parseArgs({
  options: {
    path: { type: "string" },
    warm: { type: "string" },
    top: { type: "string", default: "30" },
    "interval-us": { type: "string", default: "100" },
    workers: { type: "string", default: "js-caller,js-objects,durable-examples" },
    out: { type: "string" },
  },
});
if (!values.path) throw new Error("usage: node bench/profile.mjs --path '/counter/bench?payload=10k&calls=2000'");

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

const inspectorPort = await freePort();
process.env.DURABLE_WORKERD_INSPECTOR = `127.0.0.1:${inspectorPort}`;
const runtime = await startWorkerd();
try {
  const warm = values.warm ?? values.path.replace(/calls=\d+/, "calls=200");
  const answer = await get(runtime.url, warm, { timeoutMs: 600_000 });
  if (answer.status !== 200) throw new Error(`${warm}: ${answer.status} ${answer.text}`);

  const sessions = [];
  for (const name of values.workers.split(",")) {
    const s = await session(`ws://127.0.0.1:${inspectorPort}/${name}`);
    await s.send("Profiler.enable");
    await s.send("Profiler.setSamplingInterval", { interval: Number(values["interval-us"]) });
    await s.send("Profiler.start");
    sessions.push([name, s]);
  }
  const started = performance.now();
  const measured = await get(runtime.url, values.path, { timeoutMs: 600_000 });
  const ms = performance.now() - started;
  console.log(`${values.path}: ${measured.status} ${measured.text.slice(0, 80)} in ${ms.toFixed(0)} ms`);
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
  }
} finally {
  await runtime.stop();
}
