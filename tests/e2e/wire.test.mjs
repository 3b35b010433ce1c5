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

describe("the wire format's entry point", () => {
  const name = uniqueName("wire-entry");
  // `total({ lines: [] })`: version 1, an array of one argument: an object
  // of one property, `lines`, an empty array.
  const emptyOrder = [1, 0x08, 1, 0, 0, 0, 0x09, 1, 0, 0, 0, 0x06, 5, ...Buffer.from("lines"), 0x08, 0, 0, 0, 0];

  test("takes one Uint8Array and throws what the structured call throws", async () => {
    const answer = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", { bytes: emptyOrder });
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
    const answer = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_echo", { bytes: message });
    assert.equal(answer.type, "Uint8Array", JSON.stringify(answer));
    const bytes = answer.ok.bytes;
    // Version 1, an array of two: the line (an object of five properties,
    // `note` undefined) and `undefined`.
    assert.deepEqual(bytes.slice(0, 7), [1, 0x08, 2, 0, 0, 0, 0x09]);
    assert.deepEqual(bytes.slice(7, 11), [5, 0, 0, 0]);
    assert.deepEqual(bytes.slice(-8), [0x06, 4, ...Buffer.from("note"), 0x00, 0x00].slice(-8));
  });

  test("refuses what is not a message of its version, with errors that say so", async () => {
    const notBytes = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", { lines: [] });
    assert.equal(notBytes.error, "total: a binary call takes one Uint8Array");
    const version = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", { bytes: [2, 0x01] });
    assert.equal(version.error, "total: durable wire format refused: version 2; this object reads version 1");
    const truncated = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", { bytes: [1, 0x08, 1, 0, 0, 0, 0x06, 9] });
    assert.equal(truncated.error, "total: malformed binary value: truncated");
    const trailing = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", { bytes: [...emptyOrder, 0x01] });
    assert.equal(trailing.error, "total: malformed binary value: bytes after the arguments");
    const nested = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "__durable_wire_total", { bytes: [1, 0x08, 1, 0, 0, 0, ...Array(200).fill([0x08, 1, 0, 0, 0]).flat(), 0x01] });
    assert.match(nested.error, /^total: argument 1 \(`order`\): .*nested too deeply|^total: malformed binary value: nested too deeply/);
    // The object still answers.
    const ok = await rpcCall(shared.runtime.url, "WIRE_LAB", name, "total", { lines: sample(2) });
    assert.equal(ok.ok, 1 * 1 + 2 * 1.25);
  });
});
