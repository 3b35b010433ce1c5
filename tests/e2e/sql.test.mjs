// The SQL API on the real runtime, through the Notes example: migrations,
// bound parameters of every SQLite type, typed rows (all, one, lazy, raw),
// column names and statistics, transactions, and errors that name what failed
// and leave nothing behind.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { get, rpcCall, uniqueName, useRuntime } from "./harness.mjs";

const shared = useRuntime();

const notes = (name, method, ...args) => rpcCall(shared.runtime.url, "NOTES", name, method, ...args);
const ok = async (name, method, ...args) => {
  const answer = await notes(name, method, ...args);
  assert.ok(!("error" in answer), `${method}: ${answer.error}`);
  return answer.ok;
};

describe("SQL storage (the Notes example)", () => {
  test("migrations run once per object and the schema is at the last version", async () => {
    const name = uniqueName("schema");
    const stats = await ok(name, "stats");
    assert.equal(stats.schemaVersion, 3);
    assert.equal(stats.notes, 0);
    assert.ok(stats.databaseSize > 0);
    const applied = await ok(name, "query", "SELECT version, name FROM _durable_migrations ORDER BY version", []);
    assert.deepEqual(applied.rows, [[1, "notes"], [2, "tags"], [3, "scratch"]]);
    const index = await ok(name, "query", "SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?", ["tags_by_tag"]);
    assert.deepEqual(index.rows, [["tags_by_tag"]]);
  });

  test("a note with tags in one transaction, typed rows back, lazy listing by tag", async () => {
    const name = uniqueName("notes");
    const first = await ok(name, "add", { title: "Première note ✍️", body: "hello", tags: ["b", "a"] });
    assert.equal(first.id, 1);
    assert.deepEqual(first.tags, ["a", "b"]);
    assert.equal(typeof first.createdAt, "number");
    await ok(name, "add", { title: "Second", body: "world", tags: ["a"] });
    assert.deepEqual((await ok(name, "list", null)).map((n) => n.title), ["Première note ✍️", "Second"]);
    assert.deepEqual((await ok(name, "list", "b")).map((n) => n.title), ["Première note ✍️"]);
    assert.deepEqual(await ok(name, "get", 99), null);
    assert.equal(await ok(name, "delete", 1), true);
    const stats = await ok(name, "stats");
    assert.deepEqual([stats.notes, stats.tags], [1, 1]);
  });

  test("every SQLite value type binds and reads back", async () => {
    const name = uniqueName("types");
    const result = await ok(name, "query", "SELECT ? AS n, ? AS i, ? AS r, ? AS t, typeof(?) AS tb, length(?) AS lb", [
      null, 42, 1.5, "ünïcödé", { blob: [1, 2, 255] }, { blob: [1, 2] },
    ]);
    assert.deepEqual(result.columns, ["n", "i", "r", "t", "tb", "lb"]);
    assert.deepEqual(result.rows, [[null, 42, 1.5, "ünïcödé", "blob", 2]]);
    assert.deepEqual(await ok(name, "blobRoundTrip", "b", { bytes: [0, 1, 254, 255] }), { bytes: [0, 1, 254, 255] });
  });

  test("64-bit integers beyond 2^53 are stored exactly and never read back rounded", async () => {
    const name = uniqueName("big");
    assert.equal(await ok(name, "putBig", "k", "1152921504606846977"), "1152921504606846977");
    assert.equal(await ok(name, "putBig", "m", "-9223372036854775808"), "-9223372036854775808");
    const asNumber = await notes(name, "getBigAsNumber", "k");
    assert.equal(
      asNumber.error,
      "column `big` holds an integer beyond ±2^53, which the runtime cannot return exactly: select CAST(big AS TEXT)",
    );
    await ok(name, "putBig", "small", "12345");
    assert.equal(await ok(name, "getBigAsNumber", "small"), 12345);
  });

  test("statistics: rows read and written", async () => {
    const name = uniqueName("stats");
    await ok(name, "add", { title: "a", body: "x" });
    await ok(name, "add", { title: "b", body: "y" });
    const write = await ok(name, "query", "UPDATE notes SET body = ? WHERE title IN (?, ?)", ["z", "a", "b"]);
    assert.equal(write.rowsWritten, 2);
    const read = await ok(name, "query", "SELECT * FROM notes", []);
    assert.equal(read.rows.length, 2);
    assert.ok(read.rowsRead >= 2, JSON.stringify(read));
  });

  test("errors name what failed; the object keeps serving and nothing partial remains", async () => {
    const name = uniqueName("errors");
    await ok(name, "add", { title: "only", body: "x" });
    const syntax = await notes(name, "query", "SELEC 1", []);
    assert.equal(syntax.error, 'near "SELEC": syntax error at offset 0: SQLITE_ERROR');
    const count = await notes(name, "query", "SELECT ?", [1, 2]);
    assert.equal(count.error, "Wrong number of parameter bindings for SQL query.");
    const unique = await notes(name, "add", { title: "only", body: "again" });
    assert.match(unique.error, /^UNIQUE constraint failed: notes.title/);
    // A row that does not fit the requested type: `big` is NULL for a blob-only row.
    await ok(name, "blobRoundTrip", "blob-only", { bytes: [1] });
    const shape = await notes(name, "getBigAsNumber", "blob-only");
    assert.equal(shape.error, "row 0 does not fit the requested type: at `big`: invalid type: unit value, expected i64");
    assert.equal((await ok(name, "get", 1)).title, "only");
    // The second insert of the pair violates NOT NULL: the first is rolled back.
    const pair = await notes(name, "addPairFailing", { title: "pair", body: "x" });
    assert.match(pair.error, /^NOT NULL constraint failed: notes.body/);
    assert.deepEqual((await ok(name, "list", null)).map((n) => n.title), ["only"]);
  });

  test("a failing migration leaves the schema at the last good version and every call answers its error", async () => {
    const name = uniqueName("broken");
    for (let i = 0; i < 2; i++) {
      const answer = await rpcCall(shared.runtime.url, "BROKEN_SCHEMA", name, "columns");
      assert.equal(answer.error, "migration 2 (half done) failed, the schema stays at version 1: incomplete input: SQLITE_ERROR");
    }
  });

  test("point-in-time recovery calls reach the runtime (the local one has no history)", async () => {
    const [current, earlier, undo] = await ok(uniqueName("pitr"), "bookmarks");
    assert.equal(current, "00000000-00000000-00000000-00000000000000000000000000000000");
    const missing = "error: This Durable Object's storage back-end does not implement point-in-time recovery.";
    assert.equal(earlier, missing);
    assert.equal(undo, missing);
  });

  test("the notes routes over HTTP", async () => {
    const name = uniqueName("http");
    const post = (body) => fetch(`${shared.runtime.url}/notes/?name=${name}`, { method: "POST", body: JSON.stringify(body) });
    const created = await post({ title: "t", body: "b", tags: ["x"] });
    assert.equal(created.status, 200);
    assert.equal((await created.json()).title, "t");
    const conflict = await post({ title: "t", body: "b" });
    assert.equal(conflict.status, 409);
    assert.match(await conflict.text(), /UNIQUE constraint failed/);
    const bad = await post({ nope: 1 });
    assert.equal(bad.status, 400);
    assert.deepEqual(JSON.parse((await get(shared.runtime.url, `/notes/?name=${name}&tag=x`)).text).map((n) => n.title), ["t"]);
  });

  test("the notes route answers each failure with a fitting status, and stores nothing", async () => {
    const name = uniqueName("statuses");
    const post = async (body) => {
      const response = await fetch(`${shared.runtime.url}/notes/?name=${name}`, { method: "POST", body: JSON.stringify(body) });
      return { status: response.status, text: await response.text() };
    };
    // The runtime refuses a string, blob or row over about 8 MiB (SQLITE_TOOBIG): 413.
    // (workerd 1.20261117, wrangler 4.164: refused from 8,388,630 to 8,388,643 bytes
    // depending on the statement; the workerd of wrangler 4.86 refused 2,200,001.)
    const LIMIT = 8 * 1024 * 1024;
    const OVER = LIMIT + 64;
    for (const note of [{ title: "big body", body: "y".repeat(OVER) }, { title: "é".repeat(OVER / 2), body: "b" }]) {
      const tooBig = await post(note);
      assert.equal(tooBig.status, 413, tooBig.text.slice(0, 200));
      assert.equal(tooBig.text, "the note is too big to store (the limit for a row, string or blob is about 8 MiB): string or blob too big: SQLITE_TOOBIG");
    }
    // A note under the limit (with its title and row header) is stored.
    const UNDER = LIMIT - 1_000;
    const large = await post({ title: "large", body: "y".repeat(UNDER) });
    assert.equal(large.status, 200, large.text.slice(0, 200));
    // A title already taken: 409, a conflict with what is stored.
    const taken = await post({ title: "large", body: "again" });
    assert.equal(taken.status, 409);
    assert.match(taken.text, /^UNIQUE constraint failed: notes.title: SQLITE_CONSTRAINT/);
    // Bad input: 400, before anything reaches the object.
    const twice = await post({ title: "tags", body: "b", tags: ["x", "y", "x"] });
    assert.deepEqual(twice, { status: 400, text: 'the tag "x" is given twice' });
    const shape = await post({ title: 5 });
    assert.equal(shape.status, 400);
    assert.match(shape.text, /^expected \{"title", "body", "tags"\}: /);
    // Only the note that fit was stored.
    const listed = JSON.parse((await get(shared.runtime.url, `/notes/?name=${name}`)).text);
    assert.deepEqual(listed.map((n) => [n.title, n.body.length]), [["large", UNDER]]);
  });
});

describe("SqlBench (examples/src/sql_bench.rs): arithmetic on the caller's numbers", () => {
  const bench = (name, method, ...args) => rpcCall(shared.runtime.url, "SQL_BENCH", name, method, ...args);

  test("insertBatch refuses a range past u32::MAX instead of wrapping to no rows", async () => {
    const name = uniqueName("bench-wrap");
    assert.equal((await bench(name, "reset")).error, undefined);
    // offset + n = 2^32 + 3: wrapped, it answered 5 and inserted nothing.
    const wrapped = await bench(name, "insertBatch", 5, 4294967294);
    assert.equal(wrapped.remote, true, JSON.stringify(wrapped));
    assert.equal(wrapped.error, "insert_batch: offset 4294967294 + 5 rows is over u32::MAX (4294967295)");
    assert.deepEqual(await bench(name, "readAll"), { ok: 0, type: "number" });
    // Up to the edge it inserts what it says.
    assert.deepEqual(await bench(name, "insertBatch", 3, 4294967292), { ok: 3, type: "number" });
    assert.deepEqual(await bench(name, "readAll"), { ok: 3, type: "number" });
    assert.deepEqual(await bench(name, "lookup", 3, 4294967295), { ok: 0, type: "number" });
  });
});
