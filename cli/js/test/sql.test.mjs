// `sdk/js/sql.mjs` against fake cursors and a real WebAssembly.Memory: rows
// go as one wire-format message written into memory when it holds them
// exactly, and are held (for the value-by-value route) when it does not.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { DONE, HELD, exec_packed, row_next, rows_all, rows_held } from "../../../sdk/js/sql.mjs";
import { encode } from "../../../sdk/js/wire.mjs";

const hex = (bytes) => Buffer.from(bytes).toString("hex");

/** A cursor over `rows` (objects in column order; taken from the array), as `SqlStorageCursor`. */
function cursor(rows) {
  let at = 0;
  return {
    toArray: () => rows.splice(at).map((r) => ({ ...r })),
    raw: () => rows.splice(at).map((r) => Object.values(r))[Symbol.iterator](),
    next: () => (at < rows.length ? { done: false, value: { ...rows[at++] } } : { done: true }),
  };
}

describe("sql.mjs", () => {
  test("every row goes as one message, written into memory when it fits", () => {
    const rows = [{ id: 1, name: "a", score: 0.5 }, { id: 2, name: "é", score: 2 }];
    const memory = new WebAssembly.Memory({ initial: 1 });
    const length = rows_all(cursor(rows.map((r) => ({ ...r }))), false, memory, 8, 4096);
    assert.equal(hex(new Uint8Array(memory.buffer, 8, length)), hex(encode(rows)));
    const raw = rows_all(cursor(rows.map((r) => ({ ...r }))), true, memory, 8, 4096);
    assert.equal(hex(new Uint8Array(memory.buffer, 8, raw)), hex(encode([[1, "a", 0.5], [2, "é", 2]])));
  });

  test("a blob goes as bytes", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const length = rows_all(cursor([{ b: new Uint8Array([1, 2, 3]).buffer }]), false, memory, 0, 4096);
    assert.equal(hex(new Uint8Array(memory.buffer, 0, length)), hex(encode([{ b: new Uint8Array([1, 2, 3]) }])));
  });

  test("rows with a number the message does not hold exactly are held, once", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    for (const odd of [2 ** 53, -(2 ** 60), -0, Infinity, NaN]) {
      assert.equal(rows_all(cursor([{ id: 1 }, { id: odd }]), false, memory, 0, 4096), HELD, String(odd));
      const held = rows_held();
      assert.equal(held.length, 2);
      assert.ok(Object.is(held[1].id, odd));
      assert.equal(rows_held(), undefined, "let go after it was taken");
    }
    assert.ok(new Uint8Array(memory.buffer).every((b) => b === 0), "nothing written for held rows");
  });

  test("row_next sends one row at a time, then DONE", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const c = cursor([{ id: 1 }, { id: 2 ** 60 }]);
    const length = row_next(c, memory, 0, 4096);
    assert.equal(hex(new Uint8Array(memory.buffer, 0, length)), hex(encode({ id: 1 })));
    assert.equal(row_next(c, memory, 0, 4096), HELD);
    assert.deepEqual(rows_held(), { id: 2 ** 60 });
    assert.equal(row_next(c, memory, 0, 4096), DONE);
  });

  test("a message larger than the room given answers its length only", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const rows = [{ text: "x".repeat(100) }];
    assert.equal(rows_all(cursor([...rows]), false, memory, 0, 10), encode(rows).length);
    assert.ok(new Uint8Array(memory.buffer).every((b) => b === 0));
  });

  test("exec_packed reads each kind of parameter from its slot", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const u8 = new Uint8Array(memory.buffer);
    const u32 = new Uint32Array(memory.buffer);
    const f64 = new Float64Array(memory.buffer);
    const text = new TextEncoder().encode("héllo");
    u8.set(text, 1024);
    u8.set([9, 8, 7], 2048);
    const slots = 64; // 16 bytes each: kind, length, then the f64 or the address
    const slot = (i, kind, len, value) => {
      u32[(slots >>> 2) + i * 4] = kind;
      u32[(slots >>> 2) + i * 4 + 1] = len;
      if (kind === 1) f64[(slots >>> 3) + i * 2 + 1] = value;
      else u32[(slots >>> 2) + i * 4 + 2] = value;
    };
    slot(0, 0, 0, 0);
    slot(1, 1, 0, -2.5);
    slot(2, 2, text.length, 1024);
    slot(3, 3, 3, 2048);
    slot(4, 2, 0, 0);
    const seen = [];
    const sql = { exec: (query, ...args) => (seen.push([query, args]), "cursor") };
    for (const count of [0, 1, 4, 5]) assert.equal(exec_packed(sql, "Q", memory, slots, count), "cursor");
    assert.deepEqual(seen, [
      ["Q", []],
      ["Q", [null]],
      ["Q", [null, -2.5, "héllo", new Uint8Array([9, 8, 7])]],
      ["Q", [null, -2.5, "héllo", new Uint8Array([9, 8, 7]), ""]],
    ]);
  });
});
