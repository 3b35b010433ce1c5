// SQL storage, the same work in one run on plain workerd, JavaScript object
// vs Rust object (`JsSqlBench` vs `SqlBench`): insert N rows one statement at
// a time, insert N rows in one transaction, read them all back as typed rows,
// and N point lookups by key. Each step is one RPC call doing all the work, so
// the call itself is noise. Prints the best time of each step and the speed
// ratio to JavaScript (1.00x = as fast; below 1 = slower).
//
// Usage: node bench/sql.mjs [--rows 10000] [--rounds 3]   (after scripts/build.sh)

import { parseArgs } from "node:util";

import { rpcCall } from "../tests/e2e/harness.mjs";
import { startWorkerd } from "./workerd.mjs";

const { values } = parseArgs({
  options: { rows: { type: "string", default: "10000" }, rounds: { type: "string", default: "3" } },
});
const n = Number(values.rows);
const rounds = Number(values.rounds);

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
  const best = {};
  for (let round = 0; round < rounds; round++) {
    for (const [label, step] of steps) {
      for (const object of ["JS_SQL_BENCH", "SQL_BENCH"]) {
        const ms = await time(() => step(object));
        const key = `${label}/${object}`;
        best[key] = Math.min(best[key] ?? Infinity, ms);
      }
    }
  }
  console.log(`runtime: plain workerd; ${n} rows; best of ${rounds} rounds`);
  for (const [label] of steps) {
    const js = best[`${label}/JS_SQL_BENCH`];
    const rust = best[`${label}/SQL_BENCH`];
    console.log(`  ${label.padEnd(28)} JS ${js.toFixed(1).padStart(8)} ms   Rust ${rust.toFixed(1).padStart(8)} ms   ${(js / rust).toFixed(2)}x`);
  }
} finally {
  await runtime.stop();
}
