// Starts the real runtime (workerd, through `wrangler dev`) on a free loopback
// port with the examples' bundle, and stops it again, also when a test fails.

import { spawn } from "node:child_process";
import { after, before } from "node:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..", "..");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

// wrangler starts with `#!/usr/bin/env node`: where scripts/setup.sh installed
// the pinned Node.js (the machine's being older than wrangler needs), put it
// first on PATH for everything the tests and benchmarks start.
const PINNED_NODE = join(ROOT, ".tools", "node", "node_modules", ".bin");
if (existsSync(join(PINNED_NODE, "node")) && !process.env.PATH?.split(":").includes(PINNED_NODE)) {
  process.env.PATH = `${PINNED_NODE}:${process.env.PATH ?? ""}`;
}

const running = new Set();
for (const signal of ["exit", "SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const child of running) killGroup(child, "SIGKILL");
    if (signal !== "exit") process.exit(130);
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

// Removes line and block comments from JSONC, leaving strings alone.
export function stripJsonComments(text) {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2) + 1;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * The repository's wrangler.jsonc, without its build step (the tests build
 * once, up front) and with an absolute `main`, written to a temporary file.
 */
export function testConfig(dir, source = "wrangler.jsonc") {
  const sourcePath = resolve(ROOT, source);
  const config = JSON.parse(stripJsonComments(readFileSync(sourcePath, "utf8")));
  delete config.build;
  delete config.$schema;
  config.main = resolve(dirname(sourcePath), config.main);
  const path = join(dir, `${config.name}.wrangler.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** A fresh temporary directory, removed by `cleanup()`. */
export function tempDir(prefix = "durable-e2e-") {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Starts `wrangler dev` with local persistence in `persistDir`. `config` is
 * one config path, or several (the first is the worker that answers HTTP;
 * the others run beside it, reachable through its bindings). `errorDetails`
 * sets DURABLE_ERROR_DETAILS, which puts error messages into 500 answers.
 * Resolves to { url, stop, crash, logs } once the runtime answers HTTP.
 */
export async function startRuntime(options) {
  // wrangler picks some ports of its own (the sockets between the workers of
  // a multi-config session): one can still be held by a runtime that was just
  // stopped. That is the only failure worth another try.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= 4 || !/Address already in use/.test(String(error?.message))) throw error;
      await new Promise((r) => setTimeout(r, 1_000 * attempt));
    }
  }
}

async function startOnce({ config, persistDir, timeoutMs = 60_000, errorDetails = true }) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const configs = (Array.isArray(config) ? config : [config]).flatMap((c) => ["-c", c]);
  const args = [
    "dev", ...configs, "--local", "--ip", "127.0.0.1", "--port", String(port),
    "--inspector-port", String(inspectorPort), "--persist-to", persistDir,
    "--show-interactive-dev-session=false", "--log-level", "info",
    // As a developer would under `wrangler dev` (.dev.vars): a 500 carries the
    // error's details. Deployed workers answer a generic text (errorDetails: false).
    ...(errorDetails ? ["--var", "DURABLE_ERROR_DETAILS:true"] : []),
  ];
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    detached: true, // its own process group: wrangler starts workerd children
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      CLOUDFLARE_API_TOKEN: "",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    },
  });
  running.add(child);
  let logs = "";
  child.stdout.on("data", (d) => (logs += d));
  child.stderr.on("data", (d) => (logs += d));
  const exited = new Promise((r) => child.once("exit", r));

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!running.has(child)) return;
    running.delete(child);
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  // kill -9 of the whole process group, as a power cut would do it.
  const crash = async () => {
    if (!running.has(child)) return;
    running.delete(child);
    killGroup(child, "SIGKILL");
    await exited;
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      await fetch(`${url}/__ready`, { signal: AbortSignal.timeout(2_000) });
      return { url, stop, crash, logs: () => logs };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await stop();
  throw new Error(`wrangler dev did not become ready on ${url}:\n${logs}`);
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** GET `path`; resolves to { status, text }. */
export async function get(base, path, { timeoutMs = 30_000 } = {}) {
  const response = await fetch(base + path, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, text: await response.text() };
}

/** A name no earlier run has used, so tests never see each other's storage. */
export function uniqueName(label) {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Starts the Rust examples with the JavaScript caller worker in front of them
 * (examples/js-caller), so tests can make JS RPC calls into the objects.
 */
export function startWithCaller(dir, persistDir = `${dir}/state`) {
  const caller = testConfig(dir, "examples/js-caller/wrangler.jsonc");
  const examples = testConfig(dir);
  return startRuntime({ config: [caller, examples], persistDir });
}

/**
 * Calls `method(...args)` over JS RPC on the object `name` of the binding
 * `object` (COUNTER, SHELF, KV, JS_COUNTER), through the JavaScript caller.
 * Resolves to { ok, type } or { error, name, remote }. Stand-ins:
 * {"bigint": "1"} for a BigInt, {"bytes": [1]} for a Uint8Array.
 */
export async function rpcCall(base, object, name, method, ...args) {
  const response = await fetch(`${base}/js/call?object=${object}&name=${encodeURIComponent(name)}`, {
    method: "POST",
    body: JSON.stringify({ method, args }),
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status !== 200) throw new Error(`rpc ${method}: HTTP ${response.status}: ${await response.text()}`);
  return response.json();
}

/**
 * Registers `before`/`after` hooks that start the runtime (with the JavaScript
 * caller in front, unless `withCaller` is false) in a fresh directory and stop
 * it again. Returns an object whose `runtime` and `dir` are set once started.
 */
export function useRuntime({ withCaller = true } = {}) {
  const shared = { runtime: undefined, dir: undefined };
  before(async () => {
    shared.dir = tempDir();
    shared.runtime = withCaller
      ? await startWithCaller(shared.dir.path)
      : await startRuntime({ config: testConfig(shared.dir.path), persistDir: `${shared.dir.path}/state` });
  });
  after(async () => {
    await shared.runtime?.stop();
    shared.dir?.cleanup();
  });
  return shared;
}

/**
 * Opens a WebSocket (the `ws` package) to `url`; resolves once it is open. The
 * socket gets `next(timeoutMs)`, the next message (text as a string, binary
 * as an array of bytes), and `closed`, which resolves to [code, reason].
 */
export async function openWebSocket(url) {
  const { default: WebSocket } = await import("ws");
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const inbox = [];
    const waiting = [];
    ws.on("message", (data, binary) => {
      const message = binary ? [...data] : data.toString();
      if (waiting.length) waiting.shift()(message);
      else inbox.push(message);
    });
    ws.next = (timeoutMs = 10_000) =>
      inbox.length
        ? Promise.resolve(inbox.shift())
        : new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error("no message in time")), timeoutMs);
            waiting.push((m) => {
              clearTimeout(timer);
              res(m);
            });
          });
    ws.closed = new Promise((r) => ws.on("close", (code, reason) => r([code, reason.toString()])));
    ws.on("open", () => resolve(ws));
    ws.on("error", reject);
  });
}

/** Polls `probe` until `done(value)` or the deadline; resolves to the last value. */
export async function until(probe, done, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let value;
  while (Date.now() < deadline) {
    value = await probe();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  return value;
}
