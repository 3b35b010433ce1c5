// The TypeScript declarations `durable build` writes (dist/classes.d.ts) type a
// TypeScript caller: `tsc` accepts a correct worker and rejects a wrong one at
// exactly the wrong lines.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

import { ROOT } from "./harness.mjs";

const TSC_FLAGS = [
  "--noEmit", "--strict", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler",
  "--lib", "es2022", "--types", "@cloudflare/workers-types",
];

async function tsc(file) {
  try {
    await promisify(execFile)(join(ROOT, "node_modules", ".bin", "tsc"), [...TSC_FLAGS, file], { cwd: ROOT, timeout: 120_000 });
    return { code: 0, output: "" };
  } catch (error) {
    return { code: error.code, output: String(error.stdout) + String(error.stderr) };
  }
}

test("tsc accepts a correct TypeScript caller", async () => {
  const { code, output } = await tsc("tests/ts/good.ts");
  assert.equal(code, 0, output);
});

test("tsc rejects a wrong TypeScript caller at each mistake", async () => {
  const { code, output } = await tsc("tests/ts/bad.ts");
  assert.notEqual(code, 0);
  const errors = [...output.matchAll(/^tests\/ts\/bad\.ts\((\d+),\d+\): error (TS\d+)/gm)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(errors, ["12 TS2345", "13 TS2322", "14 TS2339", "16 TS2345", "17 TS2322", "18 TS2345"], output);
});
