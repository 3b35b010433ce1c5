// The value conversion's two routes on the real runtime: a composite value
// crosses either as one JSON text (the bulk route) or part by part (the field
// route, which is the definition). Seeded random values (arrays for structs,
// numeric-string keys for integer maps, strings for bytes, -0, NaN,
// undefined, holes, big integers, BigInts, own `__proto__` keys at any depth,
// unicode, lone surrogates) and Rust values (None, NaN, f32, u64 beyond 2^53,
// bytes, __proto__ keys) are converted both ways inside the object, and must
// agree: same accepted values read the same, same JavaScript values built.
// Also: `__proto__` is data on both routes, REALs beyond 2^53 read into f64,
// and SQL rows read the same whatever the other rows hold.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { uniqueName, useRuntime } from "./harness.mjs";

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

describe("the bulk and field routes of the value conversion", () => {
  test("seeded random values read and write the same on both routes", async () => {
    const totals = { values: 0, decodes: 0, bulk_read: 0, bulk_declined: 0, field_accepted: 0, encodes: 0, bulk_written: 0 };
    for (const seed of [1, 2, 3, 4]) {
      const report = await ok("compareRoutes", seed, 150);
      assert.deepEqual(report.mismatches, [], `seed ${seed}:\n${report.mismatches.join("\n")}`);
      for (const key of Object.keys(totals)) totals[key] += report[key];
    }
    // The cases must exercise both routes: many values taken by the bulk
    // route and accepted, many written by it.
    assert.equal(totals.values, 600);
    assert.ok(totals.bulk_read >= 500, JSON.stringify(totals));
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
