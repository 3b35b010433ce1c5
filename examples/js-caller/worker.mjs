import { DurableObject } from "cloudflare:workers";
import { board } from "./board.mjs";
import { capabilities } from "./capabilities.mjs";

export { JsArchive } from "./js-archive.mjs";

// Calls the Rust `Counter` Durable Object over JS RPC, exactly as a
// JavaScript Durable Object would be called.

// Values travel to and from the tests as JSON, with stand-ins for what JSON
// cannot carry: {"bigint": "123"} for a BigInt, {"bytes": [1, 2]} for a
// Uint8Array, {"$number": "NaN"} (or "Infinity", "-Infinity") for a number
// that is not finite (or -0) and {"$undefined": true} for undefined; in
// arguments also {"$map": [[k, v], ...]} for a Map, {"$set": [..]} for a Set and {"$date": ms} for a
// Date. Answers use the $ forms only when the request asks for
// `"exact": true`; otherwise an
// undefined property is left out and a non-finite number is null, as
// JSON.stringify does.
const replacer = (_, v) =>
  typeof v === "bigint" ? { bigint: v.toString() }
  : v instanceof Uint8Array ? { bytes: [...v] }
  : v;
const exactReplacer = (k, v) =>
  v === undefined ? { $undefined: true }
  : typeof v === "number" && !Number.isFinite(v) ? { $number: String(v) }
  : Object.is(v, -0) ? { $number: "-0" }
  : replacer(k, v);
const json = (value, status = 200, exact = false) =>
  new Response(JSON.stringify(value, exact ? exactReplacer : replacer), { status, headers: { "content-type": "application/json" } });
const revive = (args) =>
  JSON.parse(JSON.stringify(args), (_, v) =>
    v && typeof v === "object" && "bigint" in v ? BigInt(v.bigint)
    : v && typeof v === "object" && "bytes" in v ? new Uint8Array(v.bytes)
    : v && typeof v === "object" && "$number" in v ? Number(v.$number)
    : v && typeof v === "object" && v.$undefined === true ? undefined
    : v && typeof v === "object" && "$map" in v ? new Map(v.$map)
    : v && typeof v === "object" && "$set" in v ? new Set(v.$set)
    : v && typeof v === "object" && "$date" in v ? new Date(v.$date)
    : v);
const typeOf = (v) => (v instanceof Uint8Array ? "Uint8Array" : v instanceof Map ? "Map" : v instanceof Set ? "Set" : v === null ? "null" : typeof v);

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/js/")) return env.EXAMPLES.fetch(request);

    const name = url.searchParams.get("name") ?? "A";
    const counter = env.COUNTER.getByName(name);
    const objects = { COUNTER: env.COUNTER, SHELF: env.SHELF, JS_COUNTER: env.JS_COUNTER, KV: env.KV, NOTES: env.NOTES, BROKEN_SCHEMA: env.BROKEN_SCHEMA, SQL_BENCH: env.SQL_BENCH, JS_SQL_BENCH: env.JS_SQL_BENCH, ALARM_LAB: env.ALARM_LAB, WS_LAB: env.WS_LAB, REMINDERS: env.REMINDERS, NAME_SEARCH: env.NAME_SEARCH, JS_NAME_SEARCH: env.JS_NAME_SEARCH, WIRE_LAB: env.WIRE_LAB };

    if (url.pathname === "/js/counter") {
      // The documented interface: increment(amount), decrement(amount), getCounterValue().
      const amount = Number(url.searchParams.get("amount") ?? "1");
      const op = url.searchParams.get("op") ?? "get";
      const value =
        op === "increment" ? await counter.increment(amount)
        : op === "decrement" ? await counter.decrement(amount)
        : await counter.getCounterValue();
      return json({ value, type: typeof value });
    }

    if (url.pathname === "/js/archive") {
      // Capabilities handed out by the Rust `Archive`: see capabilities.mjs.
      const archive = env.ARCHIVE.getByName(name);
      return json(await capabilities(archive, url.searchParams.get("scenario"), url.searchParams.get("user") ?? "js"));
    }

    if (url.pathname === "/js/board") {
      // Capabilities as values, with the Rust `Board`: see board.mjs.
      return json(await board(env, name, url.searchParams.get("scenario")));
    }

    if (url.pathname === "/js/ws") {
      return env.JS_WS_ROOM.getByName(name).fetch(request);
    }

    if (url.pathname === "/js/bench") {
      // N sequential RPC calls to the Rust Counter or the JavaScript JsCounter
      // (payload small, 10k: a ~10 KB argument, or 10k-result: a ~10 KB
      // result), or to the Rust NameSearch or the JavaScript
      // JsNameSearch (payload search: CPU-bound calls).
      const calls = Math.min(Number(url.searchParams.get("calls") ?? "100"), 100_000);
      const js = url.searchParams.get("target") === "js";
      const payload = url.searchParams.get("payload");
      if (payload === "search") {
        const directory = (js ? env.JS_NAME_SEARCH : env.NAME_SEARCH).getByName(name);
        for (let i = 0; i < calls; i++) await directory.search(BENCH_QUERIES[i % BENCH_QUERIES.length], 5);
        return new Response(String(calls));
      }
      const target = (js ? env.JS_COUNTER : env.COUNTER).getByName(name);
      const batch = payload === "10k" ? sampleBatch() : null;
      for (let i = 0; i < calls; i++) {
        if (payload === "10k-result") {
          const got = await target.sampleBatch();
          if (got.items.length !== 110) return new Response(`sampleBatch answered ${got.items.length} items`, { status: 500 });
        } else if (batch) await target.weigh(batch);
        else await target.increment(1);
      }
      return new Response(String(calls));
    }

    if (url.pathname === "/js/fetch-bench") {
      // N `fetch` calls (storage get + put in the object) to the Rust Counter,
      // the JavaScript JsCounter or (when the benchmark runs it) the workers-rs
      // counter, from `concurrency` sequential loops at once.
      const calls = Math.min(Number(url.searchParams.get("calls") ?? "100"), 100_000);
      const concurrency = Math.max(1, Math.min(Number(url.searchParams.get("concurrency") ?? "1"), 256));
      const binding = { js: "JS_COUNTER", rust: "COUNTER", "workers-rs": "WORKERS_RS_COUNTER" }[url.searchParams.get("target") ?? "rust"];
      if (!env[binding]) return new Response(`no such target (bindings: JS_COUNTER, COUNTER, WORKERS_RS_COUNTER when the benchmark adds it)`, { status: 400 });
      const target = env[binding].getByName(name);
      let highest = 0;
      const loop = async (count) => {
        for (let i = 0; i < count; i++) highest = Math.max(highest, Number(await (await target.fetch("https://counter/increment")).text()));
      };
      await Promise.all(Array.from({ length: concurrency }, (_, k) => loop(Math.floor(calls / concurrency) + (k < calls % concurrency ? 1 : 0))));
      return new Response(`${calls} ${highest}`);
    }

    if (url.pathname === "/js/call-bench") {
      // N RPC calls `op` (nop, increment: storage get + put, increment-sync:
      // the synchronous KV API) to the Rust Counter or the JavaScript
      // JsCounter, from `concurrency` sequential loops at once.
      const calls = Math.min(Number(url.searchParams.get("calls") ?? "100"), 100_000);
      const concurrency = Math.max(1, Math.min(Number(url.searchParams.get("concurrency") ?? "1"), 256));
      const target = (url.searchParams.get("target") === "js" ? env.JS_COUNTER : env.COUNTER).getByName(name);
      const call = { nop: () => target.nop(), increment: () => target.increment(1), "increment-sync": () => target.incrementSync(1) }[url.searchParams.get("op")];
      if (!call) return new Response("op: nop, increment or increment-sync", { status: 400 });
      let done = 0;
      const loop = async (count) => {
        for (let i = 0; i < count; i++) {
          await call();
          done++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, (_, k) => loop(Math.floor(calls / concurrency) + (k < calls % concurrency ? 1 : 0))));
      return new Response(`${calls} ${done}`);
    }

    if (url.pathname === "/js/spawn") {
      // Loads `count` new objects (one call each to objects never used before),
      // for the benchmark of what an object costs to create and keep in memory.
      const count = Math.min(Number(url.searchParams.get("count") ?? "10"), 10_000);
      const namespace = url.searchParams.get("target") === "js" ? env.JS_COUNTER : env.COUNTER;
      const prefix = url.searchParams.get("prefix") ?? "spawn";
      for (let i = 0; i < count; i++) await namespace.getByName(`${prefix}-${i}`).getCounterValue();
      return new Response(String(count));
    }

    if (url.pathname === "/js/call" && request.method === "POST") {
      // Any method of any object, with any arguments: for testing values and bad input.
      const { method, args, exact = false } = await request.json();
      const target = objects[url.searchParams.get("object") ?? "COUNTER"].getByName(name);
      try {
        const value = await target[method](...revive(args));
        return json({ ok: value === undefined && !exact ? null : value, type: typeOf(value) }, 200, exact);
      } catch (error) {
        return json({ error: String(error?.message ?? error), name: error?.name, remote: error?.remote === true });
      }
    }

    return new Response("Not found", { status: 404 });
  },
};

/** The same ~10 KB structured value as the Rust `Batch::sample()`. */
function sampleBatch() {
  const items = [];
  for (let i = 0; i < 110; i++) {
    items.push({ id: i, name: `item number ${i}`, tags: ["alpha", "beta", `t${i}`], score: i * 1.5, active: i % 2 === 0 });
  }
  return { items };
}

/**
 * The "Build a counter" Durable Object written in JavaScript, exactly as
 * documented. The Rust worker calls it through a typed stub (see
 * examples/src/js_counter.rs), and the benchmarks compare it with the Rust
 * `Counter`.
 */
export class JsCounter extends DurableObject {
  async getCounterValue() {
    return (await this.ctx.storage.get("value")) || 0;
  }

  async increment(amount = 1) {
    let value = (await this.ctx.storage.get("value")) || 0;
    value += amount;
    await this.ctx.storage.put("value", value);
    return value;
  }

  async decrement(amount = 1) {
    let value = (await this.ctx.storage.get("value")) || 0;
    value -= amount;
    await this.ctx.storage.put("value", value);
    return value;
  }

  /** `/increment` over fetch, as in the Rust `Counter::fetch` (for the benchmarks). */
  async fetch(request) {
    if (new URL(request.url).pathname !== "/increment") return new Response("Not found", { status: 404 });
    return new Response(String(await this.increment(1)));
  }

  /** Does nothing, as the Rust `Counter::nop` (for the benchmarks). */
  nop() {}

  /** `increment` on the synchronous key-value API, as the Rust `Counter::increment_sync`. */
  incrementSync(amount = 1) {
    const kv = this.ctx.storage.kv;
    const value = (kv.get("sync") || 0) + amount;
    kv.put("sync", value);
    return value;
  }

  /** The benchmarks' structured-value call, as in the Rust `Counter::weigh`. */
  weigh(batch) {
    return batch.items.length;
  }

  /** The benchmarks' structured result, as in the Rust `Counter::sample_batch`. */
  sampleBatch() {
    return sampleBatch();
  }
}

/** The queries of the CPU-bound benchmark, in turn (as the Rust `BENCH_QUERIES`). */
const BENCH_QUERIES = ["Karen Milodan", "Vorber Tisel", "Quis Martel", "Natel Gusel", "Omar Kasel", "Lotika Berna"];
const SYLLABLES = ["ka", "ren", "mi", "lo", "dan", "sel", "ti", "vor", "ber", "na", "qu", "is", "mar", "tel", "o", "gu"];

/**
 * The directory's name at `index`, as the Rust `directory_name`. Built with
 * `join`, which makes a flat string, as text read from storage is: a name
 * concatenated with `+` would be a rope, and every `charCodeAt` on it slower.
 */
function directoryName(index) {
  let x = Math.imul(index + 1, 2654435761) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 2246822519) >>> 0;
  x = (x ^ (x >>> 13)) >>> 0;
  const part = (flag, shift) => {
    const count = 2 + ((x >>> flag) & 1);
    const word = Array.from({ length: count }, (_, k) => SYLLABLES[(x >>> (shift + 4 * k)) & 15]).join("");
    return word[0].toUpperCase() + word.slice(1);
  };
  return [part(0, 1), part(13, 14)].join(" ");
}

/**
 * The edit distance between `query` (its UTF-16 code units) and `name`;
 * `row` has `query.length + 1` cells and is scratch space. For text in the
 * Basic Multilingual Plane, as the names here, code units are characters.
 */
function levenshtein(query, name, row) {
  const m = query.length;
  for (let j = 0; j <= m; j++) row[j] = j;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    let diagonal = row[0];
    let left = i + 1;
    row[0] = left;
    for (let j = 1; j <= m; j++) {
      const above = row[j];
      const value = Math.min(above + 1, left + 1, diagonal + (query[j - 1] === c ? 0 : 1));
      row[j] = value;
      diagonal = above;
      left = value;
    }
  }
  return row[m];
}

/**
 * The CPU-bound RPC benchmark's JavaScript object: the same directory of
 * 10,000 names and the same search as the Rust `NameSearch`.
 */
export class JsNameSearch extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.names = Array.from({ length: 10_000 }, (_, i) => directoryName(i));
  }

  size() {
    return this.names.length;
  }

  /** The `limit` names closest to `query`, closest first, ties in directory order. */
  search(query, limit) {
    if (typeof query !== "string") throw new TypeError("query: a string");
    if (!Number.isInteger(limit) || limit < 0) throw new TypeError("limit: a whole number");
    const chars = [...query].length;
    if (chars > 64) throw new Error(`the query has ${chars} characters; at most 64`);
    if (limit > 100) throw new Error(`limit ${limit} is over 100`);
    const codes = new Uint16Array(query.length);
    for (let j = 0; j < query.length; j++) codes[j] = query.charCodeAt(j);
    const row = new Uint32Array(query.length + 1);
    const best = []; // [distance, index], closest first
    for (let index = 0; index < this.names.length; index++) {
      const distance = levenshtein(codes, this.names[index], row);
      if (best.length === limit && (limit === 0 || distance >= best[best.length - 1][0])) continue;
      let at = best.length;
      while (at > 0 && best[at - 1][0] > distance) at--;
      best.splice(at, 0, [distance, index]);
      if (best.length > limit) best.pop();
    }
    return best.map(([distance, index]) => ({ name: this.names[index], index, distance }));
  }
}

/** The SQL benchmark's JavaScript object: the same work as the Rust `SqlBench`. */
export class JsSqlBench extends DurableObject {
  reset() {
    const sql = this.ctx.storage.sql;
    sql.exec("DROP TABLE IF EXISTS rows");
    sql.exec("CREATE TABLE rows (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL NOT NULL)");
  }

  insertEach(n) {
    const sql = this.ctx.storage.sql;
    for (let i = 0; i < n; i++) sql.exec("INSERT INTO rows (id, name, score) VALUES (?, ?, ?)", i, `row ${i}`, i * 0.5);
    return n;
  }

  insertBatch(n, offset) {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      for (let i = offset; i < offset + n; i++) sql.exec("INSERT INTO rows (id, name, score) VALUES (?, ?, ?)", i, `row ${i}`, i * 0.5);
      return n;
    });
  }

  readAll() {
    return this.ctx.storage.sql.exec("SELECT id, name, score FROM rows").toArray().length;
  }

  lookup(n, modulo) {
    const sql = this.ctx.storage.sql;
    let found = 0;
    for (let i = 0; i < n; i++) found += sql.exec("SELECT id, name, score FROM rows WHERE id = ?", (i * 7919) % Math.max(modulo, 1)).toArray().length;
    return found;
  }
}

/**
 * The WebSocket benchmark's JavaScript room: the same protocol as the Rust
 * `WsLab` in hibernation mode for `echo:` and `broadcast:`.
 */
export class JsWsRoom extends DurableObject {
  fetch() {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], ["all"]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  webSocketMessage(ws, message) {
    if (typeof message !== "string") return;
    if (message.startsWith("broadcast:")) {
      const text = `broadcast:${message.slice("broadcast:".length)}`;
      for (const peer of this.ctx.getWebSockets()) {
        try {
          peer.send(text);
        } catch {}
      }
    } else {
      ws.send(`echo:${message}`);
    }
  }

  webSocketClose(ws, code) {
    ws.close(code === 1005 ? 1000 : code, "closed");
  }
}
