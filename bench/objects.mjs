// What an object costs, in one run on plain workerd, the Rust Counter beside
// the same object in JavaScript (JsCounter):
//   - fetch: N `stub.fetch()` calls from a JavaScript worker, each a storage
//     get + put in the object, made 1 at a time, 10 at once and 64 at once;
//     here the same counter written with workers-rs 0.8.7 (bench/workers-rs,
//     built first, and left out with the reason when it cannot be built) is
//     a third column: it cannot be an RPC target, so it has no other row;
//   - creation: the first call to each of N objects never used before (the
//     object is constructed; in Rust, with its own Wasm instance);
//   - memory: the growth of workerd's resident memory per object loaded.
// Rounds alternate between the two so that machine noise hits both alike;
// times are medians over rounds. Prints the 1-minute load average beside.
//
// Usage: node bench/objects.mjs [--calls 2000] [--objects 200] [--rounds 5] [--storage tmpfs|disk]
//                               [--concurrency 1,10,64] [--no-workers-rs]
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
    "no-workers-rs": { type: "boolean", default: false },
  },
});
const calls = Number(values.calls);
const objects = Number(values.objects);
const rounds = Number(values.rounds);
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
  const row = (label, unit, js, rust, digits = 1, tail = "") =>
    console.log(`  ${label.padEnd(42)} JS ${js.toFixed(digits).padStart(8)} ${unit}   Rust ${rust.toFixed(digits).padStart(8)} ${unit}   Rust/JS ${(rust / js).toFixed(2)}x${tail}`);
  console.log(`\n${rounds} rounds, medians (${calls} fetches, ${objects} new objects per round); a fetch row's time is the wall time per request:`);
  for (const concurrency of concurrencies) {
    const ms = fetchMs.get(concurrency);
    const label = `fetch, storage get + put, ${concurrency === 1 ? "1 at a time" : `${concurrency} at once`}`;
    const js = median(ms.js) * 1000;
    const third = ms["workers-rs"] ? median(ms["workers-rs"]) * 1000 : null;
    const tail = third === null ? "" : `   workers-rs ${third.toFixed(0).padStart(8)} µs   workers-rs/JS ${(third / js).toFixed(2)}x`;
    row(label, "µs", js, median(ms.rust) * 1000, 0, tail);
  }
  row("first call to a new object", "µs", median(createMs.js) * 1000, median(createMs.rust) * 1000, 0);
  row("resident memory per loaded object", "KiB", median(rssPerObject.js), median(rssPerObject.rust));
  console.log(`load average (1 min) at end: ${loadavg()[0].toFixed(2)}`);
} finally {
  await runtime.stop();
}
