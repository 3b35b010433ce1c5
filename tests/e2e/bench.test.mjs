// The benchmarks still run end to end on plain workerd, each with storage on
// disk and on tmpfs (a few calls only: this checks the benchmarks and their
// table, it does not measure).

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

import { ROOT } from "./harness.mjs";

test("bench/all.mjs runs every benchmark on disk and on tmpfs and prints one table of ratios", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["bench/all.mjs", "--quick"], { cwd: ROOT, timeout: 600_000 });
  const rows = [...stdout.matchAll(/^ {2}(.+?)\s+([\d.]+)x\s+([\d.]+)x$/gm)];
  // 4 RPC, 4 SQL, 2 WebSocket and 3 object rows, each with a disk and a tmpfs figure.
  assert.equal(rows.length, 13, stdout);
  assert.ok(rows.every((r) => Number(r[2]) > 0 && Number(r[3]) > 0), stdout);
  assert.match(stdout, /machine load \(1-minute average/);
  assert.match(stdout, /objects\.mjs on tmpfs: load /);
});
