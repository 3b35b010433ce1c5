// JS RPC into the Rust `Counter` from a plain JavaScript worker, on the real
// runtime: the documented interface, plain values back, clear errors for bad
// input, nothing of wasm-bindgen reachable, and neither `#[durable(skip)]`
// nor private methods callable.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import { ROOT, get, rpcCall, uniqueName, useRuntime } from "./harness.mjs";

const shared = useRuntime();

const call = (name, method, ...args) => rpcCall(shared.runtime.url, "COUNTER", name, method, ...args);
const callOn = (object, name, method, ...args) => rpcCall(shared.runtime.url, object, name, method, ...args);

describe("JavaScript -> Rust RPC", () => {
  test("the documented Counter interface resolves to numbers", async () => {
    const name = uniqueName("js");
    const at = async (q) => JSON.parse((await get(shared.runtime.url, `/js/counter?name=${name}&${q}`)).text);
    assert.deepEqual(await at("op=get"), { value: 0, type: "number" });
    assert.deepEqual(await at("op=increment&amount=5"), { value: 5, type: "number" });
    assert.deepEqual(await at("op=decrement&amount=2"), { value: 3, type: "number" });
    assert.deepEqual(await at("op=get"), { value: 3, type: "number" });
    // The Rust worker's typed stub reaches the same object.
    assert.equal((await get(shared.runtime.url, `/counter/?name=${name}`)).text, `Durable Object '${name}' count: 3`);
  });

  test("wrong argument types and counts are errors naming the method and argument", async () => {
    const name = uniqueName("bad");
    await call(name, "increment", 2);

    const wrongType = await call(name, "increment", "five");
    assert.equal(wrongType.remote, true);
    assert.match(wrongType.error, /^increment: argument 1 \(`amount`\): invalid type: string "five", expected i64/);

    const missing = await call(name, "increment");
    assert.match(missing.error, /^increment: missing argument 1 \(`amount`\): it takes 1 argument\(s\), 0 given/);

    const extra = await call(name, "decrement", 1, 2);
    assert.match(extra.error, /^decrement: takes 1 argument\(s\), 2 given/);

    const fraction = await call(name, "increment", 1.5);
    assert.match(fraction.error, /^increment: argument 1 \(`amount`\)/);

    // The object kept serving and kept its state.
    assert.deepEqual(await call(name, "getCounterValue"), { ok: 2, type: "number" });
  });

  test("an application error reaches the caller with its message, state intact", async () => {
    const name = uniqueName("overflow");
    await call(name, "increment", { bigint: (2n ** 63n - 1n).toString() }).then((r) => {
      // i64::MAX itself cannot be stored as a JavaScript number: refused, not rounded.
      assert.equal(r.remote, true);
      assert.match(r.error ?? "", /^the value for key "value" cannot be stored: .*9223372036854775807/, JSON.stringify(r));
    });
    assert.deepEqual(await call(name, "getCounterValue"), { ok: 0, type: "number" });
    await call(name, "increment", 1);
    assert.deepEqual(await call(name, "getCounterValue"), { ok: 1, type: "number" });
  });

  test("extra arguments are refused, not ignored; a missing trailing Option is None", async () => {
    const name = uniqueName("extra");
    const kv = (method, ...args) => callOn("KV", name, method, ...args);
    assert.equal((await kv("putMany", { alice: 100, bob: 5 })).error, undefined);
    // A JavaScript object would ignore the fifth argument; here it is an error, and nothing is written.
    const extra = await kv("transfer", "alice", "bob", 30, null, { dryRun: true });
    assert.equal(extra.remote, true, JSON.stringify(extra));
    assert.equal(extra.error, "transfer: takes 4 argument(s), 5 given; extra arguments are refused, not ignored");
    assert.deepEqual((await kv("getMany", ["alice", "bob"])).ok, { alice: 100, bob: 5 });
    // The way an API grows: a trailing `Option` parameter may be left out (None).
    assert.deepEqual(await kv("transfer", "alice", "bob", 30), { ok: 70, type: "number" });
    const none = await call(name, "getCounterValue", "unexpected");
    assert.equal(none.error, "getCounterValue (Rust `get_counter_value`): takes 0 argument(s), 1 given; extra arguments are refused, not ignored");
  });

  test("decrement by i64::MIN is an overflow error, not a wrapped negation", async () => {
    const name = uniqueName("neg");
    await call(name, "increment", 5);
    // -i64::MIN does not exist; wrapped, it was i64::MIN again and added.
    const answer = await call(name, "decrement", { bigint: (-(2n ** 63n)).toString() });
    assert.equal(answer.remote, true, JSON.stringify(answer));
    assert.equal(answer.error, "the count would overflow");
    assert.deepEqual(await call(name, "getCounterValue"), { ok: 5, type: "number" });
  });

  test("nothing of wasm-bindgen is callable over RPC", async () => {
    const name = uniqueName("internals");
    await call(name, "increment", 7);
    for (const method of ["free", "__rpc_increment", "__wbg_ptr", "__destroy_into_raw"]) {
      const answer = await call(name, method);
      assert.ok(answer.error, `${method} answered ${JSON.stringify(answer)}`);
      assert.equal(answer.ok, undefined);
    }
    assert.deepEqual(await call(name, "getCounterValue"), { ok: 7, type: "number" });
  });
});

describe("what stays out of RPC: #[durable(skip)] and private methods", () => {
  const notImplemented = (method) => ({
    error: `The RPC receiver does not implement the method "${method}".`,
    name: "TypeError",
    remote: true,
  });

  test("a #[durable(skip)] method cannot be called from JavaScript, and does not run", async () => {
    const name = uniqueName("skip");
    await callOn("NOTES", name, "add", { title: "kept", body: "x", tags: ["t"] });
    // `Notes::clear` is `pub` with #[durable(skip)]: it would delete every note.
    assert.deepEqual(await callOn("NOTES", name, "clear"), notImplemented("clear"));
    const notes = (await callOn("NOTES", name, "list", null)).ok;
    assert.deepEqual(notes.map((n) => [n.title, n.tags]), [["kept", ["t"]]]);
  });

  test("a private method cannot be called from JavaScript, and does not run", async () => {
    const name = uniqueName("private");
    await call(name, "increment", 2);
    // `Counter::add` is private: it would add 40 to the count.
    assert.deepEqual(await call(name, "add", 40), notImplemented("add"));
    // `Shelf::titles` is private too.
    assert.deepEqual(await callOn("SHELF", name, "titles"), notImplemented("titles"));
    assert.deepEqual(await call(name, "getCounterValue"), { ok: 2, type: "number" });
  });

  test("classes.d.ts declares neither", () => {
    const declarations = readFileSync(join(ROOT, "dist", "classes.d.ts"), "utf8");
    const methods = (cls) => {
      const body = declarations.match(new RegExp(`export declare class ${cls} extends DurableObject \\{\\n([^}]*)\\}`));
      assert.ok(body, `no class ${cls} in classes.d.ts`);
      return [...body[1].matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]);
    };
    assert.deepEqual(methods("Notes").filter((m) => ["add", "list", "clear"].includes(m)), ["add", "list"]);
    assert.deepEqual(methods("Counter"), ["getCounterValue", "increment", "decrement", "nop", "incrementSync", "weigh", "sampleBatch"]);
    assert.ok(!methods("Shelf").includes("titles"), methods("Shelf").join(", "));
  });
});

describe("structured values over RPC (the Shelf example)", () => {
  const book = {
    title: "Cien años de soledad — 百年孤独 📚",
    authors: ["Gabriel García Márquez"],
    year: 1967,
    genre: { Other: "magical realism" },
    tags: { language: "español", "translated-to": "中文" },
    isbn13: 9780060883287,
  };
  const science = {
    title: "The Selfish Gene",
    authors: ["Richard Dawkins"],
    year: null,
    genre: { Science: { field: "biology" } },
    tags: {},
    isbn13: 9780198788607,
  };

  test("nested structs and enums, Vec, Option, maps and non-ASCII text round-trip", async () => {
    const name = uniqueName("shelf");
    assert.deepEqual(await callOn("SHELF", name, "add", book), { ok: 1, type: "number" });
    assert.deepEqual(await callOn("SHELF", name, "add", science), { ok: 2, type: "number" });
    assert.deepEqual(await callOn("SHELF", name, "add", { ...book, genre: "Fiction" }), { ok: 2, type: "number" });
    assert.deepEqual(await callOn("SHELF", name, "get", book.title), { ok: { ...book, genre: "Fiction" }, type: "object" });
    // `year: null` arrives as None and goes back as undefined (absent).
    const { year: _, ...scienceWithoutYear } = science;
    assert.deepEqual((await callOn("SHELF", name, "get", science.title)).ok, scienceWithoutYear);
    assert.deepEqual(await callOn("SHELF", name, "get", "not on the shelf"), { ok: null, type: "undefined" });
    const summary = {
      count: 2,
      byGenre: { fiction: 1, "science/biology": 1 },
      titles: [book.title, science.title],
    };
    assert.deepEqual(await callOn("SHELF", name, "summary"), { ok: summary, type: "object" });
    // The Rust worker gets the same through the typed ShelfStub.
    assert.deepEqual(JSON.parse((await get(shared.runtime.url, `/shelf/summary?name=${name}`)).text), summary);
  });

  test("byte buffers cross as Uint8Array", async () => {
    const name = uniqueName("covers");
    await callOn("SHELF", name, "add", book);
    const cover = [0, 1, 2, 127, 128, 255];
    assert.deepEqual(await callOn("SHELF", name, "setCover", book.title, { bytes: cover }), { ok: 6, type: "number" });
    assert.deepEqual(await callOn("SHELF", name, "cover", book.title), { ok: { bytes: cover }, type: "Uint8Array" });
    const missing = await callOn("SHELF", name, "setCover", "nope", { bytes: [1] });
    assert.equal(missing.error, 'no book called "nope"');
  });

  test("64-bit integers are carried exactly or refused, never rounded", async () => {
    const name = uniqueName("ints");
    const safe = Number.MAX_SAFE_INTEGER;
    assert.deepEqual(await callOn("SHELF", name, "echoId", safe), { ok: safe, type: "number" });
    assert.deepEqual(await callOn("SHELF", name, "echoId", { bigint: "42" }), { ok: 42, type: "number" });
    const big = await callOn("SHELF", name, "echoId", { bigint: (2n ** 60n).toString() });
    assert.equal(big.remote, true);
    assert.match(big.error, /^echoId \(Rust `echo_id`\): the result could not be converted: .*1152921504606846976/);
    const negative = await callOn("SHELF", name, "echoId", -1);
    assert.match(negative.error, /^echoId \(Rust `echo_id`\): argument 1 \(`id`\)/);
    const unsafe = await callOn("SHELF", name, "echoId", 2 ** 60);
    assert.match(unsafe.error, /^echoId \(Rust `echo_id`\): argument 1 \(`id`\)/);
  });

  test("Err and panics reach the caller with their message; the object keeps its state", async () => {
    const name = uniqueName("faulty-shelf");
    await callOn("SHELF", name, "add", book);
    const refused = await callOn("SHELF", name, "refuse", "not today");
    assert.deepEqual(refused, { error: "not today", name: "Error", remote: true });

    const toppled = await callOn("SHELF", name, "topple");
    assert.equal(toppled.remote, true);
    assert.match(toppled.error, /^Rust panic: panicked at .*the shelf toppled over/s);

    assert.equal((await callOn("SHELF", name, "get", book.title)).ok.title, book.title);
    const wrong = await callOn("SHELF", name, "add", { title: 5 });
    assert.match(wrong.error, /^add: argument 1 \(`book`\): at `title`: invalid type: floating point `5.0`, expected a string/);
    assert.deepEqual(await callOn("SHELF", name, "summary").then((r) => r.ok.count), 1);
  });
});

describe("Rust -> JavaScript RPC (a #[durable_object] trait)", () => {
  test("the Rust worker calls the JavaScript counter through its typed stub", async () => {
    const name = uniqueName("jsobj");
    const at = (path) => get(shared.runtime.url, path);
    assert.deepEqual(await at(`/js-counter/?name=${name}`), { status: 200, text: `Durable Object '${name}' count: 0` });
    assert.deepEqual(await at(`/js-counter/increment?name=${name}`), { status: 200, text: `Durable Object '${name}' count: 1` });
    assert.deepEqual(await at(`/js-counter/increment?name=${name}`), { status: 200, text: `Durable Object '${name}' count: 2` });
    assert.deepEqual(await at(`/js-counter/decrement?name=${name}`), { status: 200, text: `Durable Object '${name}' count: 1` });
    assert.deepEqual(await at(`/js-counter/reset?name=${name}`), { status: 404, text: "Not found" });
    // It is the JavaScript object: JavaScript sees the same count.
    assert.deepEqual(await callOn("JS_COUNTER", name, "getCounterValue"), { ok: 1, type: "number" });
  });

  test("a result that does not fit the declared Rust type is a conversion error", async () => {
    const name = uniqueName("jsbad");
    // The JavaScript counter happily adds a fraction; the Rust interface says i64.
    await callOn("JS_COUNTER", name, "increment", 0.5);
    const answer = await get(shared.runtime.url, `/js-counter/?name=${name}`);
    assert.equal(answer.status, 500);
    assert.match(answer.text, /conversion error: getCounterValue: the result does not fit the declared type: .*0\.5/);
  });
});
