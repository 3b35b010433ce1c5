// What an object costs, in one run on plain workerd, the Rust Counter beside
// the same object in JavaScript (JsCounter):
//   - fetch: N `stub.fetch()` calls from a JavaScript worker, each a storage
//     get + put in the object, made 1 at a time, 10 at once and 64 at once;
//     here the same counter written with workers-rs 0.8.7 (bench/workers-rs,
//     built first, and left out with the reason when it cannot be built) is
//     a third column: it cannot be an RPC target, so it has no other row;
//   - RPC calls from the same worker, one at a time: `nop()`, `increment(1)`
//     (an async storage get + put) and `incrementSync(1)` (the synchronous
//     KV API, `ctx.storage.kv`);
//   - creation: the first call to each of N objects never used before (the
//     object is constructed; in Rust, with its own Wasm instance);
//   - memory: the growth of workerd's resident memory per object loaded.
// Rounds alternate between the two so that machine noise hits both alike;
// times are medians over rounds, with [min-max]. Both objects live in
// workers other than the caller's (bench/workerd.mjs), so every call crosses
// the same boundary. Prints the 1-minute load average beside.
//
// Usage: node bench/objects.mjs [--calls 2000] [--objects 200] [--rounds 5] [--storage tmpfs|disk]
//                               [--concurrency 1,10,64] [--rpc-calls 4000] [--no-workers-rs]
//        (after scripts/build.sh)

import { loadavg } from "node:os";
import { parseArgs } from "node:util";

import { groupRss, median, startWorkerd, timed } from "./workerd.mjs";
import { tryBuildWorkersRs } from "./workers-rs/build.mjs";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "2000" },
    objects: { type: "string", default: "200" },
    rounds: { type: "string", default: "5" },
    storage: { type: "string", default: process.env.DURABLE_BENCH_STORAGE || "tmpfs" },
    concurrency: { type: "string", default: "1,10,64" },
    "rpc-calls": { type: "string", default: "4000" },
    "no-workers-rs": { type: "boolean", default: false },
  },
});
const calls = Number(values.calls);
const objects = Number(values.objects);
const rounds = Number(values.rounds);
const rpcCalls = Number(values["rpc-calls"]);
const rpcOps = [
  ["nop", "RPC nop()"],
  ["increment", "RPC increment(1), storage get + put"],
  ["increment-sync", "RPC incrementSync(1), sync KV get + put"],
];
const concurrencies = values.concurrency.split(",").map(Number);
if (concurrencies.some((c) => !Number.isInteger(c) || c < 1 || c > 256)) throw new Error(`--concurrency: whole numbers from 1 to 256, got ${values.concurrency}`);


const workersRs = values["no-workers-rs"] ? { skipped: "--no-workers-rs" } : await tryBuildWorkersRs();
console.log(
  workersRs.skipped ? `workers-rs column: skipped (${workersRs.skipped})` : `workers-rs counter: ${workersRs.built ? `built in ${workersRs.seconds.toFixed(0)} s` : "build up to date"}`,
);
const load = loadavg()[0];
const runtime = await startWorkerd({ storage: values.storage, workersRs: workersRs.dir });
console.log(`runtime: plain workerd, storage on ${values.storage}; load average (1 min) at start: ${load.toFixed(2)} on ${(await import("node:os")).cpus().length} cores`);
try {
  const targets = ["js", "rust"];
  const fetchTargets = workersRs.dir ? [...targets, "workers-rs"] : targets;
  const fetchMs = new Map(concurrencies.map((c) => [c, Object.fromEntries(fetchTargets.map((t) => [t, []]))]));
  const rpcMs = Object.fromEntries(rpcOps.map(([op]) => [op, { js: [], rust: [] }]));
  const createMs = { js: [], rust: [] };
  const rssPerObject = { js: [], rust: [] };
  for (let round = 0; round <= rounds; round++) {
    for (const concurrency of concurrencies) {
      for (const target of fetchTargets) {
        const n = round === 0 ? Math.min(100, calls) : calls; // round 0 warms up
        const path = `/js/fetch-bench?target=${target}&calls=${n}&concurrency=${concurrency}&name=fetch-${target}`;
        const ms = await timed(runtime.url, path, (t) => t.startsWith(`${n} `) && Number(t.split(" ")[1]) >= n);
        if (round > 0) fetchMs.get(concurrency)[target].push(ms / n);
      }
    }
    for (const [op] of rpcOps) {
      for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
        const n = round === 0 ? Math.min(200, rpcCalls) : rpcCalls;
        const path = `/js/call-bench?target=${target}&op=${op}&calls=${n}&name=call-${target}`;
        const ms = await timed(runtime.url, path, (t) => t === `${n} ${n}`);
        if (round > 0) rpcMs[op][target].push(ms / n);
      }
    }
    for (const target of targets) {
      const count = round === 0 ? 10 : objects;
      const before = groupRss(runtime.pid);
      const ms = await timed(runtime.url, `/js/spawn?target=${target}&count=${count}&prefix=r${round}-${target}`, (t) => t === String(count));
      const after = groupRss(runtime.pid);
      if (round > 0) {
        createMs[target].push(ms / count);
        rssPerObject[target].push((after - before) / count);
      }
    }
  }
  // Medians of `js` and `rust` (one value per round), with [min-max].
  const spread = (xs, digits) => `[${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}]`.padEnd(13);
  const row = (label, unit, js, rust, digits = 1, tail = "") =>
    console.log(
      `  ${label.padEnd(42)} JS ${median(js).toFixed(digits).padStart(8)} ${unit} ${spread(js, digits)}` +
        ` Rust ${median(rust).toFixed(digits).padStart(8)} ${unit} ${spread(rust, digits)} Rust/JS ${(median(rust) / median(js)).toFixed(2)}x${tail}`,
    );
  const µs = (xs) => xs.map((x) => x * 1000);
  console.log(`\n${rounds} rounds, medians [min-max] (${calls} fetches, ${rpcCalls} RPC calls, ${objects} new objects per round); a fetch or RPC row's time is the wall time per call:`);
  for (const concurrency of concurrencies) {
    const ms = fetchMs.get(concurrency);
    const label = `fetch, storage get + put, ${concurrency === 1 ? "1 at a time" : `${concurrency} at once`}`;
    const js = median(ms.js) * 1000;
    const third = ms["workers-rs"] ? median(ms["workers-rs"]) * 1000 : null;
    const tail = third === null ? "" : `   workers-rs ${third.toFixed(0).padStart(8)} µs   workers-rs/JS ${(third / js).toFixed(2)}x`;
    row(label, "µs", µs(ms.js), µs(ms.rust), 0, tail);
  }
  for (const [op, label] of rpcOps) row(label, "µs", µs(rpcMs[op].js), µs(rpcMs[op].rust), 0);
  row("first call to a new object", "µs", µs(createMs.js), µs(createMs.rust), 0);
  row("resident memory per loaded object", "KiB", rssPerObject.js, rssPerObject.rust);
  console.log(`load average (1 min) at end: ${loadavg()[0].toFixed(2)}`);
} finally {
  await runtime.stop();
}
