// How values cross between Rust and JavaScript on the real runtime: `null`
// stays `null` on every storage path and over RPC (written from a JavaScript
// caller, from Rust, and through a Rust caller's typed stub), `None` stays
// `undefined`, SQL `NULL` arrives as `null`; non-finite SQL parameters are
// refused by position; errors quote at most a few hundred characters of a
// value; exceptions of the runtime become errors (a class on the legacy
// key-value backend, `ctx.abort()`), and the isolate keeps serving.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import { startRuntime, tempDir, testConfig, uniqueName, useRuntime } from "./harness.mjs";

const shared = useRuntime();

// Answers with `undefined` and non-finite numbers kept apart from `null`
// (the JavaScript caller writes them {"$undefined": true} and {"$number": "NaN"}).
const UNDEFINED = { $undefined: true };
const NAN = { $number: "NaN" };

async function call(object, name, method, ...args) {
  const response = await fetch(`${shared.runtime.url}/js/call?object=${object}&name=${encodeURIComponent(name)}`, {
    method: "POST",
    body: JSON.stringify({ method, args, exact: true }),
    signal: AbortSignal.timeout(60_000),
  });
  assert.equal(response.status, 200, `${method}: HTTP ${response.status}`);
  return response.json();
}

async function ok(object, name, method, ...args) {
  const answer = await call(object, name, method, ...args);
  assert.ok(!("error" in answer), `${method}: ${answer.error}`);
  return answer.ok;
}

async function error(object, name, method, ...args) {
  const answer = await call(object, name, method, ...args);
  assert.ok("error" in answer, `${method} answered ${JSON.stringify(answer).slice(0, 200)}`);
  return answer.error;
}

describe("null, None and () between Rust and JavaScript", () => {
  test("null written by a JavaScript caller is stored and read back as null on every key-value path", async () => {
    const name = uniqueName("null-js");
    await ok("KV", name, "put", "k", 1);
    // A method returning Result<(), E> resolves to undefined, as a void JavaScript method.
    assert.deepEqual(await call("KV", name, "put", "k", null), { ok: UNDEFINED, type: "undefined" });
    assert.deepEqual(await call("KV", name, "get", "k"), { ok: null, type: "null" });
    assert.deepEqual(await call("KV", name, "get", "missing"), { ok: UNDEFINED, type: "undefined" });

    await ok("KV", name, "putMany", { m: 1 });
    await ok("KV", name, "putMany", { m: null, j: 2 });
    assert.deepEqual(await ok("KV", name, "getMany", ["m", "j", "missing"]), { m: null, j: 2 });

    await ok("KV", name, "put", "o", { a: null, b: [1, null, { c: null }] });
    assert.deepEqual(await ok("KV", name, "get", "o"), { a: null, b: [1, null, { c: null }] });

    await ok("KV", name, "syncPutGet", "s", 1);
    assert.deepEqual(await call("KV", name, "syncPutGet", "s", null), { ok: null, type: "null" });
    assert.deepEqual(await ok("KV", name, "syncList", "s"), [["s", null]]);

    assert.deepEqual(await ok("KV", name, "list", {}), [
      ["j", 2], ["k", null], ["m", null], ["o", { a: null, b: [1, null, { c: null }] }], ["s", null],
    ]);
  });

  test("null, () and None written from Rust, and through a Rust caller's typed stub, read back as null", async () => {
    const name = uniqueName("null-rust");
    const peer = uniqueName("null-peer");
    assert.deepEqual(await ok("KV", name, "nullRoundTrips", peer), {
      "put null over 1, get Value": "Some(Null)",
      "put (), get Value": "Some(Null)",
      "put None, get Option<i64>": "Some(None)",
      "get absent, Option<i64>": "None",
      "put_many null over 1, get_many": '{"many": Null, "two": Number(2)}',
      "nested nulls, get Value": 'Some(Object {"a": Null, "b": Array [Number(1), Null]})',
      "None field, get Optional": "Some(Optional { a: None })",
      "sync put null over 1, get Value": "Some(Null)",
      "sync put None, get Option<i64>": "Some(None)",
      "SQL NULL row, as Value": '{"n": Null, "p": Null}',
      "stub put and put_many null, get_many": '{"remote": Null, "remote-many": Null}',
      // `Some(Null)` crosses as null and reads back as `Some(Null)`; `None` is undefined.
      "stub sync_put_get null": "Some(Null)",
      "stub echo_options Some(Null), Some(None)": "inside Some(Null), Some(None), back Some(Null), Some(None)",
      "stub echo_options None, None": "inside None, None, back None, None",
      "stub echo_options Some(1), Some(Some(2))": "inside Some(Number(1)), Some(Some(2)), back Some(Number(1)), Some(Some(2))",
    });
    // What Rust stored, a JavaScript caller reads as null too.
    for (const key of ["null", "unit", "none", "many", "sync", "sync-none"]) {
      assert.deepEqual(await call("KV", name, "get", key), { ok: null, type: "null" }, key);
    }
    assert.deepEqual(await call("KV", peer, "get", "remote"), { ok: null, type: "null" });
    assert.deepEqual(await call("KV", peer, "get", "remote-sync"), { ok: null, type: "null" });
  });

  test("a JavaScript caller's null is Some(Null) for an Option<Value> and Some(None) for an Option<Option<T>>; undefined is None", async () => {
    const name = uniqueName("options");
    assert.deepEqual(await ok("KV", name, "echoOptions", null, null), ["Some(Null), Some(None)", null, null]);
    assert.deepEqual(await ok("KV", name, "echoOptions", UNDEFINED, UNDEFINED), ["None, None", UNDEFINED, UNDEFINED]);
    assert.deepEqual(await ok("KV", name, "echoOptions", { a: null }, 2), ['Some(Object {"a": Null}), Some(Some(2))', { a: null }, 2]);
    // Every other Option still reads null as None (an argument left out, in JavaScript's way).
    assert.equal((await call("KV", name, "transfer", "a", "b", 1, null)).ok, -1);
  });

  test("None is undefined and SQL NULL is null at a JavaScript caller", async () => {
    const name = uniqueName("none");
    const book = { title: "Untitled", authors: [], year: null, genre: "Fiction", tags: {}, isbn13: 1 };
    await ok("SHELF", name, "add", book);
    // A `None` field is present and undefined; a `None` result is undefined.
    assert.deepEqual(await ok("SHELF", name, "get", "Untitled"), { ...book, year: UNDEFINED });
    assert.deepEqual(await call("SHELF", name, "get", "not on the shelf"), { ok: UNDEFINED, type: "undefined" });

    const result = await ok("NOTES", name, "query", "SELECT NULL AS n, ? AS p, 1 AS one", [null]);
    assert.deepEqual(result.rows, [[null, null, 1]]);
    assert.deepEqual(result.columns, ["n", "p", "one"]);
  });
});

describe("the one-message routes of the conversion read and write what the field-by-field route does", () => {
  // An object or array of a dozen parts or more crosses the Wasm boundary as
  // one message: JavaScript -> Rust in the wire format (written by
  // JavaScript), Rust -> JavaScript as one JSON text where JSON carries it
  // exactly; anything else is converted part by part. Each exotic part below,
  // alone in an otherwise JSON-shaped argument, must read as it would part by
  // part (JSON would turn -0 into 0, NaN into null, a Map into {}, a Date
  // into a string, 2^60 into an accepted u64).
  const base = { zero: 1.5, nan: 2, counts: { a: 1 }, blob: [1, 2], list: [1, null, 3], text: "t", big: 2 ** 53 - 1 };
  const plain = 'zero=1.5 nan=Some(2.0) counts={"a": 1} blob=[1, 2] list=[Some(1), None, Some(3)] text=Some("t") big=Some(9007199254740991)';

  test("JavaScript -> Rust", async () => {
    const name = uniqueName("bulk-in");
    assert.equal(await ok("KV", name, "probe", base), plain);
    const read = async (part) => ok("KV", name, "probe", { ...base, ...part });
    assert.equal(await read({ zero: { $number: "-0" } }), plain.replace("zero=1.5", "zero=-0"));
    assert.equal(await read({ nan: { $number: "NaN" } }), plain.replace("nan=Some(2.0)", "nan=Some(NaN)"));
    assert.equal(await read({ blob: { bytes: [1, 2] } }), plain);
    assert.equal(await read({ list: [1, { $undefined: true }, 3] }), plain);
    assert.equal(await read({ counts: { $map: [["a", 1]] } }), plain);
    assert.match(await error("KV", name, "probe", { ...base, text: { $date: 0 } }), /probe: argument 1 \(`probe`\):.*(string|Date)/i);
    assert.match(await error("KV", name, "probe", { ...base, big: 2 ** 60 }), /probe: argument 1 \(`probe`\):.*u64/);
  });

  test("JavaScript -> Rust: a value read in bulk is refused with the words of a small one", async () => {
    // `small` has under 12 parts (read part by part), `large` more (written
    // in the wire format by JavaScript, read in Wasm): where the bulk reading
    // refuses, the field route words the error, so both say the same.
    const name = uniqueName("bulk-errors");
    const small = { zero: 1.5, nan: 2, counts: {}, blob: [], list: [], text: "t", big: 1 };
    for (const [part, expected] of [
      [{ big: 2 ** 53 + 2 }, /at `big`: invalid type: floating point `9007199254740994(\.0)?`, expected u64/],
      [{ big: -1 }, /at `big`: invalid value: integer `-1`, expected u64/],
      [{ text: 5 }, /at `text`: invalid type: floating point `5(\.0)?`, expected a string/],
      [{ counts: { a: "x" } }, /at `counts.a`: invalid type: string "x", expected u32/],
      [{ zero: { $undefined: true } }, /zero/],
    ]) {
      const few = await error("KV", name, "probe", { ...small, ...part });
      const many = await error("KV", name, "probe", { ...base, ...part });
      assert.match(few, expected);
      assert.equal(many, few, JSON.stringify(part));
    }
  });

  test("Rust -> JavaScript", async () => {
    const name = uniqueName("bulk-out");
    const sample = (kind) => call("KV", name, "sample", kind);
    assert.deepEqual((await sample("plain")).ok, {
      items: [[1, 'one "quoted" \u00e9\u{1F600}', true, 1.5], [2, "", false, -0.25]],
      nested: { a: [-(2 ** 53) + 1, 0, 2 ** 53 - 1] },
      unit: null,
      max: 2 ** 53 - 1,
    });
    assert.deepEqual((await sample("narrow")).ok, [0.10000000149011612, 1]);
    assert.deepEqual((await sample("missing")).ok, [1, UNDEFINED]);
    assert.deepEqual(await sample("bytes"), { ok: { bytes: [1, 2, 255] }, type: "Uint8Array" });
    assert.deepEqual((await sample("zero")).ok, [{ $number: "-0" }, 0]);
    assert.deepEqual((await sample("non-finite")).ok, [NAN, { $number: "Infinity" }, { $number: "-Infinity" }]);
    assert.match((await sample("wide")).error, /sample.*9007199254740992|sample.*(safe|2\^53|range)/i);
  });
});

describe("maps and sets stay plain objects and arrays; Map and Set are accepted", () => {
  test("a Map argument is read as a map, a Set as a sequence, and a map result is a plain object", async () => {
    const name = uniqueName("mapset");
    await ok("KV", name, "putMany", { $map: [["a", 1], ["b", { c: [true] }]] });
    const read = await call("KV", name, "getMany", { $set: ["a", "b", "missing"] });
    assert.ok(!("error" in read), read.error);
    // A Rust map crosses as a plain object, not a Map (which JSON.stringify would make {}).
    assert.equal(read.type, "object");
    assert.deepEqual(read.ok, { a: 1, b: { c: [true] } });
    assert.deepEqual(await ok("KV", name, "mapKeys", { $map: [["x", 1], ["y", null]] }), ["x", "y"]);
  });
});

describe("SQL parameters", () => {
  test("a NaN or infinite parameter is refused, naming it, and nothing is written", async () => {
    const name = uniqueName("nan");
    assert.equal(
      await error("NOTES", name, "query", "SELECT ?, ?", [1, NAN]),
      "SQL parameter 2 (?2) is NaN: SQLite would store it as NULL; bind SqlValue::Null for no value",
    );
    assert.equal(
      await error("NOTES", name, "query", "SELECT ?", [{ $number: "Infinity" }]),
      "SQL parameter 1 (?1) is Infinity: only finite numbers are bound; bind SqlValue::Null for no value",
    );
    assert.match(
      await error("NOTES", name, "query", "INSERT INTO scratch (k, big) VALUES (?, ?)", ["k", { $number: "-Infinity" }]),
      /^SQL parameter 2 \(\?2\) is -Infinity: /,
    );
    const count = await ok("NOTES", name, "query", "SELECT COUNT(*) AS n FROM scratch", []);
    assert.deepEqual(count.rows, [[0]]);
    // Finite numbers, BigInts that fit, booleans and bytes bind as given.
    const bound = await ok("NOTES", name, "query", "SELECT ?, ?, ?, typeof(?), ?", [
      1.5, { bigint: "-42" }, true, { bytes: [1, 2] }, -0,
    ]);
    assert.deepEqual(bound.rows, [[1.5, -42, 1, "blob", 0]]);
  });
});

describe("errors quote a bounded part of a value", () => {
  test("an RPC argument of 10 MB: the error names the method and the argument in under 1 KB", async () => {
    const name = uniqueName("huge");
    const huge = "x".repeat(10 * 1024 * 1024);
    const message = await error("COUNTER", name, "increment", huge);
    assert.ok(message.length < 1024, `${message.length} characters`);
    assert.ok(message.startsWith('increment: argument 1 (`amount`): invalid type: string "xxxxxxxx'), message);
    assert.ok(message.endsWith('xxxx", expected i64'), message);
    // The guide quotes this error (sdk/src/_guide/ch05_rpc.md).
    assert.ok(message.includes("xxxx… (10485197 bytes left out) …xxxx"), message);
    // Nor does the runtime log it whole.
    const longest = Math.max(...shared.runtime.logs().split("\n").map((line) => line.length));
    assert.ok(longest < 4096, `a log line of ${longest} characters`);
    assert.equal(await ok("COUNTER", name, "increment", 2), 2);
  });

  test("storage keys, runtime messages and application errors are bounded too", async () => {
    const name = uniqueName("bounded");
    const key = "k".repeat(100_000);
    const stored = await error("KV", name, "put", key, { bigint: "1152921504606846977" });
    assert.ok(stored.length < 1024, `${stored.length} characters`);
    assert.ok(stored.startsWith('the value for key "kkkk'), stored);
    assert.ok(stored.includes("… (100000 bytes)"), stored);
    assert.ok(stored.endsWith("1152921504606846977 can't be represented as a JavaScript number"), stored);

    const table = await error("NOTES", name, "query", `SELECT * FROM ${"t".repeat(20_000)}`, []);
    assert.ok(table.length < 1024, `${table.length} characters`);
    assert.ok(table.startsWith("no such table: tttt"), table);

    const refused = await error("SHELF", name, "refuse", `because ${"r".repeat(100_000)} and so on`);
    assert.ok(refused.length < 1024, `${refused.length} characters`);
    assert.ok(refused.startsWith("because rrrr") && refused.endsWith("rrrr and so on"), refused);
  });
});

describe("exceptions of the runtime become errors", () => {
  test("SQL and the synchronous key-value API on the legacy key-value backend fail cleanly", async () => {
    // KvExplorer on the legacy key-value backend: a runtime of its own, whose
    // config declares the class in `new_classes` instead of `new_sqlite_classes`.
    const dir = tempDir();
    const examples = JSON.parse(readFileSync(testConfig(dir.path), "utf8"));
    const migration = examples.migrations.find((m) => m.new_sqlite_classes?.includes("KvExplorer"));
    migration.new_sqlite_classes = migration.new_sqlite_classes.filter((c) => c !== "KvExplorer");
    migration.new_classes = ["KvExplorer"];
    const examplesPath = join(dir.path, "kv-backend.wrangler.json");
    writeFileSync(examplesPath, JSON.stringify(examples));
    const caller = testConfig(dir.path, "examples/js-caller/wrangler.jsonc");
    const runtime = await startRuntime({ config: [caller, examplesPath], persistDir: join(dir.path, "state") });
    try {
      const on = async (method, ...args) => {
        const response = await fetch(`${runtime.url}/js/call?object=KV&name=legacy`, {
          method: "POST",
          body: JSON.stringify({ method, args, exact: true }),
          signal: AbortSignal.timeout(30_000),
        });
        return response.json();
      };
      assert.deepEqual(await on("put", "k", { a: null }), { ok: UNDEFINED, type: "undefined" });
      assert.deepEqual(await on("get", "k"), { ok: { a: null }, type: "object" });
      for (let i = 0; i < 2; i++) {
        assert.match((await on("sqlDatabaseSize")).error, /^SQL is not enabled for this Durable Object class/);
        assert.match((await on("sqlExec", "SELECT 1")).error, /^SQL is not enabled for this Durable Object class/);
        assert.match(
          (await on("syncPutGet", "k", 1)).error,
          /^The storage.kv \(synchronous KV\) API is only available for SQLite-backed Durable Objects/,
        );
      }
      // The object, and the isolate's other objects, keep serving.
      assert.deepEqual(await on("get", "k"), { ok: { a: null }, type: "object" });
      const counter = await fetch(`${runtime.url}/js/counter?op=increment&amount=3&name=legacy`);
      assert.deepEqual(await counter.json(), { value: 3, type: "number" });
    } finally {
      await runtime.stop();
      dir.cleanup();
    }
  });

  test("ctx.abort() fails the call with its reason; the object restarts and the others keep serving", async () => {
    const name = uniqueName("abort");
    await ok("KV", name, "put", "k", 5);
    for (const reason of ["configuration changed", "again"]) {
      assert.equal(await error("KV", name, "reset", reason), reason);
      assert.equal(await ok("KV", name, "get", "k"), 5);
    }
    assert.equal(await ok("COUNTER", name, "increment", 4), 4);
    assert.deepEqual(await ok("KV", uniqueName("other"), "get", "k"), UNDEFINED);
  });
});
