// The benchmarks still run end to end on plain workerd, each with storage on
// disk and on tmpfs (a few calls only: this checks the benchmarks and their
// table, it does not measure). The workers-rs counter is built (once; later
// runs find it up to date) and its fetch column is checked too, unless the
// build cannot run here, which the table must then say.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

import { ROOT } from "./harness.mjs";

test("bench/all.mjs runs every benchmark on disk and on tmpfs and prints one table of ratios", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["bench/all.mjs", "--quick"], { cwd: ROOT, timeout: 900_000 });
  const cell = String.raw`([\d.]+x|-)`;
  const rows = [...stdout.matchAll(new RegExp(String.raw`^ {2}(.+?)\s+${cell}\s+${cell}\s+${cell}\s+${cell}$`, "gm"))];
  // 8 RPC (increment, 10 KB value, 10 KB result, CPU-bound search; each
  // JS -> Rust and Rust -> Rust), 4 SQL, 2 WebSocket, 3 fetch (1, 10, 64 at
  // once), 3 RPC calls from objects.mjs (nop, increment, sync-KV increment)
  // and 2 more object rows, each with an SDK / JS figure on disk and on tmpfs.
  assert.equal(rows.length, 22, stdout);
  assert.ok(rows.some((r) => r[1].startsWith("RPC 10 KB result, JS -> Rust")), stdout);
  const ratio = (c) => Number(c.slice(0, -1));
  // Every speed ratio is a figure; the memory row may say "-" when a side's
  // growth was within the noise of resident memory (a --quick run loads few).
  const memory = (r) => r[1].startsWith("resident memory");
  assert.ok(rows.filter((r) => !memory(r)).every((r) => ratio(r[2]) > 0 && ratio(r[3]) > 0), stdout);
  assert.ok(rows.filter(memory).every((r) => [r[2], r[3]].every((c) => c === "-" || ratio(c) > 0)), stdout);
  assert.deepEqual(
    rows.filter((r) => r[1].startsWith("RPC CPU-bound search")).map((r) => r[1].trim()),
    ["RPC CPU-bound search, JS -> Rust", "RPC CPU-bound search, Rust -> Rust (typed stub)"],
    stdout,
  );
  // workers-rs / JS: on the fetch rows only, unless its build could not run.
  const fetchRows = rows.filter((r) => r[1].startsWith("fetch, storage get + put"));
  assert.equal(fetchRows.length, 3, stdout);
  if (/the workers-rs counter could not be built/.test(stdout)) {
    assert.ok(rows.every((r) => r[4] === "-" && r[5] === "-"), stdout);
  } else {
    assert.ok(fetchRows.every((r) => ratio(r[4]) > 0 && ratio(r[5]) > 0), stdout);
    assert.ok(rows.filter((r) => !fetchRows.includes(r)).every((r) => r[4] === "-" && r[5] === "-"), stdout);
  }
  assert.match(stdout, /machine load \(1-minute average/);
  assert.match(stdout, /objects\.mjs on tmpfs: load /);
});

test("bench/profile.mjs samples each worker on one benchmark path and says where its time went", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["bench/profile.mjs", "--path", "/counter/bench?payload=10k&calls=300&name=profile-smoke", "--workers", "rust-front,durable-examples", "--top", "5"],
    { cwd: ROOT, timeout: 300_000 },
  );
  assert.match(stdout, /^\/counter\/bench\?payload=10k&calls=300&name=profile-smoke: 200 300 in \d+ ms$/m, stdout);
  for (const worker of ["rust-front", "durable-examples"]) {
    assert.match(stdout, new RegExp(String.raw`^${worker}: \d+ samples, \d+ not idle`, "m"), stdout);
  }
  // The object spends part of its time in Wasm (reading the 10 KB value).
  assert.match(stdout, /^durable-examples: [^\n]*\n {2}by kind: [^\n]*Wasm \d+\.\d%/m, stdout);
});
