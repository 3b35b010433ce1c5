// `durable config --to-exports` on a copy of the repository's wrangler.jsonc
// (which stays on `migrations`): the converted config keeps every line outside
// `migrations`, is up to date for the examples' classes, passes `wrangler
// deploy --dry-run`, and serves the examples on the real runtime, where the
// `storage` of each `exports` entry is what makes a class SQLite-backed.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { ROOT, rpcCall, startRuntime, stripJsonComments, tempDir, testConfig, uniqueName } from "./harness.mjs";

const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, "target");
// Built by scripts/build.sh (`cargo run --release -p durable-objects-cli`).
const DURABLE = join(TARGET, "release", "durable");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_API_TOKEN: "", NO_COLOR: "1" };

/** Runs a command in the repository; resolves to { code, output }, never rejects on exit codes. */
function run(command, args) {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

let dir;
let copy;
const original = readFileSync(join(ROOT, "wrangler.jsonc"), "utf8");
const converted = () => readFileSync(copy, "utf8");

/**
 * The converted config as wrangler gets it in these tests: the prebuilt
 * bundle (absolute `main`, no build step), as JSON. `edit` changes it first.
 */
function deployable(name, edit = (text) => text) {
  const config = JSON.parse(stripJsonComments(edit(converted())));
  delete config.build;
  delete config.$schema;
  config.main = join(ROOT, config.main);
  const path = join(dir.path, `${name}.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

before(() => {
  dir = tempDir("durable-exports-");
  copy = join(dir.path, "wrangler.jsonc");
  copyFileSync(join(ROOT, "wrangler.jsonc"), copy);
});
after(() => dir?.cleanup());

test("durable config --to-exports converts a copy of the repository's config, keeping everything but `migrations`", { timeout: 600_000 }, async () => {
  const check = await run(DURABLE, ["config", "--check", "-c", copy, "-p", "durable-examples"]);
  assert.equal(check.code, 0, check.output);
  assert.match(check.output, /bindings and migrations are up to date \(21 classes\)/);

  const { code, output } = await run(DURABLE, ["config", "--to-exports", "-c", copy, "-p", "durable-examples"]);
  assert.equal(code, 0, output);
  assert.match(output, /`migrations` \(13 entries\) -> `exports`: SQLite-backed `Counter`, `Location`/);
  const text = converted();
  assert.doesNotMatch(text, /"migrations"/);
  assert.match(text, /\n {2}"exports": \{\n {4}"Counter": \{ "type": "durable-object", "storage": "sqlite" \},\n/);
  // Every line outside the migrations array is kept, comments included.
  const lines = original.split("\n");
  const start = lines.findIndex((l) => l.includes('"migrations": ['));
  const end = lines.findIndex((l, i) => i > start && l.trim().startsWith("]"));
  let rest = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (i >= start && i <= end) continue;
    const at = rest.indexOf(line);
    assert.ok(at >= 0, `line ${i + 1} lost: ${line}`);
    rest = rest.slice(at + 1);
  }
  // One entry per class that the migrations leave.
  const exported = Object.keys(JSON.parse(stripJsonComments(text)).exports);
  const bound = JSON.parse(stripJsonComments(original)).durable_objects.bindings.filter((b) => !b.script_name).map((b) => b.class_name);
  assert.deepEqual(exported.toSorted(), bound.toSorted());

  const after = await run(DURABLE, ["config", "--check", "-c", copy, "-p", "durable-examples"]);
  assert.equal(after.code, 0, after.output);
  assert.match(after.output, /bindings and exports are up to date \(21 classes\)/);
  const again = await run(DURABLE, ["config", "--to-exports", "-c", copy, "-p", "durable-examples"]);
  assert.equal(again.code, 0, again.output);
  assert.match(again.output, /already declares its Durable Objects in `exports`: nothing to convert/);
  assert.equal(converted(), text);
});

test("wrangler deploy --dry-run accepts the converted config, and refuses it broken", { timeout: 300_000 }, async () => {
  const deploy = await run(WRANGLER, ["deploy", "--dry-run", "--outdir", join(dir.path, "out"), "-c", deployable("converted")]);
  assert.equal(deploy.code, 0, deploy.output);
  assert.match(deploy.output, /env\.NOTES \(Notes\)/);
  assert.match(deploy.output, /--dry-run: exiting now/);
  assert.doesNotMatch(deploy.output, /no live `exports` entry/);
  // The dry run does read `exports`: a bad entry fails it.
  const broken = deployable("broken", (t) => t.replace('"Notes": { "type": "durable-object", "storage": "sqlite" }', '"Notes": { "type": "durable-object", "state": "renamed" }'));
  const refused = await run(WRANGLER, ["deploy", "--dry-run", "--outdir", join(dir.path, "out"), "-c", broken]);
  assert.notEqual(refused.code, 0, refused.output);
  assert.match(refused.output, /exports\.Notes\.renamed_to/);
});

test("the converted config serves the examples: SQL storage comes from `exports`", { timeout: 300_000 }, async () => {
  const caller = testConfig(dir.path, "examples/js-caller/wrangler.jsonc");
  const sql = async (config) => {
    const runtime = await startRuntime({ config: [caller, config], persistDir: join(dir.path, `state-${uniqueName("s")}`) });
    try {
      return await rpcCall(runtime.url, "NOTES", uniqueName("exports"), "stats");
    } finally {
      await runtime.stop();
    }
  };
  const stats = await sql(deployable("examples"));
  assert.ok(!("error" in stats), stats.error);
  assert.equal(stats.ok.schemaVersion, 3);
  // The same class declared key-value-backed has no SQL: the runtime follows the entry.
  const kv = await sql(deployable("examples", (t) => t.replace('"Notes": { "type": "durable-object", "storage": "sqlite" }', '"Notes": { "type": "durable-object", "storage": "legacy-kv" }')));
  assert.ok("error" in kv, JSON.stringify(kv));
  assert.match(kv.error, /SQL/i);
});
