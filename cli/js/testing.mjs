// The test driver of `durable build --test-hooks`: never part of a production
// build. The `durable::testing` harness (Rust, on the host) runs workerd with
// one copy of the user's worker per test slot, each with its own storage
// (`uniqueKey`), and speaks HTTP to the `__durableTest` entrypoint of the copy
// it leased. The entrypoint reaches every class through a hidden binding
// `__DURABLE_NS_<Class>` that the harness adds to the config.
//
// Protocol (all but /fetch: POST, JSON in, JSON out):
//   /hook  { class, target, op, args }      -> { ok: value } | { err: { message, remote } }; op is one of HOOKS
//   /ids   { class }                        -> { ok: [hex id, ...] } the objects built since the last wipe
//   /wipe  {}                               -> { ok: null } every object built since the last wipe
//                                              loses its storage, its alarm and its memory
//   anything else: an HTTP request (a WebSocket upgrade too) for the object named by the
//   headers x-durable-test-class and x-durable-test-name (or -id), forwarded to its fetch
//   handler with the same method, path, query, headers (minus those) and body.
// `target` is { name } or { id } (the hex string of an id).
//
// The session (`GET /session`, a WebSocket, one per test, opened by the harness
// on the test's first call that needs it): calls whose values live on (returned
// capabilities, callbacks into the test, streams, HTTP values, stubs as values)
// run in the session's request, whose stubs live until the socket closes.
// Messages are JSON text. From the harness:
//   { seq, op: "call", class, target, method, args, want }  want: "value" | "capability" | "pipeline"
//   { seq, op: "capcall", handle, method, args, want }       the same on a capability the session holds
//   { seq, op: "dispose", handle } | { seq, op: "dup", handle }
//   { op: "reply", call, ok } | { op: "reply", call, err }    what the test's callback answered
//   { op: "release", callback }                              the test dropped its callback
// From the driver: { seq, ok } | { seq, err: { message, remote } }, and
//   { op: "invoke", callback, call, args }                   the object called a test's callback
//   { op: "sink", id, chunks, error }                        the object closed (aborted) a test's sink
// Values that are not plain data cross as { "$durable": kind, ... }: "capability" { handle },
// "callback" { id }, "sink" { id }, "stub" { class, target }, "stream" { chunks: [base64], error },
// "request" { method, url, headers, body }, "response" { status, headers, body }, "headers" { entries }.
// Closing the socket disposes every capability the session holds.

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
  return stringify({ ok: value === undefined ? null : value });
}

/** JSON text of `value`, as `toJson` writes it. */
function stringify(value) {
  const marks = [];
  const text = JSON.stringify(value, (_, v) => {
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

const MARK = "$durable";

function base64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function unbase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/** Reads `stream` to its end: its chunks (base64) and the error that ended it, if one did. */
async function drain(stream) {
  const chunks = [];
  let error = null;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(base64(value instanceof Uint8Array ? value : new Uint8Array(value)));
    }
  } catch (e) {
    error = messageOf(e);
  }
  return { chunks, error };
}

/** A stream of the chunks `chunks` (base64), erroring with `error` at the end if given. */
function streamOf(chunks, error) {
  let next = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      if (next < chunks.length) controller.enqueue(unbase64(chunks[next++]));
      else if (error !== null && error !== undefined) controller.error(new Error(error));
      else controller.close();
    },
  });
}

function concat(chunks) {
  const parts = chunks.map(unbase64);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The class and hex id of a Durable Object stub, or null for anything else. */
function objectOf(env, value) {
  let id;
  try {
    id = value.id;
  } catch {
    return null;
  }
  if (id === null || typeof id !== "object" || typeof id.toString !== "function") return null;
  const hex = id.toString();
  if (!/^[0-9a-f]{64}$/.test(hex)) return null;
  for (const key of Object.keys(env)) {
    if (!key.startsWith("__DURABLE_NS_")) continue;
    try {
      env[key].idFromString(hex);
      return { class: key.slice("__DURABLE_NS_".length), target: { id: hex } };
    } catch {}
  }
  return null;
}

/** The session of one test: see the protocol at the top. */
function session(env) {
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  const handles = new Map();
  let nextHandle = 1;
  const callbacks = new Map();
  const released = new Set();
  const waiting = new Map();
  let nextCall = 1;
  let open = true;

  const send = (message) => {
    if (!open) return;
    try {
      server.send(stringify(message));
    } catch {}
  };
  const keep = (value) => {
    const handle = nextHandle++;
    handles.set(handle, value);
    return handle;
  };
  const held = (handle) => {
    if (!handles.has(handle)) throw new Error(`capability handle ${handle} is not held (disposed already?)`);
    return handles.get(handle);
  };
  const callback = (id) => {
    let fn = callbacks.get(id);
    if (fn !== undefined) return fn;
    fn = (...args) => {
      if (released.has(id) || !open) {
        return Promise.reject(new Error(`the test's callback ${id} was dropped: the test keeps a clone of a Callback for as long as the object may call it`));
      }
      const call = nextCall++;
      return lift(args).then(
        (args) =>
          new Promise((resolve, reject) => {
            waiting.set(call, { resolve, reject });
            send({ op: "invoke", callback: id, call, args });
          }),
      );
    };
    callbacks.set(id, fn);
    return fn;
  };

  /** A stream whose chunks go back to the test's sink `id` when it closes (or aborts). */
  const sinkOf = (id) => {
    const chunks = [];
    return new WritableStream({
      write(chunk) {
        chunks.push(base64(chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk)));
      },
      close() {
        send({ op: "sink", id, chunks, error: null });
      },
      abort(reason) {
        send({ op: "sink", id, chunks, error: messageOf(reason) });
      },
    });
  };

  /** What a value from the harness stands for. */
  const revive = (value) => {
    if (Array.isArray(value)) return value.map(revive);
    if (value === null || typeof value !== "object") return value;
    switch (value[MARK]) {
      case undefined:
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
      case "callback":
        return callback(value.id);
      case "capability":
        return held(value.handle);
      case "stub":
        return stubOf(env, value.class, value.target);
      case "stream":
        return streamOf(value.chunks, value.error);
      case "sink":
        return sinkOf(value.id);
      case "headers":
        return new Headers(value.entries);
      case "request":
        return new Request(value.url, { method: value.method, headers: value.headers, body: value.body === null ? null : concat(value.body) });
      case "response":
        return new Response(value.body === null ? null : concat(value.body), { status: value.status, headers: value.headers });
      default:
        throw new Error(`unknown test value kind ${value[MARK]}`);
    }
  };

  /** `value` with what is not plain data replaced by its marker (streams read to their end). */
  const lift = async (value) => {
    if (value === null || value === undefined) return value;
    const type = typeof value;
    if (type !== "object" && type !== "function") return value;
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value;
    if (value instanceof ReadableStream) return { [MARK]: "stream", ...(await drain(value)) };
    if (value instanceof Response) {
      const body = value.body === null ? { chunks: null } : await drain(value.body);
      return { [MARK]: "response", status: value.status, headers: [...value.headers], body: body.chunks, error: body.error ?? null };
    }
    if (value instanceof Request) {
      const body = value.body === null ? { chunks: null } : await drain(value.body);
      return { [MARK]: "request", method: value.method, url: value.url, headers: [...value.headers], body: body.chunks };
    }
    if (value instanceof Headers) return { [MARK]: "headers", entries: [...value] };
    if (value instanceof Map) return Object.fromEntries(await Promise.all([...value].map(async ([k, v]) => [k, await lift(v)])));
    if (value instanceof Set) return Promise.all([...value].map(lift));
    if (Array.isArray(value)) return Promise.all(value.map(lift));
    if (type === "object") {
      const proto = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null) {
        return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await lift(v)])));
      }
    }
    const object = objectOf(env, value);
    if (object !== null) return { [MARK]: "stub", ...object };
    return { [MARK]: "capability", handle: keep(value) };
  };

  const invoke = async (target, message) => {
    const args = revive(message.args ?? []);
    if (message.want === "pipeline") {
      // The RpcPromise itself: calls on it travel with this one.
      return { [MARK]: "capability", handle: keep(target[message.method](...args)) };
    }
    const value = await target[message.method](...args);
    if (message.want === "capability") {
      if (value === null || (typeof value !== "object" && typeof value !== "function")) {
        throw new Error(`${message.method}: expected a capability, got ${value === null ? "null" : typeof value}`);
      }
      return { [MARK]: "capability", handle: keep(value) };
    }
    return lift(value);
  };

  const run = async (message) => {
    switch (message.op) {
      case "call":
        return invoke(stubOf(env, message.class, message.target), message);
      case "capcall":
        return invoke(held(message.handle), message);
      case "dup": {
        const value = held(message.handle);
        if (typeof value.dup !== "function") throw new Error("this capability cannot be duplicated");
        return { [MARK]: "capability", handle: keep(value.dup()) };
      }
      case "dispose": {
        const value = handles.get(message.handle);
        handles.delete(message.handle);
        dispose(value);
        return null;
      }
      default:
        throw new Error(`unknown session op ${message.op}`);
    }
  };

  server.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.op === "reply") {
      const waiter = waiting.get(message.call);
      waiting.delete(message.call);
      if (waiter === undefined) return;
      if (message.err !== undefined) waiter.reject(new Error(message.err));
      else waiter.resolve(message.ok);
      return;
    }
    if (message.op === "release") {
      released.add(message.callback);
      callbacks.delete(message.callback);
      return;
    }
    run(message).then(
      (ok) => send({ seq: message.seq, ok: ok === undefined ? null : ok }),
      (error) => send({ seq: message.seq, err: { message: messageOf(error), remote: Boolean(error?.remote) } }),
    );
  });
  const end = () => {
    if (!open) return;
    open = false;
    for (const value of handles.values()) dispose(value);
    handles.clear();
    for (const waiter of waiting.values()) waiter.reject(new Error("the test ended while the object waited for its callback"));
    waiting.clear();
    try {
      server.close(1000, "the test ended");
    } catch {}
  };
  server.addEventListener("close", end);
  server.addEventListener("error", end);
  return new Response(null, { status: 101, webSocket: client });
}

function dispose(value) {
  try {
    value?.[Symbol.dispose]?.();
  } catch {}
}

/** The entrypoint the harness talks to. */
export class __durableTest extends WorkerEntrypoint {
  async fetch(request) {
    const className = request.headers.get(`${PREFIX}class`);
    if (className !== null) return this.#forward(request, className);
    const { pathname } = new URL(request.url);
    if (pathname === "/session" && request.headers.get("upgrade") === "websocket") return session(this.env);
    const body = await request.json();
    const env = this.env;
    switch (pathname) {
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
