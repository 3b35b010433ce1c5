// What a small project's object costs: the Counter `durable new` writes
// (a storage get, put and setAlarm per `increment`), beside the same object
// in JavaScript (bench/scaffold/js-counter.mjs), in one run on plain
// workerd, each in a worker of its own, called by a JavaScript front worker
// (bench/scaffold/front.mjs):
//   - creation: `increment(1)` on each of N objects never used before (the
//     object is constructed; in Rust, with its own Wasm instance);
//   - CPU: the CPU time workerd's threads spend per new object (all three
//     workers and storage; less sensitive to the machine's load than time);
//   - memory: the growth of workerd's resident memory per object loaded.
// The examples' module (bench/objects.mjs) is large; this one is what a new
// project starts from. The project is made afresh each run by the `durable`
// tool of this checkout (`durable new --sdk`, then `durable build`) under
// target/bench-scaffold, sharing the repository's target directory.
// Rounds alternate between the two; medians over rounds, with min and max,
// and the 1-minute load average beside.
//
// Usage: node bench/scaffold.mjs [--objects 200] [--rounds 5] [--storage tmpfs|disk]
//                                [--no-build]   (the project as the last run left it)

import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";

import { ROOT, tempDir, testConfig } from "../tests/e2e/harness.mjs";
import { bundle, groupCpuMs, groupRss, median, serve, timed, worker } from "./workerd.mjs";

const { values } = parseArgs({
  options: {
    objects: { type: "string", default: "200" },
    rounds: { type: "string", default: "5" },
    storage: { type: "string", default: process.env.DURABLE_BENCH_STORAGE || "tmpfs" },
    "no-build": { type: "boolean", default: false },
  },
});
const objects = Number(values.objects);
const rounds = Number(values.rounds);

const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, "target");
const PROJECT = join(TARGET, "bench-scaffold", "counter");
const run = (file, args, options = {}) =>
  promisify(execFile)(file, args, { maxBuffer: 64 * 1024 * 1024, timeout: 900_000, ...options }).catch((error) => {
    throw new Error(`${file} ${args.join(" ")} failed:\n${error.stdout ?? ""}${error.stderr || error.message}`);
  });

/** Makes and builds the scaffold project; resolves to the build's seconds. */
async function buildScaffold() {
  const started = performance.now();
  await run(process.env.CARGO || "cargo", ["build", "--quiet", "--release", "-p", "durable-objects-cli"], { cwd: ROOT });
  const durable = join(TARGET, "release", "durable");
  rmSync(PROJECT, { recursive: true, force: true });
  mkdirSync(join(PROJECT, ".."), { recursive: true });
  await run(durable, ["new", PROJECT, "--sdk", ROOT]);
  const env = { ...process.env, CARGO_TARGET_DIR: TARGET, NO_COLOR: "1" };
  await run(durable, ["build"], { cwd: PROJECT, env });
  return (performance.now() - started) / 1000;
}


if (values["no-build"]) console.log(`scaffold counter: as built before (${PROJECT})`);
else console.log(`scaffold counter: built in ${(await buildScaffold()).toFixed(0)} s (${PROJECT})`);
const dir = tempDir("durable-scaffold-bench-");
const storageDir = values.storage === "tmpfs" ? mkdtempSync("/dev/shm/durable-storage-") : join(dir.path, "storage");
let runtime;
try {
  const counter = await bundle(testConfig(dir.path, join(PROJECT, "wrangler.jsonc")), dir.path, "counter");
  /** A worker of this directory's module `file` with the DO bindings `bindings` (capnp text of the service). */
  const jsWorker = (name, file, bindings) => {
    mkdirSync(join(dir.path, name));
    copyFileSync(join(import.meta.dirname, "scaffold", file), join(dir.path, name, "worker.js"));
    const config = { compatibility_date: counter.config.compatibility_date, durable_objects: { bindings } };
    return `(name = "${name}", worker = ${worker(name, { config, modules: [`(name = "worker.js", esModule = embed "${name}/worker.js")`] })})`;
  };
  const services = [
    jsWorker("front", "front.mjs", [
      { name: "JS_COUNTER", class_name: "JsCounter", script_name: "js-counter" },
      { name: "RUST_COUNTER", class_name: "Counter", script_name: "counter" },
    ]),
    jsWorker("js-counter", "js-counter.mjs", [{ name: "JS_COUNTER", class_name: "JsCounter" }]),
    `(name = "counter", worker = ${worker("counter", counter)})`,
  ];
  const load = loadavg()[0];
  runtime = await serve(dir, storageDir, services, "front");
  console.log(`runtime: plain workerd, storage on ${values.storage}; load average (1 min) at start: ${load.toFixed(2)} on ${cpus().length} cores`);
  const createMs = { js: [], rust: [] };
  const rssPerObject = { js: [], rust: [] };
  const cpuPerObject = { js: [], rust: [] };
  for (let round = 0; round <= rounds; round++) {
    for (const target of round % 2 === 0 ? ["js", "rust"] : ["rust", "js"]) {
      const count = round === 0 ? 10 : objects; // round 0 warms up
      const before = groupRss(runtime.pid);
      const cpuBefore = groupCpuMs(runtime.pid);
      const ms = await timed(runtime.url, `/spawn?target=${target}&count=${count}&prefix=r${round}-${target}`, (t) => t === String(count));
      const cpu = groupCpuMs(runtime.pid) - cpuBefore;
      const after = groupRss(runtime.pid);
      if (round > 0) {
        createMs[target].push(ms / count);
        cpuPerObject[target].push(cpu / count);
        rssPerObject[target].push((after - before) / count);
      }
    }
  }
  const spread = (xs, digits) => `[${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}]`;
  const row = (label, unit, js, rust, digits) =>
    console.log(
      `  ${label.padEnd(36)} JS ${median(js).toFixed(digits).padStart(7)} ${unit} ${spread(js, digits).padEnd(13)}` +
        ` Rust ${median(rust).toFixed(digits).padStart(7)} ${unit} ${spread(rust, digits).padEnd(13)} Rust/JS ${(median(rust) / median(js)).toFixed(2)}x`,
    );
  console.log(`\n${rounds} rounds, medians [min-max] (${objects} new objects per round):`);
  row("first call to a new object", "µs", createMs.js.map((x) => x * 1000), createMs.rust.map((x) => x * 1000), 0);
  row("workerd CPU time per new object", "µs", cpuPerObject.js.map((x) => x * 1000), cpuPerObject.rust.map((x) => x * 1000), 0);
  row("resident memory per loaded object", "KiB", rssPerObject.js, rssPerObject.rust, 1);
  console.log(`load average (1 min) at end: ${loadavg()[0].toFixed(2)}`);
} finally {
  await runtime?.stop();
  if (!runtime) {
    dir.cleanup();
    rmSync(storageDir, { recursive: true, force: true });
  }
}
