// The SDK's JavaScript writer of the wire format (sdk/js/wire.mjs): the
// bytes of the shared fixture table (sdk/js/wire-fixtures.json, which a Rust
// test checks against the Rust writer), and every value it must decline
// (the field route then reads it, or words the error).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { DECLINED, MAX_DEPTH, encode, wire_copy, wire_encode, wire_encode_into, wire_encode_rows } from "../../../sdk/js/wire.mjs";

const table = JSON.parse(readFileSync(new URL("../../../sdk/js/wire-fixtures.json", import.meta.url), "utf8"));

/** The JavaScript value a fixture stands for (see the table's `about`). */
function valueOf(v) {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(valueOf);
  const [key, inner] = Object.entries(v)[0];
  switch (key) {
    case "$undefined":
      return undefined;
    case "$f64":
      return Number(inner);
    case "$bytes":
      return new Uint8Array(Buffer.from(inner, "hex"));
    case "$object": {
      const object = {};
      for (const [k, value] of inner) {
        // An own property, even `__proto__` (as JSON.parse and structured clone make it).
        Object.defineProperty(object, k, { value: valueOf(value), writable: true, enumerable: true, configurable: true });
      }
      return object;
    }
    default:
      throw new Error(`unknown fixture key ${key}`);
  }
}

const hex = (bytes) => Buffer.from(bytes).toString("hex");

describe("the JavaScript writer of the wire format", () => {
  test("writes the bytes of the fixture table", () => {
    assert.ok(table.cases.length >= 40);
    for (const { name, value, bytes } of table.cases) {
      const written = encode(valueOf(value));
      assert.ok(written, `${name}: declined`);
      assert.equal(hex(written), bytes, name);
    }
  });

  test("declines what the format does not hold exactly as the field route reads it", () => {
    class Point {
      constructor() {
        this.x = 1;
      }
    }
    const deep = (n) => {
      let v = null;
      for (let i = 0; i < n; i++) v = [v];
      return v;
    };
    const deepObject = (n) => {
      let v = 1;
      for (let i = 0; i < n; i++) v = { v };
      return v;
    };
    const iterable = { [Symbol.iterator]: function* () {} };
    const throwing = Object.defineProperty({}, "x", { enumerable: true, get: () => { throw new Error("no"); } });
    const declined = {
      "a Map": new Map([["a", 1]]),
      "a Set": new Set([1]),
      "a Date": new Date(0),
      "a class instance": new Point(),
      "a function": () => 1,
      "a BigInt": 1n,
      "a symbol": Symbol("s"),
      "a hole": [1, , 3],
      "an Int8Array": new Int8Array(2),
      "a Uint16Array": new Uint16Array(2),
      "a Uint8ClampedArray": new Uint8ClampedArray(2),
      "a Buffer (a subclass of Uint8Array)": Buffer.from([1]),
      "an ArrayBuffer": new ArrayBuffer(2),
      "a DataView": new DataView(new ArrayBuffer(2)),
      "a RegExp": /x/,
      "an Error": new Error("e"),
      "a boxed string": new String("s"),
      "a lone high surrogate": "a\ud800b",
      "a lone low surrogate in a long string": "x".repeat(200) + "\udc00",
      "a lone surrogate in a key": { "k\ud800": 1 },
      "a plain object with its own iterator": iterable,
      "a getter that throws": throwing,
      "an array subclass": new (class extends Array {})(),
      "nesting deeper than MAX_DEPTH (arrays)": deep(MAX_DEPTH + 1),
      "nesting deeper than MAX_DEPTH (objects)": deepObject(MAX_DEPTH + 1),
    };
    for (const [name, value] of Object.entries(declined)) {
      assert.equal(encode({ inside: [value] }), undefined, `${name}, nested`);
      assert.equal(wire_encode(value, 0), DECLINED, name);
    }
    // Exactly MAX_DEPTH levels are written (as the Rust writer does).
    assert.ok(encode(deep(MAX_DEPTH)));
    assert.ok(encode(deepObject(MAX_DEPTH)));
  });

  test("takes plain objects without a prototype, and counts parts as the JSON route did", () => {
    const bare = Object.create(null);
    bare.a = 1;
    assert.equal(hex(encode(bare)), "01090100000006016104" + "02");
    // `min`: values at any depth, the keys not counted.
    const value = { a: [1, 2], b: "x" };
    assert.equal(wire_encode(value, 6), DECLINED);
    assert.ok(wire_encode(value, 5) > 0);
  });

  test("a long string written past the scratch's end, and a huge scratch let go", () => {
    const text = "é".repeat(20_000) + "x".repeat(50_000) + "😀".repeat(10_000);
    const bytes = encode([text, "ok"]);
    const utf8 = Buffer.from(text, "utf8");
    // ARRAY, count 2, STRING, varint(length), UTF-8, then "ok".
    const length = [];
    for (let n = utf8.length; ; n = Math.floor(n / 128)) {
      if (n < 128) {
        length.push(n);
        break;
      }
      length.push((n % 128) | 0x80);
    }
    assert.equal(hex(bytes), hex([1, 8, 2, 0, 0, 0, 6, ...length, ...utf8, 6, 2, 0x6f, 0x6b]));
    const large = "z".repeat(3 << 20);
    assert.equal(encode(large).length, 1 + 1 + 4 + large.length);
    // The next message is written as well after the scratch was let go.
    assert.equal(hex(encode("é")), "010602c3a9");
  });

  test("copies the scratch into a memory", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const length = wire_encode({ x: [true, null] }, 0);
    wire_copy(memory, 16, length);
    assert.equal(hex(new Uint8Array(memory.buffer, 16, length)), hex(encode({ x: [true, null] })));
    assert.equal(new Uint8Array(memory.buffer)[15], 0);
    assert.equal(new Uint8Array(memory.buffer)[16 + length], 0);
  });

  test("SQL rows are written as the general writer writes the same rows, blobs as bytes", () => {
    const memory = new WebAssembly.Memory({ initial: 4 });
    const rows = (n) => Array.from({ length: n }, (_, i) => ({ id: i, name: `row ${i}`, score: i * 0.5, none: null, "ünï": "cödé", [`k${"y".repeat(140)}`]: -i - 1 }));
    const cases = [
      [],
      rows(1),
      rows(300),
      [{ b: new Uint8Array([1, 2, 255]).buffer, n: -(2 ** 53 - 1), s: "" }],
      [[1, "a", null, 2.5], [2, "b", new Uint8Array([7]).buffer, -3]],
      [{ "a-much-longer-column-name-than-sixteen": 1 }, { "a-much-longer-column-name-than-sixteen": 2 }],
    ];
    for (const value of cases) {
      // The general writer's message of the same rows, blobs as Uint8Array.
      const expected = encode(value.map((row) => (Array.isArray(row) ? row : { ...row }).map?.((v) => (v instanceof ArrayBuffer ? new Uint8Array(v) : v)) ?? Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof ArrayBuffer ? new Uint8Array(v) : v]))));
      const length = wire_encode_rows(value, memory, 8, 1 << 18);
      assert.equal(hex(new Uint8Array(memory.buffer, 8, length)), hex(expected), JSON.stringify(value).slice(0, 80));
    }
    const one = rows(1);
    const single = wire_encode_rows(one, memory, 8, 1 << 18, true);
    assert.equal(hex(new Uint8Array(memory.buffer, 8, single)), hex(encode(one[0])));
  });

  test("SQL rows decline what the message would not hold exactly", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    for (const v of [2 ** 53, -(2 ** 53), -0, NaN, Infinity, -Infinity, 10n, true, undefined, {}, [1], new Uint16Array(1), "\ud800"]) {
      assert.equal(wire_encode_rows([{ a: 1 }, { a: v }], memory, 0, 4096), DECLINED, String(v));
      assert.equal(wire_encode_rows([[1], [v]], memory, 0, 4096), DECLINED, String(v));
    }
    assert.ok(new Uint8Array(memory.buffer).every((b) => b === 0), "nothing written for a declined result");
    // The next result is written as well.
    assert.ok(wire_encode_rows([{ a: 1 }], memory, 0, 4096) > 0);
  });

  test("writes into a memory in the same call when the message fits, else only answers its length", () => {
    const value = { x: [true, null], s: "text" };
    const message = encode(value);
    const fits = new WebAssembly.Memory({ initial: 1 });
    assert.equal(wire_encode_into(value, 0, fits, 32, message.length), message.length);
    assert.equal(hex(new Uint8Array(fits.buffer, 32, message.length)), hex(message));
    assert.equal(new Uint8Array(fits.buffer)[32 + message.length], 0);

    const small = new WebAssembly.Memory({ initial: 1 });
    assert.equal(wire_encode_into(value, 0, small, 32, message.length - 1), message.length);
    assert.ok(new Uint8Array(small.buffer).every((b) => b === 0), "nothing written past a capacity too small");
    // The scratch still holds the message for `wire_copy`.
    wire_copy(small, 32, message.length);
    assert.equal(hex(new Uint8Array(small.buffer, 32, message.length)), hex(message));

    for (const scalar of [1, "s", null, undefined, true]) assert.equal(wire_encode_into(scalar, 0, fits, 0, 100), DECLINED);
    assert.equal(wire_encode_into(new Map(), 0, fits, 0, 100), DECLINED);
    assert.equal(wire_encode_into({ a: 1 }, 5, fits, 0, 100), DECLINED);
  });
});
