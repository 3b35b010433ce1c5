// `wrangler deploy --dry-run` accepts the repository's wrangler.jsonc and bundle.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

import { ROOT, tempDir } from "./harness.mjs";

test("wrangler deploy --dry-run succeeds on wrangler.jsonc", async () => {
  const dir = tempDir("durable-deploy-");
  try {
    const { stdout, stderr } = await promisify(execFile)(
      join(ROOT, "node_modules", ".bin", "wrangler"),
      ["deploy", "--dry-run", "--outdir", dir.path],
      {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_API_TOKEN: "", NO_COLOR: "1" },
        timeout: 300_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const output = stdout + stderr;
    assert.match(output, /--dry-run: exiting now/);
    for (const binding of ["env.COUNTER (Counter)", "env.LOCATION (Location)", "env.CACHED_COUNTER (CachedCounter)"]) {
      assert.ok(output.includes(binding), `missing ${binding} in:\n${output}`);
    }
    assert.ok(existsSync(join(dir.path, "worker.js")), "no bundle written");
  } finally {
    dir.cleanup();
  }
});
