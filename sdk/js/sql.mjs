// The SQL side of the boundary (`sdk/src/storage/sql.rs`): a statement's
// parameters read from Wasm memory, and its rows written into Wasm memory in
// the SDK's wire format (`wire.mjs`), one call across the boundary each.
//
// Rows go as one message (an array of row objects, or of arrays for `raw`;
// `wire_encode_rows`) when it holds them exactly as the field-by-field route
// reads them: every number an integer within ±(2^53 - 1) or a finite
// fraction other than -0.
// A number beyond that may be an INTEGER the runtime rounded, which Rust
// refuses only where an integer is asked for; such rows (and anything the
// writer declines) are held here for Rust to take and read value by value.
// A blob (ArrayBuffer) becomes a Uint8Array either way, which serde reads as
// bytes.

import { DECLINED, wire_encode_rows } from "./wire.mjs";

/** `rows_all`/`row_next`: the rows are held for `rows_held` (not written). */
export const HELD = -1;
/** `row_next`: the cursor has no more rows. */
export const DONE = -2;

let held;

/** Blobs as Uint8Array, for the value-by-value route. */
function prepare(rows) {
  for (const row of rows) {
    for (const key in row) {
      if (row[key] instanceof ArrayBuffer) row[key] = new Uint8Array(row[key]);
    }
  }
}

/**
 * `rows` (or its one row, if `single`) written into `memory` as
 * `wire_encode_rows` does, or held (`HELD`).
 */
function send(rows, single, memory, ptr, capacity) {
  const length = wire_encode_rows(rows, memory, ptr, capacity, single);
  if (length !== DECLINED) return length;
  prepare(rows);
  held = single ? rows[0] : rows;
  return HELD;
}

/** `rows_all`/`row_next`: the cursor threw (take the error with `sql_error`). */
export const THREW = -3;

// What the runtime threw, for `sql_error`. These functions catch it
// themselves rather than through wasm-bindgen's `catch` (a closure, an
// `arguments` object and an `apply` per call): they call nothing in Wasm,
// so what they catch is the runtime's error, never a Wasm panic that must
// unwind through the Rust frames below.
let thrown;

/** What the last call answering `THREW` (or `undefined`) caught, let go here. */
export function sql_error() {
  const error = thrown;
  thrown = undefined;
  return error;
}

/** Every row of `cursor` (`cursor.raw()` if `raw`), sent as one message (an array), or `THREW`. */
export function rows_all(cursor, raw, memory, ptr, capacity) {
  let rows;
  try {
    rows = raw ? Array.from(cursor.raw()) : cursor.toArray();
  } catch (e) {
    thrown = e;
    return THREW;
  }
  return send(rows, false, memory, ptr, capacity);
}

/** The next row of `cursor` sent as one message (the row), `DONE`, or `THREW`. */
export function row_next(cursor, memory, ptr, capacity) {
  let step;
  try {
    step = cursor.next();
  } catch (e) {
    thrown = e;
    return THREW;
  }
  return step.done ? DONE : send([step.value], true, memory, ptr, capacity);
}

/** What was last answered `HELD` (the rows, or the row), let go here. */
export function rows_held() {
  const rows = held;
  held = undefined;
  return rows;
}

const text = new TextDecoder();
// Views of the Wasm memory, made again only when it grows (its buffer changes).
let views = null;
function viewsOf(memory) {
  const buffer = memory.buffer;
  if (views === null || views.buffer !== buffer) {
    views = { buffer, u8: new Uint8Array(buffer), u32: new Uint32Array(buffer), f64: new Float64Array(buffer) };
  }
  return views;
}

// UTF-8 text at `start`: short ASCII text is made from its bytes directly
// (a TextDecoder call costs more than the loop), anything else decoded.
function textAt(u8, start, len) {
  if (len <= 32) {
    let s = "";
    for (let i = start; i < start + len; i++) {
      const b = u8[i];
      if (b >= 0x80) return text.decode(u8.subarray(start, start + len));
      s += String.fromCharCode(b);
    }
    return s;
  }
  return text.decode(u8.subarray(start, start + len));
}

/** Parameter `i` of the slots at `ptr` (see `exec_packed`). */
function param(views, ptr, i) {
  const at = (ptr >>> 2) + i * 4;
  const { u8, u32 } = views;
  switch (u32[at]) {
    case 0: return null;
    case 1: return views.f64[(ptr >>> 3) + i * 2 + 1];
    case 2: return textAt(u8, u32[at + 2], u32[at + 1]);
    default: {
      const start = u32[at + 2];
      return u8.slice(start, start + u32[at + 1]);
    }
  }
}

/**
 * `sql.exec(query, ...params)`, the parameters read from `count` slots at
 * `ptr` in `memory`, as `Slot` in `sql.rs` lays them out: 16 bytes each,
 * 8-aligned: a kind (u32: 0 `null`, 1 number, 2 UTF-8 text, 3 bytes), the
 * length of text or bytes (u32), then the number (f64) or the address of
 * the text or bytes (u32). Up to four are passed as arguments directly (no
 * array, no spread: the common case). Answers the cursor; if the runtime
 * threw, writes 1 (u32) at `failed` instead (take the error with
 * `sql_error`).
 */
export function exec_packed(sql, query, memory, ptr, count, failed) {
  const v = viewsOf(memory);
  try {
    switch (count) {
      case 0: return sql.exec(query);
      case 1: return sql.exec(query, param(v, ptr, 0));
      case 2: return sql.exec(query, param(v, ptr, 0), param(v, ptr, 1));
      case 3: return sql.exec(query, param(v, ptr, 0), param(v, ptr, 1), param(v, ptr, 2));
      case 4: return sql.exec(query, param(v, ptr, 0), param(v, ptr, 1), param(v, ptr, 2), param(v, ptr, 3));
      default: {
        const args = new Array(count);
        for (let i = 0; i < count; i++) args[i] = param(v, ptr, i);
        return sql.exec(query, ...args);
      }
    }
  } catch (e) {
    thrown = e;
    v.u32[failed >>> 2] = 1;
    return undefined;
  }
}
