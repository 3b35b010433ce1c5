// The test driver of `durable build --test-hooks`: never part of a production
// build. The `durable::testing` harness (Rust, on the host) runs workerd with
// one copy of the user's worker per test slot, each with its own storage
// (`uniqueKey`), and speaks HTTP to the `__durableTest` entrypoint of the copy
// it leased. The entrypoint reaches every class through a hidden binding
// `__DURABLE_NS_<Class>` that the harness adds to the config.
//
// Protocol (all but /fetch: POST, JSON in, JSON out):
//   /call  { class, target, method, args }  -> { ok: value } | { err: { message, remote } }
//   /hook  { class, target, op, args }      -> the same; op is one of HOOKS
//   /ids   { class }                        -> { ok: [hex id, ...] } the objects built since the last wipe
//   /wipe  {}                               -> { ok: null } every object built since the last wipe
//                                              loses its storage, its alarm and its memory
//   anything else: an HTTP request (a WebSocket upgrade too) for the object named by the
//   headers x-durable-test-class and x-durable-test-name (or -id), forwarded to its fetch
//   handler with the same method, path, query, headers (minus those) and body.
// `target` is { name } or { id } (the hex string of an id).

import { WorkerEntrypoint } from "cloudflare:workers";

/** Class name -> the hex ids of its objects constructed since the last wipe. */
const built = new Map();

/**
 * Whether a wipe is running: objects constructed meanwhile get no Rust
 * object, so that one whose constructor fails (a broken migration) can still
 * be wiped.
 */
let wiping = false;

/**
 * Called by each test-build class's constructor, before the Rust object is
 * built: records the object, and answers whether to build it.
 */
export function register(className, ctx) {
  let ids = built.get(className);
  if (ids === undefined) built.set(className, (ids = new Set()));
  ids.add(ctx.id.toString());
  return !wiping;
}

/** What the hidden `__durableTest(op, args)` method of a test-build class does. */
export async function hook(object, ctx, op, args) {
  const storage = ctx.storage;
  switch (op) {
    case "wipe":
      await storage.deleteAlarm();
      await storage.deleteAll();
      ctx.abort("wiped by the test harness");
      return null;
    case "evict":
      // Every write the object acknowledged is durable once its output gate
      // opened; abort drops the object's memory, keeps its storage, and the
      // next event constructs it again.
      ctx.abort("evicted by the test");
      return null;
    case "alarm": {
      const at = await storage.getAlarm();
      if (at === null) return false;
      if (typeof object.alarm !== "function") throw new Error("an alarm is set, but the class has no alarm handler");
      // As the runtime does: the alarm is cleared before its handler runs,
      // which may set the next one.
      await storage.deleteAlarm();
      await object.alarm({ retryCount: 0, isRetry: false });
      return true;
    }
    case "getAlarm":
      return await storage.getAlarm();
    case "kvGet":
      return await storage.get(args[0]);
    case "kvPut":
      await storage.put(args[0], args[1]);
      return null;
    case "kvDelete":
      return await storage.delete(args[0]);
    case "kvList":
      return [...(await storage.list(args[0] ?? {})).entries()];
    case "sql": {
      const cursor = storage.sql.exec(args[0], ...(args[1] ?? []));
      return cursor.toArray();
    }
    default:
      throw new Error(`unknown test hook ${op}`);
  }
}

const PREFIX = "x-durable-test-";

function namespace(env, className) {
  const ns = env[`__DURABLE_NS_${className}`];
  if (ns === undefined) throw new Error(`no Durable Object class named ${className} in this worker`);
  return ns;
}

function stubOf(env, className, target) {
  const ns = namespace(env, className);
  if (target.name !== undefined && target.name !== null) return ns.getByName(target.name);
  return ns.get(ns.idFromString(target.id));
}

/** JSON for values RPC and storage hand back: bytes as arrays of numbers, BigInts as integer literals. */
function toJson(value) {
  const marks = [];
  const text = JSON.stringify({ ok: value === undefined ? null : value }, (_, v) => {
    if (typeof v === "bigint") {
      marks.push(v.toString());
      return `\u0000big${marks.length - 1}`;
    }
    if (v instanceof ArrayBuffer) return [...new Uint8Array(v)];
    if (ArrayBuffer.isView(v)) return [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
    if (v instanceof Map) return Object.fromEntries(v);
    if (v instanceof Set) return [...v];
    if (typeof v === "number" && !Number.isFinite(v)) return null;
    return v;
  });
  return marks.length === 0 ? text : text.replace(/"\\u0000big(\d+)"/g, (_, i) => marks[Number(i)]);
}

function failure(error) {
  const message = error instanceof Error ? error.message : String(error);
  return JSON.stringify({ err: { message, remote: Boolean(error?.remote) } });
}

async function answer(work) {
  try {
    return new Response(toJson(await work()), { headers: { "content-type": "application/json" } });
  } catch (error) {
    return new Response(failure(error), { headers: { "content-type": "application/json" } });
  }
}

/** Wipes every object built since the last wipe; the first failure is reported after all ran. */
async function wipe(env) {
  wiping = true;
  try {
    return await wipeAll(env);
  } finally {
    wiping = false;
  }
}

async function wipeAll(env) {
  const jobs = [];
  for (const [className, ids] of built) {
    for (const id of ids) {
      const ns = namespace(env, className);
      const stub = ns.get(ns.idFromString(id));
      jobs.push(
        stub.__durableTest("wipe", []).then(
          () => null,
          (error) => (/wiped by the test harness/.test(String(error?.message)) ? null : `${className} ${id}: ${error?.message ?? error}`),
        ),
      );
    }
  }
  built.clear();
  const problems = (await Promise.all(jobs)).filter((p) => p !== null);
  if (problems.length > 0) throw new Error(`wiping storage failed: ${problems.join("; ")}`);
  return null;
}

/** The entrypoint the harness talks to. */
export class __durableTest extends WorkerEntrypoint {
  async fetch(request) {
    const className = request.headers.get(`${PREFIX}class`);
    if (className !== null) return this.#forward(request, className);
    const { pathname } = new URL(request.url);
    const body = await request.json();
    const env = this.env;
    switch (pathname) {
      case "/call":
        return answer(async () => {
          const stub = stubOf(env, body.class, body.target);
          return await stub[body.method](...body.args);
        });
      case "/hook":
        return answer(() => stubOf(env, body.class, body.target).__durableTest(body.op, body.args ?? []));
      case "/ids":
        return answer(async () => {
          namespace(env, body.class);
          return [...(built.get(body.class) ?? [])];
        });
      case "/wipe":
        return answer(() => wipe(env));
      default:
        return new Response(`unknown test driver path ${pathname}`, { status: 404 });
    }
  }

  async #forward(request, className) {
    const name = request.headers.get(`${PREFIX}name`);
    const id = request.headers.get(`${PREFIX}id`);
    let stub;
    try {
      stub = stubOf(this.env, className, name !== null ? { name: decodeURIComponent(name) } : { id });
    } catch (error) {
      return new Response(failure(error), { status: 599 });
    }
    const url = new URL(request.url);
    const forwarded = new Request(`https://object${url.pathname}${url.search}`, request);
    for (const header of [...forwarded.headers.keys()]) if (header.startsWith(PREFIX)) forwarded.headers.delete(header);
    return stub.fetch(forwarded);
  }
}
