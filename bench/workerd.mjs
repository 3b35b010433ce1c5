// Runs the examples and the JavaScript caller on plain workerd (no wrangler
// proxy in front): bundles both with `wrangler deploy --dry-run`, writes a
// workerd config, and serves the JavaScript caller on a free loopback port.

import { execFile, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

import { ROOT, freePort, get, stripJsonComments, tempDir, testConfig } from "../tests/e2e/harness.mjs";

const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const WORKERD = join(ROOT, "node_modules", "@cloudflare", "workerd-linux-64", "bin", "workerd");

// `embed` paths are relative to the config file, which sits in `root`.
export async function bundle(config, root, name) {
  const outdir = join(root, name);
  await promisify(execFile)(WRANGLER, ["deploy", "--dry-run", "--outdir", outdir, "-c", config], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_API_TOKEN: "" },
    maxBuffer: 64 * 1024 * 1024,
  });
  const modules = [`(name = "worker.js", esModule = embed "${name}/worker.js")`];
  for (const file of readdirSync(outdir).filter((f) => f.endsWith(".wasm"))) {
    modules.push(`(name = "${file}", wasm = embed "${name}/${file}")`);
  }
  return { config: JSON.parse(stripJsonComments(readFileSync(resolve(ROOT, config), "utf8"))), modules };
}

export function worker(name, { config, modules }, extraBindings = []) {
  const own = config.durable_objects.bindings.filter((b) => !b.script_name);
  const namespaces = own.map((b) => `(className = "${b.class_name}", uniqueKey = "${name}-${b.class_name}", enableSql = true)`);
  const bindings = config.durable_objects.bindings.map((b) =>
    b.script_name
      ? `(name = "${b.name}", durableObjectNamespace = (className = "${b.class_name}", serviceName = "${b.script_name}"))`
      : `(name = "${b.name}", durableObjectNamespace = "${b.class_name}")`,
  );
  for (const s of config.services ?? []) bindings.push(`(name = "${s.binding}", service = "${s.service}")`);
  bindings.push(...extraBindings);
  return `(
    modules = [${modules.join(", ")}],
    compatibilityDate = "${config.compatibility_date}",
    durableObjectNamespaces = [${namespaces.join(", ")}],
    durableObjectStorage = (localDisk = "do-storage"),
    bindings = [${bindings.join(", ")}],
  )`;
}

/**
 * The workers-rs counter (bench/workers-rs, built into `dir`) as a workerd
 * service, `workers-rs-counter`, and the binding the JavaScript caller reaches
 * it by, WORKERS_RS_COUNTER.
 */
function workersRsService(dir, root) {
  const own = join(root, "workers-rs");
  mkdirSync(own);
  for (const file of ["index.js", "index_bg.wasm"]) copyFileSync(join(dir, file), join(own, file));
  const service = `(name = "workers-rs-counter", worker = (
    modules = [(name = "index.js", esModule = embed "workers-rs/index.js"), (name = "index_bg.wasm", wasm = embed "workers-rs/index_bg.wasm")],
    compatibilityDate = "2025-09-01",
    durableObjectNamespaces = [(className = "Counter", uniqueKey = "workers-rs-counter-Counter", enableSql = true)],
    durableObjectStorage = (localDisk = "do-storage"),
    bindings = [(name = "WORKERS_RS_COUNTER", durableObjectNamespace = "Counter")],
  ))`;
  const binding = `(name = "WORKERS_RS_COUNTER", durableObjectNamespace = (className = "Counter", serviceName = "workers-rs-counter"))`;
  return { service, binding };
}

/**
 * The examples' wrangler config: the repository's, or with DURABLE_BENCH_DIST
 * set, a copy in `dir` whose module is that directory's worker.mjs (another
 * build, made with `durable build --out-dir`, measured without touching dist/).
 */
function examplesConfig(dir) {
  const dist = process.env.DURABLE_BENCH_DIST;
  if (!dist) return "wrangler.jsonc";
  const path = testConfig(dir);
  const config = JSON.parse(readFileSync(path, "utf8"));
  config.main = join(resolve(dist), "worker.mjs");
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/**
 * Starts workerd; resolves to { url, stop, pid }. With `storage: "tmpfs"`,
 * object storage lives in /dev/shm (memory), taking the disk's fsync out of
 * what is measured. The default is DURABLE_BENCH_STORAGE, else the disk.
 * With `workersRs` (the directory bench/workers-rs/build.mjs built), the
 * workers-rs counter runs beside the others and the JavaScript caller has a
 * WORKERS_RS_COUNTER binding to it.
 */
export async function startWorkerd({ storage = process.env.DURABLE_BENCH_STORAGE || "disk", workersRs } = {}) {
  const dir = tempDir("durable-workerd-");
  const storageDir = storage === "tmpfs" ? mkdtempSync("/dev/shm/durable-storage-") : join(dir.path, "storage");
  const examples = await bundle(examplesConfig(dir.path), dir.path, "examples");
  const caller = await bundle("examples/js-caller/wrangler.jsonc", dir.path, "caller");
  const workersRsWorker = workersRs ? workersRsService(workersRs, dir.path) : null;
  // The JavaScript objects run in a worker of their own (a second copy of the
  // caller's module, `js-objects`), as the Rust objects run in
  // durable-examples: every call from the front worker crosses the same
  // boundary between workers, whichever object it goes to.
  const jsObjectsApart = (bundled) => ({
    ...bundled,
    config: {
      ...bundled.config,
      durable_objects: {
        bindings: bundled.config.durable_objects.bindings.map((b) =>
          b.script_name === "js-caller" || (!b.script_name && bundled === caller) ? { ...b, script_name: "js-objects" } : b,
        ),
      },
    },
  });
  // Likewise the Rust front worker (the examples' own `fetch`, whose
  // routes call the objects through typed stubs) runs in a worker of its
  // own, `rust-front`, a second copy of the examples' module whose bindings
  // lead to the objects in durable-examples: a Rust -> Rust call crosses
  // the same boundary as a JavaScript -> JavaScript one.
  const rustFront = {
    ...examples,
    config: {
      ...examples.config,
      durable_objects: { bindings: jsObjectsApart(examples).config.durable_objects.bindings.map((b) => ({ script_name: "durable-examples", ...b })) },
    },
  };
  const front = jsObjectsApart(caller);
  front.config = { ...front.config, services: (front.config.services ?? []).map((s) => (s.service === "durable-examples" ? { ...s, service: "rust-front" } : s)) };
  const services = [
    `(name = "js-caller", worker = ${worker("js-caller", front, workersRsWorker ? [workersRsWorker.binding] : [])})`,
    `(name = "js-objects", worker = ${worker("js-objects", caller)})`,
    `(name = "rust-front", worker = ${worker("rust-front", rustFront)})`,
    `(name = "durable-examples", worker = ${worker("durable-examples", jsObjectsApart(examples))})`,
    ...(workersRsWorker ? [workersRsWorker.service] : []),
  ];
  return serve(dir, storageDir, services, "js-caller");
}

/**
 * Serves the workerd `services` (capnp text, each a `(name = .., worker = ..)`
 * whose `embed` paths are relative to `dir.path`) with object storage in
 * `storageDir`, HTTP going to the service `entry`; resolves to { url, stop,
 * pid, dir } once it answers (`dir`: where the bundles are, until `stop`).
 */
export async function serve(dir, storageDir, services, entry) {
  const port = await freePort();
  const capnp = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    ${services.join(",\n    ")},
    (name = "do-storage", disk = (path = "${storageDir}", writable = true)),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "${entry}")],
);
`;
  const configPath = join(dir.path, "config.capnp");
  mkdirSync(storageDir, { recursive: true });
  writeFileSync(configPath, capnp);
  const inspector = process.env.DURABLE_WORKERD_INSPECTOR ? [`--inspector-addr=${process.env.DURABLE_WORKERD_INSPECTOR}`] : [];
  const child = spawn(WORKERD, ["serve", configPath, "--experimental", ...inspector], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let logs = "";
  child.stdout.on("data", (d) => (logs += d));
  child.stderr.on("data", (d) => (logs += d));
  const exited = new Promise((r) => child.once("exit", r));
  const stop = async () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    await exited;
    dir.cleanup();
    rmSync(storageDir, { recursive: true, force: true });
  };
  process.on("exit", () => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    try {
      await fetch(`${url}/__ready`, { signal: AbortSignal.timeout(1_000) });
      return { url, stop, pid: child.pid, dir: dir.path };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new Error(`workerd did not start:\n${logs}\n${capnp}`);
}

/** Resident memory (KiB) of the process group `pgid`. */
export function groupRss(pgid) {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (rss) total += Number(rss[1]);
    } catch {
      // the process is gone
    }
  }
  return total;
}

/**
 * CPU time (ms) the threads of the process group `pgid` have run, from
 * /proc/PID/task/TID/schedstat (nanoseconds; threads that ended are not counted).
 */
export function groupCpuMs(pgid) {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== pgid) continue;
      for (const tid of readdirSync(`/proc/${pid}/task`)) total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
    } catch {
      // the process or thread is gone
    }
  }
  return total;
}

/** The median of `xs` (the upper one of an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds a GET of `path` takes; throws unless it answers 200 with a text `expect` accepts. */
export async function timed(url, path, expect) {
  const started = performance.now();
  const answer = await get(url, path, { timeoutMs: 600_000 });
  const ms = performance.now() - started;
  if (answer.status !== 200 || !expect(answer.text)) throw new Error(`${path}: ${answer.status} ${answer.text}`);
  return ms;
}
