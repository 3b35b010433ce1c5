// The benchmarks still run end to end on plain workerd (a few calls only:
// this checks the benchmarks, they do not measure here).

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

import { ROOT } from "./harness.mjs";

test("bench/rpc.mjs runs on plain workerd and reports ratios", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["bench/rpc.mjs", "--calls", "20", "--rounds", "1"], {
    cwd: ROOT,
    timeout: 300_000,
  });
  assert.match(stdout, /runtime: plain workerd/);
  const rows = [...stdout.matchAll(/^ {2}(.+?)\s+(\d+) calls\/s\s+([\d.]+)x$/gm)];
  assert.equal(rows.length, 6, stdout);
  assert.ok(rows.every((r) => Number(r[2]) > 0), stdout);
  assert.equal(rows[0][3], "1.00");
});

test("bench/sql.mjs runs on plain workerd and reports ratios", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["bench/sql.mjs", "--rows", "50", "--rounds", "1"], {
    cwd: ROOT,
    timeout: 300_000,
  });
  const rows = [...stdout.matchAll(/^ {2}(.+?)\s+JS\s+([\d.]+) ms\s+Rust\s+([\d.]+) ms\s+([\d.]+)x$/gm)];
  assert.equal(rows.length, 4, stdout);
});

test("bench/ws.mjs runs on plain workerd and reports ratios", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["bench/ws.mjs", "--messages", "20", "--sockets", "5", "--broadcasts", "5", "--rounds", "1"],
    { cwd: ROOT, timeout: 300_000 },
  );
  const rows = [...stdout.matchAll(/^ {2}(echo|broadcast)\s+JS\s+(\d+)\s+Rust\s+(\d+) .*?([\d.]+)x$/gm)];
  assert.equal(rows.length, 2, stdout);
});

test("bench/objects.mjs runs on plain workerd and reports ratios", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["bench/objects.mjs", "--calls", "20", "--objects", "5", "--rounds", "1"],
    { cwd: ROOT, timeout: 300_000 },
  );
  assert.match(stdout, /load average/);
  const rows = [...stdout.matchAll(/^ {2}(.+?)\s+JS\s+([\d.]+) (µs|KiB)\s+Rust\s+([\d.-]+) (µs|KiB)\s+Rust\/JS ([\d.-]+)x$/gm)];
  assert.equal(rows.length, 3, stdout);
});
