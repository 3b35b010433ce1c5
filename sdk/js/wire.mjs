// The JavaScript writer of the SDK's wire format (`sdk/src/rpc/wire.rs`
// documents the bytes; `wire-fixtures.json` beside this file pins them, for
// this writer and for the Rust one). A JavaScript value received over RPC (or
// read from storage) is written into a reusable scratch buffer here, copied
// into Wasm memory in one call, and read there by the wire reader: one
// boundary crossing and no text to parse, instead of one crossing per part.
//
// Only what the format holds exactly as the field-by-field route reads it is
// written: `undefined`, `null`, booleans, numbers, strings of whole
// characters, `Uint8Array`s, dense arrays and plain objects (prototype
// `Object.prototype` or `null`, own enumerable string keys). Anything else
// (a `Map`, a `Date`, a class instance, a stub, a function, a `BigInt`, a
// hole, another typed array, an `ArrayBuffer`, a lone surrogate, nesting
// deeper than `MAX_DEPTH`) declines the whole value (`DECLINED`), and the
// Rust side reads it field by field, which accepts it or words the error.

const VERSION = 1;
const UNDEFINED = 0x00;
const NULL = 0x01;
const FALSE = 0x02;
const TRUE = 0x03;
const INT = 0x04;
const FLOAT = 0x05;
const STRING = 0x06;
const BYTES = 0x07;
const ARRAY = 0x08;
const OBJECT = 0x09;

/** The deepest nesting of arrays and objects (`wire::MAX_DEPTH`). */
export const MAX_DEPTH = 128;
/** What `wire_encode` answers for a value the format does not hold exactly. */
export const DECLINED = -1;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
const BYTES_PROTO = Uint8Array.prototype;
const ITERATOR = Symbol.iterator;
const encoder = new TextEncoder();
// `isWellFormed` (ES2024) where the runtime has it; a lone surrogate otherwise.
const wellFormed = typeof String.prototype.isWellFormed === "function"
  ? (s) => s.isWellFormed()
  : (s) => !/\p{Surrogate}/u.test(s);

// The scratch: grows by doubling, never shrinks (a few values' worth).
let buf = new Uint8Array(16 * 1024);
let view = new DataView(buf.buffer);
let pos = 0;
let parts = 0;

/** Thrown (and caught in `wire_encode`) to decline the whole value. */
const DECLINE = { declined: true };

function reserve(n) {
  if (pos + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const grown = new Uint8Array(size);
  // All of it: a string being written may lie past `pos`.
  grown.set(buf);
  buf = grown;
  view = new DataView(buf.buffer);
}

/** An unsigned LEB128 varint of `v` (an integer, 0 <= v <= 2^53). */
function varint(v) {
  while (v >= 0x80) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[pos++] = v;
}

/** How many bytes `varint(v)` writes. */
function varintSize(v) {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

function count(n) {
  buf[pos++] = n & 0xff;
  buf[pos++] = (n >>> 8) & 0xff;
  buf[pos++] = (n >>> 16) & 0xff;
  buf[pos++] = n >>> 24;
}

/** A string: its UTF-8 length, then its UTF-8. */
function string(s) {
  const units = s.length;
  // The tag, and a length of up to 10 bytes.
  reserve(units + 11);
  buf[pos++] = STRING;
  if (units < 0x80) {
    // Short strings: ASCII written unit by unit, after a one-byte length.
    const start = pos + 1;
    let i = 0;
    for (; i < units; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[start + i] = c;
    }
    if (i === units) {
      buf[pos] = units;
      pos = start + units;
      return;
    }
  }
  if (!wellFormed(s)) throw DECLINE;
  // The length goes before the bytes: they are written where the longest
  // length (3 bytes per unit) would end, then moved back if it is shorter.
  // The scratch grows only by what is left to write (exact for ASCII).
  const room = varintSize(units * 3);
  reserve(room + units);
  let read = 0;
  let written = 0;
  for (;;) {
    const done = encoder.encodeInto(read === 0 ? s : s.substring(read), buf.subarray(pos + room + written));
    read += done.read;
    written += done.written;
    if (read >= units) break;
    reserve(room + written + (units - read) * 3);
  }
  const size = varintSize(written);
  if (size !== room) buf.copyWithin(pos + size, pos + room, pos + room + written);
  varint(written);
  pos += written;
}

function number(v) {
  if (Number.isInteger(v) && v <= MAX_SAFE && v >= -MAX_SAFE && !(v === 0 && 1 / v < 0)) {
    // Zigzag: 0, -1, 1, -2, ... as 0, 1, 2, 3, ..., that is 2m + s for
    // m = v or -v - 1 and s the sign. 2m + s is beyond 2^53 for the largest
    // integers, where a double is not exact: the first 7 bits are made of
    // m's low 6 and s, the rest is m / 64.
    reserve(11);
    buf[pos++] = INT;
    const s = v < 0 ? 1 : 0;
    const m = s ? -v - 1 : v;
    if (m < 64) {
      buf[pos++] = m * 2 + s;
    } else {
      buf[pos++] = (m % 64) * 2 + s + 0x80;
      varint(Math.floor(m / 64));
    }
  } else {
    // -0, fractions, integers beyond ±(2^53 - 1), NaN, the infinities.
    reserve(9);
    buf[pos++] = FLOAT;
    view.setFloat64(pos, v, true);
    pos += 8;
  }
}

function value(v, depth) {
  parts++;
  switch (typeof v) {
    case "undefined":
      reserve(1);
      buf[pos++] = UNDEFINED;
      return;
    case "boolean":
      reserve(1);
      buf[pos++] = v ? TRUE : FALSE;
      return;
    case "number":
      number(v);
      return;
    case "string":
      string(v);
      return;
    case "object":
      break;
    default:
      // BigInt, function, symbol.
      throw DECLINE;
  }
  if (v === null) {
    reserve(1);
    buf[pos++] = NULL;
    return;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === ARRAY_PROTO) {
    if (depth >= MAX_DEPTH) throw DECLINE;
    const length = v.length;
    reserve(5);
    buf[pos++] = ARRAY;
    count(length);
    for (let i = 0; i < length; i++) {
      const element = v[i];
      if (element === undefined && !(i in v)) throw DECLINE; // a hole
      value(element, depth + 1);
    }
    return;
  }
  if (proto === OBJECT_PROTO || proto === null) {
    // An own `Symbol.iterator` makes it an iterable to the field route.
    if (depth >= MAX_DEPTH || typeof v[ITERATOR] === "function") throw DECLINE;
    const keys = Object.keys(v);
    const length = keys.length;
    reserve(5);
    buf[pos++] = OBJECT;
    count(length);
    for (let i = 0; i < length; i++) {
      const key = keys[i];
      string(key);
      value(v[key], depth + 1);
    }
    return;
  }
  if (proto === BYTES_PROTO) {
    const length = v.length;
    reserve(length + 11);
    buf[pos++] = BYTES;
    varint(length);
    buf.set(v, pos);
    pos += length;
    return;
  }
  throw DECLINE;
}

/**
 * Writes the message of `v` (the version byte, then the value) into the
 * scratch; answers its length in bytes, or `DECLINED` if the format does not
 * hold `v` exactly or `v` has fewer than `min` parts (values at any depth).
 */
export function wire_encode(v, min) {
  pos = 0;
  parts = 0;
  try {
    reserve(1);
    buf[pos++] = VERSION;
    value(v, 0);
  } catch {
    // `DECLINE`, or anything a getter or a proxy threw: the field route
    // decides (and words the error).
    release();
    return DECLINED;
  }
  if (parts < min) {
    release();
    return DECLINED;
  }
  return pos;
}

// A view of the Wasm memory, made again only when it grows (its buffer changes).
let target = null;

/** Copies the first `length` bytes of the scratch into `memory` at `ptr`. */
export function wire_copy(memory, ptr, length) {
  if (target === null || target.buffer !== memory.buffer) target = new Uint8Array(memory.buffer);
  if (length <= 64) {
    // A short message: a loop costs less than making a view to `set`.
    for (let i = 0; i < length; i++) target[ptr + i] = buf[i];
  } else {
    target.set(buf.subarray(0, length), ptr);
  }
  release();
}

/**
 * `wire_encode` of an object or array `v`, and, when the message fits the
 * `capacity` bytes at `ptr` in `memory`, the copy there too: one call across
 * the boundary in the common case. Answers the length (copied only if it is
 * at most `capacity`; else the caller makes room and calls `wire_copy`), or
 * `DECLINED` (also for anything but an object: a scalar is read directly).
 */
export function wire_encode_into(v, min, memory, ptr, capacity) {
  if (typeof v !== "object" || v === null) return DECLINED;
  const length = wire_encode(v, min);
  if (length !== DECLINED && length <= capacity) wire_copy(memory, ptr, length);
  return length;
}

/**
 * The rows of an SQL result (`cursor.toArray()`, or `cursor.raw()` as
 * arrays) as one message, as `wire_encode_into` writes it: an array of
 * objects with the first row's keys (every row of a result has the same
 * columns), or of arrays. A value is `null`, a string, a number the format
 * holds exactly as an integer or a fraction (not -0, not beyond ±(2^53 - 1)
 * if an integer, finite), or a blob (`ArrayBuffer`, or `Uint8Array`),
 * written as bytes; anything else declines the whole result (`DECLINED`).
 * The keys are written once and copied for each row: no walk of each row's
 * keys and no dispatch on each value's kind beyond these. `single`: `rows`
 * holds one row, written alone (not in an array).
 */
export function wire_encode_rows(rows, memory, ptr, capacity, single = false) {
  pos = 0;
  parts = 0;
  try {
    const length = rows.length;
    reserve(6);
    buf[pos++] = VERSION;
    if (!single) {
      buf[pos++] = ARRAY;
      count(length);
    }
    if (length > 0 && Object.getPrototypeOf(rows[0]) !== ARRAY_PROTO) {
      const keys = Object.keys(rows[0]);
      const columns = keys.length;
      const names = keyBytes(keys);
      for (let r = 0; r < length; r++) {
        const row = rows[r];
        reserve(5);
        buf[pos++] = OBJECT;
        count(columns);
        let at = 0;
        for (let k = 0; k < columns; k++) {
          // The key: its tag, length and bytes, copied (a short key by hand).
          const size = names[at + 1] < 0x80 ? 2 + names[at + 1] : keySize(names, at);
          reserve(size);
          if (size <= 16) for (let i = 0; i < size; i++) buf[pos + i] = names[at + i];
          else buf.set(names.subarray(at, at + size), pos);
          pos += size;
          at += size;
          cell(row[keys[k]]);
        }
      }
    } else {
      for (let r = 0; r < length; r++) {
        const row = rows[r];
        const columns = row.length;
        reserve(5);
        buf[pos++] = ARRAY;
        count(columns);
        for (let k = 0; k < columns; k++) cell(row[k]);
      }
    }
  } catch {
    release();
    return DECLINED;
  }
  if (pos <= capacity) wire_copy(memory, ptr, pos);
  return pos;
}

// The last result's keys and their bytes (a statement run again has the
// same columns).
let lastKeys = [];
let lastNames = new Uint8Array(0);

/** The bytes of `keys` as strings of the message, one after the other. */
function keyBytes(keys) {
  const columns = keys.length;
  if (columns === lastKeys.length) {
    let same = true;
    for (let k = 0; k < columns && same; k++) same = keys[k] === lastKeys[k];
    if (same) return lastNames;
  }
  // Written past the scratch's used part, then copied out.
  const start = pos;
  for (let k = 0; k < columns; k++) string(keys[k]);
  const names = buf.slice(start, pos);
  pos = start;
  lastKeys = keys;
  lastNames = names;
  return names;
}

/** The bytes of the string at `at` in `names` (tag, varint length, UTF-8). */
function keySize(names, at) {
  let length = 0;
  let shift = 1;
  let i = at + 1;
  for (;;) {
    const b = names[i++];
    length += (b & 0x7f) * shift;
    if (b < 0x80) break;
    shift *= 0x80;
  }
  return i - at + length;
}

/** One value of an SQL row (see `wire_encode_rows`). */
function cell(v) {
  if (v === null) {
    reserve(1);
    buf[pos++] = NULL;
  } else if (typeof v === "string") {
    string(v);
  } else if (typeof v === "number") {
    if (Number.isInteger(v) ? v > MAX_SAFE || v < -MAX_SAFE || (v === 0 && 1 / v < 0) : !Number.isFinite(v)) throw DECLINE;
    number(v);
  } else if (v instanceof ArrayBuffer || Object.getPrototypeOf(v) === BYTES_PROTO) {
    const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : v;
    const length = bytes.length;
    reserve(length + 11);
    buf[pos++] = BYTES;
    varint(length);
    buf.set(bytes, pos);
    pos += length;
  } else {
    throw DECLINE;
  }
}

/** A scratch grown past 1 MiB by a large value is let go after it. */
function release() {
  if (buf.length > 1024 * 1024) {
    buf = new Uint8Array(16 * 1024);
    view = new DataView(buf.buffer);
  }
}

/** The message of `v` as a new `Uint8Array`, or `undefined` (for tests). */
export function encode(v) {
  const length = wire_encode(v, 0);
  const message = length === DECLINED ? undefined : buf.slice(0, length);
  release();
  return message;
}
