// Calls between two objects of the SDK in the wire format (the typed stub's
// binary form of a call, `durable::rpc`'s `wire` module), on the real
// runtime: the same callee (`WireLab`) takes them and the structured calls
// of JavaScript callers, answers both alike, reads callers of other versions
// as it reads them in the structured form, and fails them with the same
// errors.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { get, rpcCall, uniqueName, useRuntime } from "./harness.mjs";

const shared = useRuntime();

/** One scenario of `/wire-lab/check`: the typed stub's outcome and the structured call's. */
async function check(scenario, name = uniqueName("wire")) {
  const answer = await get(shared.runtime.url, `/wire-lab/check?scenario=${scenario}&name=${name}`);
  assert.equal(answer.status, 200, answer.text);
  return JSON.parse(answer.text);
}

const sample = (n) =>
  Array.from({ length: n }, (_, i) => ({ sku: `SKU-${String(i).padStart(5, "0")}`, quantity: (i % 7) + 1, price: i * 0.25 + 1, tags: ["red", `t${i}`] }));
const expectedTotal = sample(150).reduce((sum, l) => sum + l.quantity * l.price, 0);

describe("Rust -> Rust calls in the wire format", () => {
  test("the typed stub's call and the structured call give the same answer", async () => {
    const { wire, structured } = await check("total");
    assert.deepEqual(wire, { ok: expectedTotal });
    assert.deepEqual(structured, wire);
    // A JavaScript caller's structured call to the same callee.
    const js = await rpcCall(shared.runtime.url, "WIRE_LAB", uniqueName("wire-js"), "total", { lines: sample(150) });
    assert.deepEqual(js.ok, expectedTotal);
  });

  test("the callee's Err reaches the Rust caller as in the structured form", async () => {
    const { wire, structured } = await check("empty");
    assert.deepEqual(wire, { error: "remote error: an empty order" });
    assert.deepEqual(structured, wire);
  });

  test("undefined, null and nested options cross as in the structured form", async () => {
    // What the callee read of the line's `note` and of the nested option, as sent.
    const { wire } = await check("echo");
    assert.deepEqual(wire, ["Ok((None, None))", 'Ok((Some("fragile"), Some(None)))', 'Ok((Some("fragile"), Some(Some("n"))))']);
  });

  test("a newer caller's extra field is ignored, as in the structured form", async () => {
    const { wire, structured } = await check("newer");
    assert.deepEqual(wire, { ok: expectedTotal });
    assert.deepEqual(structured, wire);
  });

  test("an older caller's missing optional field reads as None, as in the structured form", async () => {
    const { wire, structured } = await check("older");
    assert.deepEqual(wire, { ok: expectedTotal });
    assert.deepEqual(structured, wire);
  });

  test("a value of the wrong shape is refused with the structured form's error", async () => {
    const { wire, structured } = await check("wrong");
    assert.match(wire.error, /^remote error: total: argument 1 \(`order`\): missing field `lines`/);
    assert.deepEqual(structured, wire);
  });

  test("a method the callee does not have fails as in the structured form", async () => {
    const { wire, structured } = await check("retired");
    assert.match(wire.error, /does not implement the method "retired"/);
    assert.deepEqual(structured, wire);
  });

  test("a panic fails the call as in the structured form", async () => {
    const { wire, structured } = await check("explode");
    assert.match(wire.error, /Rust panic: .*the wire lab exploded/);
    assert.deepEqual(structured, wire);
  });

  test("values holding JavaScript handles cross in the structured form", async () => {
    // `peer` returns a stub (its result falls back), `poke` takes one.
    const { wire } = await check("handles");
    assert.deepEqual(wire, [{ ok: 1 }, { ok: 2 }]);
  });
});

/** The carrier of a message (`sdk/src/rpc/wire.rs`, "The carrier"): a string, two bytes to a unit, then the pad. */
function carrier(bytes) {
  const units = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) units.push(bytes[i] | (bytes[i + 1] << 8));
  const pad = bytes.length % 2;
  if (pad) units.push(bytes[bytes.length - 1]);
  units.push(pad);
  return String.fromCharCode(...units);
}

/** The message a carrier holds. */
function uncarry(text) {
  const units = [...text].flatMap((c) => (c.length === 2 ? [c.charCodeAt(0), c.charCodeAt(1)] : [c.charCodeAt(0)]));
  const pad = units.pop();
  const bytes = units.flatMap((u) => [u & 0xff, u >> 8]);
  return bytes.slice(0, bytes.length - pad);
}

describe("the wire format's entry point", () => {
  const name = uniqueName("wire-entry");
  // `total({ lines: [] })`: version 1, an array of one argument: an object
  // of one property, `lines`, an empty array.
  const emptyOrder = [1, 0x08, 1, 0, 0, 0, 0x09, 1, 0, 0, 0, 0x06, 5, ...Buffer.from("lines"), 0x08, 0, 0, 0, 0];

  test("takes one carrier and throws what the structured call throws", async () => {
    const answer = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", carrier(emptyOrder));
    assert.equal(answer.error, "an empty order");
    const structured = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "total", { lines: [] });
    assert.equal(structured.error, answer.error);
  });

  test("answers a result in the wire format", async () => {
    // `echo({ sku: "a", quantity: 2, price: 0.5, tags: [] })`, no `note`.
    const fields = [
      [0x06, 3, ...Buffer.from("sku"), 0x06, 1, ...Buffer.from("a")],
      [0x06, 8, ...Buffer.from("quantity"), 0x04, 4],
      [0x06, 5, ...Buffer.from("price"), 0x05, ...new Uint8Array(new Float64Array([0.5]).buffer)],
      [0x06, 4, ...Buffer.from("tags"), 0x08, 0, 0, 0, 0],
    ].flat();
    const message = [1, 0x08, 1, 0, 0, 0, 0x09, 4, 0, 0, 0, ...fields];
    const answer = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_echo", carrier(message));
    assert.equal(answer.type, "string", JSON.stringify(answer));
    const bytes = uncarry(answer.ok);
    assert.equal(carrier(bytes), answer.ok, "the carrier of the result is the documented one");
    // Version 1, an array of two: the line (an object of five properties,
    // `note` undefined) and `undefined`.
    assert.deepEqual(bytes.slice(0, 7), [1, 0x08, 2, 0, 0, 0, 0x09]);
    assert.deepEqual(bytes.slice(7, 11), [5, 0, 0, 0]);
    assert.deepEqual(bytes.slice(-8), [0x06, 4, ...Buffer.from("note"), 0x00, 0x00].slice(-8));
  });

  test("a carrier whose units are lone surrogates crosses the runtime exactly, both ways", async () => {
    // "ءءء" is D8 A1 D8 A1 D8 A1 in UTF-8: at an odd offset, units 0xA1D8
    // and 0xD8A1 (a lone high surrogate) follow each other in the carrier.
    const sku = [...Buffer.from("ءءء")];
    const fields = [
      [0x06, 3, ...Buffer.from("sku"), 0x06, sku.length, ...sku],
      [0x06, 8, ...Buffer.from("quantity"), 0x04, 4],
      [0x06, 5, ...Buffer.from("price"), 0x04, 2],
      [0x06, 4, ...Buffer.from("tags"), 0x08, 0, 0, 0, 0],
    ];
    let lone = 0;
    for (const shift of [[], [0x06, 1, ...Buffer.from("n")]]) {
      // The note (or none) before the sku moves it by one byte: both alignments.
      const body = [...(shift.length ? [0x06, 4, ...Buffer.from("note"), ...shift] : []), ...fields.flat()];
      const message = [1, 0x08, 1, 0, 0, 0, 0x09, shift.length ? 5 : 4, 0, 0, 0, ...body];
      const sent = carrier(message);
      lone += [...sent].filter((c) => c.length === 1 && c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdfff).length;
      const answer = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_echo", sent);
      assert.equal(answer.type, "string", JSON.stringify(answer));
      const bytes = uncarry(answer.ok);
      const at = bytes.findIndex((_, i) => bytes.slice(i, i + sku.length).every((b, k) => b === sku[k]));
      assert.ok(at > 0, `the sku's bytes come back: ${bytes}`);
    }
    assert.ok(lone > 0, "lone surrogates in one of the carriers");
  });

  test("refuses what is not a message of its version, with errors that say so", async () => {
    const notBytes = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", { lines: [] });
    assert.equal(notBytes.error, "total: a binary call takes one string (the wire format's carrier)");
    const uint8 = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", { bytes: emptyOrder });
    assert.equal(uint8.error, notBytes.error);
    const version = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", carrier([2, 0x01]));
    assert.equal(version.error, "total: durable wire format refused: version 2; this object reads version 1");
    const truncated = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", carrier([1, 0x08, 1, 0, 0, 0, 0x06, 9]));
    assert.equal(truncated.error, "total: malformed binary value: truncated");
    const pad = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", "\u0801\u0002");
    assert.equal(pad.error, "total: malformed binary value: a carrier whose padding is not 0 or 1 zero byte");
    const trailing = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", carrier([...emptyOrder, 0x01]));
    assert.equal(trailing.error, "total: malformed binary value: bytes after the arguments");
    // The object still answers.
    const ok = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "total", { lines: sample(2) });
    assert.equal(ok.ok, 1 * 1 + 2 * 1.25);
  });
});
