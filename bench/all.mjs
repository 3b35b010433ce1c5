// Every benchmark in one command, with storage on disk and on tmpfs: runs
// rpc.mjs, sql.mjs, ws.mjs and objects.mjs one after the other (each compares
// the same work done by a JavaScript Durable Object and by this SDK's, in one
// run on plain workerd, rounds interleaved), then prints one table of speed
// ratios, SDK / JavaScript (above 1.00x: the Rust object is faster), with the
// machine's load average beside each benchmark. The fetch rows have a second
// ratio, workers-rs / JavaScript: the same counter written with workers-rs
// 0.8.7 (bench/workers-rs, built first; its column says why when it is left
// out).
//
// Usage: node bench/all.mjs [--quick] [--storage disk,tmpfs]   (after scripts/build.sh)
//   --quick: a few calls per benchmark (a smoke run: checks, does not measure)

import { execFile } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { promisify } from "node:util";

import { tryBuildWorkersRs } from "./workers-rs/build.mjs";

const { values } = parseArgs({
  options: { quick: { type: "boolean", default: false }, storage: { type: "string", default: "disk,tmpfs" } },
});
const quick = values.quick;
const benches = [
  { file: "rpc.mjs", args: quick ? ["--calls", "20", "--search-calls", "3", "--rounds", "1"] : [] },
  { file: "sql.mjs", args: quick ? ["--rows", "50", "--rounds", "1"] : [] },
  { file: "ws.mjs", args: quick ? ["--messages", "20", "--sockets", "5", "--broadcasts", "5", "--rounds", "1"] : [] },
  { file: "objects.mjs", args: quick ? ["--calls", "20", "--rpc-calls", "20", "--objects", "5", "--rounds", "1"] : [] },
];

/**
 * The rows of one benchmark's output as { label, ratio, workersRs? }, every
 * ratio turned into "SDK speed / JavaScript speed". rpc.mjs prints rates
 * against its first row (the JavaScript object); sql.mjs prints JS time / Rust
 * time; ws.mjs Rust rate / JS rate; objects.mjs Rust / JS for times and for
 * memory (memory is kept as Rust / JS: lower is better, and said so), and for
 * fetch rows workers-rs / JS times too, turned into `workersRs`, a speed ratio.
 */
export function ratios(file, stdout) {
  const rows = [];
  let section = "";
  for (const line of stdout.split("\n")) {
    if (/^payload: /.test(line)) section = /weigh/.test(line) ? "10 KB value" : /sampleBatch/.test(line) ? "10 KB result" : /search/.test(line) ? "CPU-bound search" : "increment(1)";
    const rpc = /^ {2}(.+?)\s+\d+ calls\/s\s+([\d.]+)x$/.exec(line);
    if (file === "rpc.mjs" && rpc && !rpc[1].startsWith("JS worker -> JS object")) {
      const who = rpc[1].startsWith("JS worker") ? "JS -> Rust" : "Rust -> Rust (typed stub)";
      rows.push({ label: `RPC ${section}, ${who}`, ratio: Number(rpc[2]) });
    }
    const sql = /^ {2}(.+?)\s+JS\s+[\d.]+ ms\s+(?:\[[\d.-]+\]\s+)?Rust\s+[\d.]+ ms\s+(?:\[[\d.-]+\]\s+)?([\d.]+)x$/.exec(line);
    if (file === "sql.mjs" && sql) rows.push({ label: `SQL ${sql[1].trim()}`, ratio: Number(sql[2]) });
    const ws = /^ {2}(echo|broadcast)\s+JS\s+\d+\s+Rust\s+\d+ .*?([\d.]+)x$/.exec(line);
    if (file === "ws.mjs" && ws) rows.push({ label: `WebSocket ${ws[1]}`, ratio: Number(ws[2]) });
    const obj = /^ {2}(.+?)\s+JS\s+[\d.]+ (µs|KiB)\s+(?:\[[\d.-]+\]\s+)?Rust\s+[\d.-]+ (?:µs|KiB)\s+(?:\[[\d.-]+\]\s+)?Rust\/JS ([\d.-]+)x(?:\s+workers-rs\s+[\d.]+ µs\s+workers-rs\/JS ([\d.]+)x)?$/.exec(line);
    if (file === "objects.mjs" && obj) {
      const memory = obj[2] === "KiB";
      const r = Number(obj[3]);
      // A memory ratio at or below zero means one side's growth was within
      // the noise of resident memory: no ratio ("-"), not a figure.
      const ratio = memory ? (r > 0 ? r : undefined) : 1 / r;
      const row = { label: memory ? `${obj[1].trim()} (Rust/JS, lower is better)` : obj[1].trim(), ratio };
      if (obj[4] !== undefined) row.workersRs = 1 / Number(obj[4]);
      rows.push(row);
    }
  }
  return rows;
}

async function main() {
  const storages = values.storage.split(",").filter(Boolean);
  const table = new Map(); // label -> { storage: ratio, "workers-rs storage": ratio }
  const loads = [];
  const buildLoad = loadavg()[0];
  const workersRs = await tryBuildWorkersRs();
  const workersRsNote = workersRs.skipped
    ? `the workers-rs counter could not be built, so its column is left out: ${workersRs.skipped}`
    : `workers-rs counter: ${workersRs.built ? `built in ${workersRs.seconds.toFixed(0)} s` : "build up to date"}`;
  console.log(workersRsNote);
  if (workersRs.built) loads.push(`building the workers-rs counter: load ${buildLoad.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`);
  for (const storage of storages) {
    for (const bench of benches) {
      const before = loadavg()[0];
      const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, bench.file), ...bench.args], {
        env: { ...process.env, DURABLE_BENCH_STORAGE: storage },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 3_600_000,
      });
      loads.push(`${bench.file} on ${storage}: load ${before.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`);
      const rows = ratios(bench.file, stdout);
      if (rows.length === 0) throw new Error(`${bench.file} printed no rows:\n${stdout}`);
      for (const { label, ratio, workersRs } of rows) {
        if (!table.has(label)) table.set(label, {});
        table.get(label)[storage] = ratio;
        if (workersRs !== undefined) table.get(label)[`workers-rs ${storage}`] = workersRs;
      }
    }
  }
  // Columns: SDK / JS on each storage, then workers-rs / JS on each storage.
  const columns = [...storages, ...storages.map((s) => `workers-rs ${s}`)];
  const cell = (ratio) => (ratio === undefined ? "-" : `${ratio.toFixed(2)}x`).padStart(8);
  console.log(`\nspeed ratios, above 1.00x: faster than JavaScript${quick ? " [--quick: a smoke run, not a measurement]" : ""}`);
  console.log(`  ${"".padEnd(60)} ${"SDK / JS".padEnd(8 * storages.length + storages.length - 1)} workers-rs / JS`);
  console.log(`  ${"".padEnd(60)} ${columns.map((c) => c.replace("workers-rs ", "").padStart(8)).join(" ")}`);
  for (const [label, byColumn] of table) {
    console.log(`  ${label.padEnd(60)} ${columns.map((c) => cell(byColumn[c])).join(" ")}`);
  }
  if (workersRs.skipped) console.log(`  (${workersRsNote.split("\n")[0]})`);
  console.log(`\nmachine load (1-minute average, ${(await import("node:os")).cpus().length} cores), before -> after each benchmark:`);
  for (const line of loads) console.log(`  ${line}`);
}

await main();
