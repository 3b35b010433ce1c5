// From `durable new` to `wrangler deploy --dry-run`, in a temporary directory,
// with the real tools: the scaffold builds, serves under `wrangler dev` (its
// own generated test calls it), dry-run deploys with no edits; then a class is
// added, renamed and deleted, and each time `durable build` refuses a stale
// wrangler.jsonc until `durable config` has written the binding and migration.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { ROOT, tempDir } from "./harness.mjs";

const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, "target");
// Built by scripts/build.sh (`cargo run --release -p durable-cli`).
const DURABLE = join(TARGET, "release", "durable");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

const env = {
  ...process.env,
  // The scaffold's build command is `durable build`: the tool on PATH, as after `cargo install`.
  PATH: `${join(TARGET, "release")}:${process.env.PATH}`,
  // Share compiled dependencies with the repository's build.
  CARGO_TARGET_DIR: TARGET,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_API_TOKEN: "",
  NO_COLOR: "1",
};
// The project's own test runs under a test runner of its own, not as a subtest of this one.
delete env.NODE_TEST_CONTEXT;

/** Runs a command; resolves to { code, output } (stdout + stderr), never rejects on exit codes. */
function run(command, args, cwd, timeout = 600_000) {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

let dir;
let project;
const config = () => readFileSync(join(project, "wrangler.jsonc"), "utf8");
const durable = (...args) => run(DURABLE, args, project);

before(async () => {
  dir = tempDir("durable-scaffold-");
  project = join(dir.path, "hello-counter");
  const { code, output } = await run(DURABLE, ["new", project], dir.path);
  assert.equal(code, 0, output);
  // What `npm install` would put there: the same pinned wrangler.
  symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"));
});
after(() => dir?.cleanup());

test("durable new writes a crate, a worker, wrangler.jsonc with the class's binding and migration, and a test", () => {
  for (const file of ["Cargo.toml", "src/lib.rs", "wrangler.jsonc", "package.json", "tests/worker.test.mjs", ".dev.vars", ".gitignore", "README.md"]) {
    assert.ok(existsSync(join(project, file)), `missing ${file}`);
  }
  const text = config();
  assert.match(text, /^\/\/ The worker `hello-counter`/);
  assert.match(text, /\{ "name": "COUNTER", "class_name": "Counter" \}/);
  assert.match(text, /\{ "tag": "v1", "new_sqlite_classes": \["Counter"\] \}/);
  assert.match(readFileSync(join(project, "src/lib.rs"), "utf8"), /counter\.increment\(1\)\.await\?/);
});

test("durable new refuses a directory that is not empty", async () => {
  const { code, output } = await run(DURABLE, ["new", project], dir.path);
  assert.equal(code, 1);
  assert.match(output, /already exists and is not empty/);
});

test("the new project builds, serves under wrangler dev and answers over typed RPC (its own test)", { timeout: 900_000 }, async () => {
  const { code, output } = await run("node", ["--test", "tests/"], project, 900_000);
  assert.equal(code, 0, output);
  assert.match(output, /# pass 1/);
});

test("the new project passes wrangler deploy --dry-run with no edits", { timeout: 600_000 }, async () => {
  const before = config();
  const { code, output } = await run(WRANGLER, ["deploy", "--dry-run", "--outdir", join(dir.path, "out")], project);
  assert.equal(code, 0, output);
  assert.match(output, /env\.COUNTER \(Counter\)/);
  assert.match(output, /--dry-run: exiting now/);
  assert.equal(config(), before, "the build changed wrangler.jsonc");
});

const chatRoom = (attributes = "") => `
#[durable_object${attributes}]
pub struct CLASS {
    _state: State,
}

#[durable_object]
impl CLASS {
    pub fn new(state: State, _env: Env) -> Self {
        Self { _state: state }
    }
}
`;

test("a new class: build refuses the stale config with a diff; durable config writes it once", { timeout: 600_000 }, async () => {
  const lib = join(project, "src/lib.rs");
  const original = readFileSync(lib, "utf8");
  writeFileSync(join(project, "lib.rs.orig"), original);
  appendFileSync(lib, chatRoom().replaceAll("CLASS", "ChatRoom"));
  const stale = config();

  const build = await durable("build");
  assert.equal(build.code, 1, build.output);
  assert.match(build.output, /wrangler\.jsonc is out of date with the classes the code declares/);
  assert.match(build.output, /\+ {4}\{ "tag": "v2", "new_sqlite_classes": \["ChatRoom"\] \}/);
  assert.match(build.output, /run `durable config` to write it/);
  assert.equal(config(), stale, "build must not write the config");

  const check = await durable("config", "--check");
  assert.equal(check.code, 1, check.output);
  assert.equal(config(), stale, "--check must not write the config");

  const write = await durable("config");
  assert.equal(write.code, 0, write.output);
  const written = config();
  assert.match(written, /\{ "name": "CHAT_ROOM", "class_name": "ChatRoom" \}/);
  assert.match(written, /\{ "tag": "v2", "new_sqlite_classes": \["ChatRoom"\] \}/);
  assert.ok(written.startsWith(stale.split("\n{")[0]), "the leading comment was lost");
  for (const line of stale.split("\n").filter((l) => l.trim() && !l.trim().endsWith("}"))) {
    assert.ok(written.includes(line), `line lost: ${line}`);
  }

  const again = await durable("config");
  assert.equal(again.code, 0, again.output);
  assert.match(again.output, /up to date \(2 classes\)/);
  assert.equal(config(), written, "a second run changed the file");
  assert.equal((await durable("config", "--check")).code, 0);
  assert.equal((await durable("build")).code, 0);
});

test("a rename writes renamed_classes, and the binding follows", { timeout: 600_000 }, async () => {
  const lib = join(project, "src/lib.rs");
  const original = readFileSync(join(project, "lib.rs.orig"), "utf8");
  writeFileSync(lib, original + chatRoom('(renamed_from = "ChatRoom")').replaceAll("CLASS", "Room"));
  const build = await durable("build");
  assert.equal(build.code, 1, build.output);
  assert.match(build.output, /rename `ChatRoom` to `Room`/);

  const write = await durable("config");
  assert.equal(write.code, 0, write.output);
  const written = config();
  assert.match(written, /\{ "tag": "v3", "renamed_classes": \[\{ "from": "ChatRoom", "to": "Room" \}\] \}/);
  assert.match(written, /\{ "name": "CHAT_ROOM", "class_name": "Room" \}/);
  assert.match(written, /\{ "tag": "v2", "new_sqlite_classes": \["ChatRoom"\] \}/, "an applied migration was edited");

  const deploy = await run(WRANGLER, ["deploy", "--dry-run", "--outdir", join(dir.path, "out")], project);
  assert.equal(deploy.code, 0, deploy.output);
  assert.match(deploy.output, /env\.CHAT_ROOM \(Room\)/);
});

test("removing a class is refused, naming the data lost; --delete writes deleted_classes", { timeout: 600_000 }, async () => {
  writeFileSync(join(project, "src/lib.rs"), readFileSync(join(project, "lib.rs.orig"), "utf8"));
  const before = config();
  const refused = await durable("config");
  assert.equal(refused.code, 1, refused.output);
  assert.match(refused.output, /class `Room` exists \(migration `v3`\) but the code no longer declares it/);
  assert.match(refused.output, /destroys every `Room` object and all of its stored data/);
  assert.match(refused.output, /left untouched/);
  assert.equal(config(), before);

  const deleted = await durable("config", "--delete", "Room");
  assert.equal(deleted.code, 0, deleted.output);
  assert.match(deleted.output, /WARNING: migration `v4` deletes class `Room`: once deployed, every `Room` object and all of its stored data/);
  const written = config();
  assert.match(written, /\{ "tag": "v4", "deleted_classes": \["Room"\] \}/);
  assert.doesNotMatch(written, /CHAT_ROOM/);
  assert.equal((await durable("config", "--check")).code, 0);

  const deploy = await run(WRANGLER, ["deploy", "--dry-run", "--outdir", join(dir.path, "out")], project);
  assert.equal(deploy.code, 0, deploy.output);
});

test("bad input: malformed JSONC, a class created twice, two classes with one name; the file is left untouched", { timeout: 600_000 }, async () => {
  const good = config();
  const path = join(project, "wrangler.jsonc");

  writeFileSync(path, good.replace('"main": "dist/worker.mjs",', '"main": "dist/worker.mjs"'));
  const broken = config();
  const malformed = await durable("config");
  assert.equal(malformed.code, 1, malformed.output);
  const line = broken.split("\n").findIndex((l) => l.includes('"compatibility_date"')) + 1;
  assert.match(malformed.output, new RegExp(`wrangler\\.jsonc:${line}:3: not valid JSONC: expected \`,\` or \`\\}\``));
  assert.equal(config(), broken);

  writeFileSync(path, good.replace('{ "tag": "v4", "deleted_classes": ["Room"] }', '{ "tag": "v4", "deleted_classes": ["Room"] },\n    { "tag": "v5", "new_classes": ["Counter"] }'));
  const twice = config();
  const created = await durable("config");
  assert.equal(created.code, 1, created.output);
  const v5 = twice.split("\n").findIndex((l) => l.includes('"v5"')) + 1;
  assert.match(created.output, new RegExp(`wrangler\\.jsonc:${v5}:\\d+: class \`Counter\` is created twice: migration \`v1\``));
  assert.equal(config(), twice);
  writeFileSync(path, good);

  const lib = join(project, "src/lib.rs");
  writeFileSync(lib, readFileSync(join(project, "lib.rs.orig"), "utf8") + chatRoom('(name = "Counter")').replaceAll("CLASS", "Other"));
  const clash = await durable("config");
  assert.equal(clash.code, 1, clash.output);
  const lines = readFileSync(lib, "utf8").split("\n");
  const at = (struct) => lines.findIndex((l) => l.startsWith(`pub struct ${struct} `)) + 1;
  assert.ok(
    clash.output.includes(`\`Counter\` (src/lib.rs:${at("Counter")}) and \`Other\` (src/lib.rs:${at("Other")}) are both exported as the JavaScript class \`Counter\``),
    clash.output,
  );
  assert.equal(config(), good);
  writeFileSync(lib, readFileSync(join(project, "lib.rs.orig"), "utf8"));
});

test("an environment gets its own binding of each class; wrangler deploys it with --env", { timeout: 600_000 }, async () => {
  const path = join(project, "wrangler.jsonc");
  writeFileSync(path, config().replace('  "build": {', '  // Staging: a worker of its own.\n  "env": {\n    "staging": {\n      "vars": { "STAGE": "staging" }\n    }\n  },\n  "build": {'));
  const write = await durable("config");
  assert.equal(write.code, 0, write.output);
  assert.match(write.output, /binding `COUNTER` \(env\.staging\) -> class `Counter`/);
  assert.match(config(), /"vars": \{ "STAGE": "staging" \},\n {6}"durable_objects": \{\n {8}"bindings": \[\n {10}\{ "name": "COUNTER", "class_name": "Counter" \}/);
  assert.match(config(), /\/\/ Staging: a worker of its own\./);
  const deploy = await run(WRANGLER, ["deploy", "--dry-run", "--env", "staging", "--outdir", join(dir.path, "out")], project);
  assert.equal(deploy.code, 0, deploy.output);
  assert.match(deploy.output, /env\.COUNTER \(Counter\)/);
  assert.match(deploy.output, /env\.STAGE \("staging"\)/);
});
