// The value conversion's routes on the real runtime: a composite value
// crosses either as one message of the wire format written by JavaScript
// (the binary route, JavaScript -> Rust), as one JSON text (the bulk route,
// Rust -> JavaScript), or part by part (the field route, which is the definition). Seeded random values (arrays for structs,
// numeric-string keys for integer maps, strings for bytes, -0, NaN,
// undefined, holes, big integers, BigInts, own `__proto__` keys at any depth,
// unicode, lone surrogates) and Rust values (None, NaN, f32, u64 beyond 2^53,
// bytes, __proto__ keys) are converted both ways inside the object, and must
// agree: same accepted values read the same, same JavaScript values built.
// Also: `__proto__` is data on both routes, REALs beyond 2^53 read into f64,
// and SQL rows read the same whatever the other rows hold.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { rpcCall, uniqueName, useRuntime } from "./harness.mjs";

const shared = useRuntime();

async function call(method, ...args) {
  const response = await fetch(`${shared.runtime.url}/js/call?object=KV&name=${uniqueName("convert")}`, {
    method: "POST",
    body: JSON.stringify({ method, args }),
    signal: AbortSignal.timeout(120_000),
  });
  assert.equal(response.status, 200, `${method}: HTTP ${response.status}`);
  return response.json();
}

async function ok(method, ...args) {
  const answer = await call(method, ...args);
  assert.ok(!("error" in answer), `${method}: ${answer.error}`);
  return answer.ok;
}

describe("the bulk route's scratch memory is bounded", () => {
  test("a large argument read in bulk grows the object's memory by about its size, not three times it", async () => {
    const name = uniqueName("scratch");
    const on = async (method, ...args) => {
      const response = await fetch(`${shared.runtime.url}/js/call?object=KV&name=${name}`, {
        method: "POST",
        body: JSON.stringify({ method, args }),
        signal: AbortSignal.timeout(120_000),
      });
      const answer = await response.json();
      assert.ok(!("error" in answer), `${method}: ${answer.error}`);
      return answer.ok;
    };
    // 64 strings of 128 KiB (8 MiB of ASCII): a list of a dozen parts or more
    // crosses as one message of the wire format.
    const texts = Array.from({ length: 64 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(128 * 1024));
    const size = texts.length * texts[0].length;
    const before = await on("memoryBytes");
    assert.equal(await on("totalLength", texts), size);
    const grown = (await on("memoryBytes")) - before;
    // The message in UTF-8 (its size, for ASCII) plus the Strings read from
    // it: about twice the size. A scratch of three bytes per UTF-16 unit
    // alone would be three times it.
    assert.ok(grown < 2.5 * size, `memory grew by ${grown} bytes for ${size} bytes of text`);
    console.log(`memory grew by ${(grown / size).toFixed(2)}x the text's size`);
  });
});

describe("the bulk and field routes of the value conversion", () => {
  test("seeded random values read and write the same on both routes", async () => {
    const totals = { values: 0, decodes: 0, binary_read: 0, binary_declined: 0, field_accepted: 0, encodes: 0, bulk_written: 0 };
    for (const seed of [1, 2, 3, 4]) {
      const report = await ok("compareRoutes", seed, 150);
      assert.deepEqual(report.mismatches, [], `seed ${seed}:\n${report.mismatches.join("\n")}`);
      for (const key of Object.keys(totals)) totals[key] += report[key];
    }
    // The cases must exercise both routes: many values taken by the binary
    // route (the wire format written by JavaScript, which holds what JSON
    // cannot: undefined, NaN, -0, Uint8Arrays) and accepted, many written
    // by the JSON route (Rust -> JavaScript).
    assert.equal(totals.values, 600);
    assert.ok(totals.binary_read >= 1000, JSON.stringify(totals));
    assert.ok(totals.field_accepted >= 1000, JSON.stringify(totals));
    assert.ok(totals.bulk_written >= 500, JSON.stringify(totals));
    console.log("routes compared:", JSON.stringify(totals));
  });

  test("a __proto__ key is kept as an own key on both routes, both directions", async () => {
    for (const [extra, none] of [[0, true], [30, true], [0, false], [30, false]]) {
      // With a None value the map is built field by field, else parsed from JSON
      // (the JavaScript caller answers with JSON.stringify, which drops the undefined).
      const map = await ok("protoMap", extra, none);
      assert.ok(Object.hasOwn(map, "__proto__"), `extra ${extra}, none ${none}: ${JSON.stringify(map)}`);
      assert.deepEqual(map["__proto__"], { polluted: true });
      assert.equal(Object.keys(map).length, 1 + extra);
    }
    // From JavaScript: the harness's caller builds the argument with JSON.parse (own key).
    const few = JSON.parse('{"__proto__": {"a": 1}, "b": 2}');
    assert.deepEqual(await ok("mapKeys", few), ["__proto__", "b"]);
    const many = JSON.parse(`{"__proto__": {"a": 1}, ${Array.from({ length: 20 }, (_, i) => `"k${i}": ${i}`).join(", ")}}`);
    assert.ok((await ok("mapKeys", many)).includes("__proto__"));
  });

  test("what the field route refuses is refused at every size", async () => {
    for (const parts of [1, 40]) {
      // A string for bytes: under 12 parts the value crosses field by field, above as JSON.
      const probe = { zero: 0, nan: null, counts: { a: 1 }, blob: "not bytes", list: Array(parts).fill(1), text: null, big: null };
      const answer = await call("probe", probe);
      assert.match(answer.error ?? "", /invalid type: string "not bytes"/, `${parts} parts: ${JSON.stringify(answer)}`);
    }
  });
});

describe("a value of the wrong shape is refused naming where, what was expected and what came", () => {
  const at = (object, method, ...args) => rpcCall(shared.runtime.url, object, uniqueName("shape"), method, ...args);

  test("a string where a list is expected (KvExplorer.getMany)", async () => {
    const answer = await at("KV", "getMany", "abc");
    assert.equal(answer.error, 'getMany (Rust `get_many`): argument 1 (`keys`): invalid type: string "abc", expected a sequence');
  });

  test("a string where a list is expected inside a struct (Counter.weigh)", async () => {
    const answer = await at("COUNTER", "weigh", { items: "abc" });
    assert.equal(answer.error, 'weigh: argument 1 (`batch`): at `items`: invalid type: string "abc", expected a sequence');
    const deeper = await at("COUNTER", "weigh", { items: [{ id: 1, name: "one", tags: ["a", 2], score: 1, active: true }] });
    assert.equal(deeper.error, "weigh: argument 1 (`batch`): at `items[0].tags[1]`: invalid type: floating point `2.0`, expected a string");
  });

  test("a string where a list is expected in a JSON request body (POST /notes/)", async () => {
    const response = await fetch(`${shared.runtime.url}/notes/?name=${uniqueName("shape")}`, {
      method: "POST",
      body: JSON.stringify({ title: "t", body: "b", tags: "abc" }),
    });
    assert.equal(response.status, 400);
    assert.equal(await response.text(), 'expected {"title", "body", "tags"}: at `tags`: invalid type: string "abc", expected a sequence');
  });

  test("[key, value] pairs are a map (KvExplorer.putMany); a malformed pair is refused naming it", async () => {
    const name = uniqueName("pairs");
    assert.ok(!("error" in (await rpcCall(shared.runtime.url, "KV", name, "putMany", [["a", 1], ["b", "two"]]))));
    assert.deepEqual((await rpcCall(shared.runtime.url, "KV", name, "getMany", ["a", "b"])).ok, { a: 1, b: "two" });
    const refused = async (entries) => (await rpcCall(shared.runtime.url, "KV", name, "putMany", entries)).error;
    assert.equal(await refused([["a", 1], "b"]), "putMany (Rust `put_many`): argument 1 (`entries`): at `[1]`: expected a [key, value] pair, got string");
    assert.equal(await refused([["a"]]), "putMany (Rust `put_many`): argument 1 (`entries`): at `[0]`: expected a [key, value] pair, got an array of 1");
    assert.equal(await refused([[1, 2]]), "putMany (Rust `put_many`): argument 1 (`entries`): at `[0][0]`: invalid type: floating point `1.0`, expected a string");
    assert.equal(await refused("abc"), 'putMany (Rust `put_many`): argument 1 (`entries`): invalid type: string "abc", expected a map');
    // Nothing of a refused batch is written.
    assert.deepEqual((await rpcCall(shared.runtime.url, "KV", name, "getMany", ["a", "b"])).ok, { a: 1, b: "two" });
  });
});

describe("SQL rows", () => {
  test("a REAL beyond 2^53 reads into an f64; an integer target is refused by its column", async () => {
    assert.equal(await ok("sqlRows", "real-f64"), "[Real { x: 1e16 }, Real { x: -2e300 }]");
    assert.equal(await ok("sqlRows", "real-rows-f64"), "[Real { x: 1e16 }]");
    assert.equal(await ok("sqlRows", "real-value"), '[{"x": 1e16}]');
    const integer = await call("sqlRows", "real-i64");
    assert.equal(integer.error, "column `x` holds an integer beyond ±2^53, which the runtime cannot return exactly: select CAST(x AS TEXT)");
    const raw = await call("sqlRows", "real-raw-i64");
    assert.equal(raw.error, "column `#2` holds an integer beyond ±2^53, which the runtime cannot return exactly: select CAST(#2 AS TEXT)");
  });

  test("rows read the same whatever the other rows hold", async () => {
    // A struct is not read from an array, whether or not another row holds a non-finite number.
    const finite = await call("sqlRows", "points-finite");
    const nan = await call("sqlRows", "points-nan");
    assert.match(finite.error ?? "", /^row 0 does not fit the requested type: /, JSON.stringify(finite));
    assert.equal(finite.error, nan.error);
    assert.equal(await ok("sqlRows", "pairs-finite"), "[(1.5, 2.5), (3.0, 4.0)]");
    assert.equal(await ok("sqlRows", "pairs-nan"), "[(1.5, 2.5), (inf, 4.0)]");
  });
});
