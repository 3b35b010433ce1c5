// Builds the workers-rs counter (bench/workers-rs/counter) the way
// `worker-build --release` 0.8.7 does, with the tools this project already
// has instead of the ones worker-build downloads:
//
//   1. cargo builds the crate for wasm32-unknown-unknown (release profile);
//   2. wasm-bindgen, `--target module` with worker-build's options, run by the
//      `workers-rs-bindgen` host binary of this workspace (the
//      wasm-bindgen-cli-support library of the same version as the crate's
//      wasm-bindgen: no `cargo install wasm-bindgen-cli`);
//   3. binaryen's wasm-opt (npm `binaryen`), with worker-build's release
//      arguments: `-O`, its feature list, `--debuginfo`;
//   4. the entry module (shim.mjs), bundled with the glue by esbuild (npm)
//      with worker-build's flags, then `import source` made a plain import.
//
// The result (DIR/index.js and DIR/index_bg.wasm, for plain workerd) is
// cached: a build whose inputs have not changed is skipped.
//
// Checked once against worker-build 0.8.7 itself (`cargo install
// worker-build@0.8.7 wasm-bindgen-cli@0.2.130`, run with ESBUILD_BIN,
// WASM_OPT_BIN and WASM_BINDGEN_BIN pointing at these tools): the bindings
// are byte-identical to the wasm-bindgen CLI's, the bundled glue is identical
// to worker-build's (NO_MINIFY), the .wasm differs only in its `producers`
// section (worker-build adds `sdk: workers-rs 0.8.7`), and the entry module
// does the same per call (see shim.mjs). What is not reproduced has no effect
// on a request: package.json and the `build/worker/shim.mjs` alias.
//
// Usage: node bench/workers-rs/build.mjs   (prints the output directory)

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";

import { ROOT } from "../../tests/e2e/harness.mjs";
import { entryModule, glueExports } from "./shim.mjs";

const CRATE_ROOT = import.meta.dirname;
const TARGET = join(ROOT, "target", "workers-rs");
const OUT = join(TARGET, "dist");
const STAMP = join(OUT, "inputs.sha256");
const WASM_OPT = join(ROOT, "node_modules", ".bin", "wasm-opt");
const ESBUILD = join(ROOT, "node_modules", ".bin", "esbuild");
const CARGO = process.env.CARGO || "cargo";

/** The wasm-opt arguments of worker-build 0.8.7 for a release build. */
const WASM_OPT_ARGS = [
  "-O",
  ...["mutable-globals", "sign-ext", "nontrapping-float-to-int", "bulk-memory", "multivalue", "reference-types", "exception-handling"].map((f) => `--enable-${f}`),
  "--debuginfo",
];

const run = (file, args, options = {}) =>
  promisify(execFile)(file, args, { maxBuffer: 64 * 1024 * 1024, timeout: 900_000, ...options }).catch((error) => {
    throw new Error(`${file.startsWith(ROOT) ? relative(ROOT, file) : file} ${args.join(" ")} failed:\n${error.stderr || error.message}`);
  });

/** Every file the build reads from this directory, and this build's own code. */
function inputFiles(dir = CRATE_ROOT) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...inputFiles(path));
    else if (/\.(rs|toml|lock|mjs)$/.test(entry.name)) files.push(path);
  }
  return files.sort();
}

function inputsHash() {
  const hash = createHash("sha256");
  for (const file of inputFiles()) hash.update(relative(CRATE_ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
  return hash.digest("hex");
}

/**
 * Builds the counter if its inputs changed since the last build. Resolves to
 * { dir, built, seconds }: `dir` holds index.js and index_bg.wasm.
 */
export async function buildWorkersRs() {
  const started = performance.now();
  const hash = inputsHash();
  if (existsSync(STAMP) && readFileSync(STAMP, "utf8") === hash && existsSync(join(OUT, "index.js")) && existsSync(join(OUT, "index_bg.wasm"))) {
    return { dir: OUT, built: false, seconds: 0 };
  }
  for (const tool of [WASM_OPT, ESBUILD]) {
    if (!existsSync(tool)) throw new Error(`${relative(ROOT, tool)} is missing: run npm install`);
  }
  const cargo = { cwd: CRATE_ROOT, env: { ...process.env, CARGO_TARGET_DIR: TARGET } };
  await run(CARGO, ["build", "--locked", "--release", "--lib", "-p", "workers-rs-counter", "--target", "wasm32-unknown-unknown"], cargo);
  await run(CARGO, ["build", "--locked", "-p", "workers-rs-bindgen"], cargo);

  const staging = join(TARGET, "staging");
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const wasm = join(TARGET, "wasm32-unknown-unknown", "release", "workers_rs_counter.wasm");
  await run(join(TARGET, "debug", "workers-rs-bindgen"), [wasm, staging]);

  const bgWasm = join(staging, "index_bg.wasm");
  await run(WASM_OPT, [bgWasm, "-o", `${bgWasm}.opt`, ...WASM_OPT_ARGS]);
  renameSync(`${bgWasm}.opt`, bgWasm);

  const glue = readFileSync(join(staging, "index.js"), "utf8");
  const exports = glueExports(glue);
  if (!exports.classes.includes("Counter") || !exports.functions.includes("fetch")) {
    throw new Error(`the glue exports no Counter class or fetch function: ${JSON.stringify(exports)}`);
  }
  writeFileSync(join(staging, "shim.js"), entryModule(exports));
  await run(ESBUILD, ["--external:./index_bg.wasm", "--external:cloudflare:*", "--format=esm", "--bundle", "./shim.js", "--outfile=index.js", "--allow-overwrite", "--minify", "--log-level=warning"], {
    cwd: staging,
  });
  const bundled = readFileSync(join(staging, "index.js"), "utf8");
  writeFileSync(join(staging, "index.js"), bundled.replace("import source ", "import "));

  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  for (const file of ["index.js", "index_bg.wasm"]) renameSync(join(staging, file), join(OUT, file));
  rmSync(staging, { recursive: true, force: true });
  writeFileSync(STAMP, hash);
  return { dir: OUT, built: true, seconds: (performance.now() - started) / 1000 };
}

/**
 * buildWorkersRs(), or { skipped } with the reason when the build fails (for
 * example offline, with the crates not yet fetched): the benchmarks then leave
 * the workers-rs column out rather than fail.
 */
export async function tryBuildWorkersRs() {
  try {
    return await buildWorkersRs();
  } catch (error) {
    return { skipped: String(error.message ?? error).split("\n").slice(0, 12).join("\n") };
  }
}

if (import.meta.main) {
  const result = await buildWorkersRs();
  console.log(`${result.dir} (${result.built ? `built in ${result.seconds.toFixed(1)} s` : "up to date"}; index_bg.wasm ${statSync(join(result.dir, "index_bg.wasm")).size} bytes)`);
}
