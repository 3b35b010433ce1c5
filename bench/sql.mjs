// SQL storage, the same work in one run on plain workerd, JavaScript object
// vs Rust object (`JsSqlBench` vs `SqlBench`): insert N rows one statement at
// a time, insert N rows in one transaction, read them all back as typed rows,
// and N point lookups by key. Each step is one RPC call doing all the work, so
// the call itself is noise. Rounds alternate which object goes first; prints
// the median time of each step with [min-max] and the speed ratio of the
// medians to JavaScript (1.00x = as fast; below 1 = slower), and the load.
//
// Usage: node bench/sql.mjs [--rows 10000] [--rounds 5]   (after scripts/build.sh)

import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";

import { rpcCall } from "../tests/e2e/harness.mjs";
import { median, startWorkerd } from "./workerd.mjs";

const { values } = parseArgs({
  options: { rows: { type: "string", default: "10000" }, rounds: { type: "string", default: "5" } },
});
const n = Number(values.rows);
const rounds = Number(values.rounds);

const load = loadavg()[0];
const runtime = await startWorkerd();
const call = async (object, method, ...args) => {
  const answer = await rpcCall(runtime.url, object, "bench", method, ...args);
  if ("error" in answer) throw new Error(`${object}.${method}: ${answer.error}`);
  return answer.ok;
};
const time = async (f) => {
  const started = performance.now();
  await f();
  return performance.now() - started;
};

const steps = [
  ["insert one by one", (o) => call(o, "reset").then(() => call(o, "insertEach", n))],
  ["insert in one transaction", (o) => call(o, "reset").then(() => call(o, "insertBatch", n, 0))],
  ["read all as typed rows", (o) => call(o, "readAll")],
  ["point lookups", (o) => call(o, "lookup", n, n)],
];

try {
  const times = {};
  // Round 0 warms up (not counted).
  for (let round = 0; round <= rounds; round++) {
    for (const [label, step] of steps) {
      const objects = round % 2 === 0 ? ["JS_SQL_BENCH", "SQL_BENCH"] : ["SQL_BENCH", "JS_SQL_BENCH"];
      for (const object of objects) {
        const ms = await time(() => step(object));
        if (round > 0) (times[`${label}/${object}`] ??= []).push(ms);
      }
    }
  }
  const spread = (xs) => `[${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}]`.padEnd(15);
  console.log(`runtime: plain workerd, storage on ${process.env.DURABLE_BENCH_STORAGE || "disk"}; ${n} rows; medians of ${rounds} rounds [min-max]; load average (1 min) ${load.toFixed(2)} -> ${loadavg()[0].toFixed(2)} on ${cpus().length} cores`);
  for (const [label] of steps) {
    const js = times[`${label}/JS_SQL_BENCH`];
    const rust = times[`${label}/SQL_BENCH`];
    console.log(
      `  ${label.padEnd(28)} JS ${median(js).toFixed(1).padStart(8)} ms ${spread(js)} Rust ${median(rust).toFixed(1).padStart(8)} ms ${spread(rust)} ${(median(js) / median(rust)).toFixed(2)}x`,
    );
  }
} finally {
  await runtime.stop();
}
