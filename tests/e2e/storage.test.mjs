// The key-value storage API on the real runtime, through the KvExplorer
// example: batches, list options, write options, delete_all, sync,
// transactions (a rollback is checked again after a restart), the synchronous
// kv API, and errors that leave storage as it was.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { rpcCall, uniqueName, useRuntime } from "./harness.mjs";

const shared = useRuntime();

const kv = (name, method, ...args) => rpcCall(shared.runtime.url, "KV", name, method, ...args);
const ok = async (name, method, ...args) => {
  const answer = await kv(name, method, ...args);
  assert.ok(!("error" in answer), `${method}: ${answer.error}`);
  return answer.ok;
};

describe("KV storage", () => {
  test("single and batch get/put/delete with typed values", async () => {
    const name = uniqueName("kv");
    await ok(name, "put", "a", { nested: [1, "two", { three: true }] });
    assert.deepEqual(await ok(name, "get", "a"), { nested: [1, "two", { three: true }] });
    assert.equal(await ok(name, "get", "missing"), null);
    await ok(name, "putMany", { b: 2, c: "three", "ключ": "значение" });
    assert.deepEqual(await ok(name, "getMany", ["a", "c", "missing", "ключ"]), {
      a: { nested: [1, "two", { three: true }] },
      c: "three",
      "ключ": "значение",
    });
    assert.equal(await ok(name, "delete", "a"), true);
    assert.equal(await ok(name, "delete", "a"), false);
    assert.equal(await ok(name, "deleteMany", ["b", "c", "nope"]), 2);
    assert.deepEqual(await ok(name, "getMany", ["a", "b", "c"]), {});
  });

  test("list: key order, prefix, start, startAfter, end, reverse, limit", async () => {
    const name = uniqueName("list");
    await ok(name, "putMany", { "a:1": 1, "a:2": 2, "a:3": 3, "b:1": 4, "b:2": 5, c: 6 });
    const keys = async (query) => (await ok(name, "list", query)).map(([k]) => k);
    assert.deepEqual(await ok(name, "list", { prefix: "b:" }), [["b:1", 4], ["b:2", 5]]);
    assert.deepEqual(await keys({}), ["a:1", "a:2", "a:3", "b:1", "b:2", "c"]);
    assert.deepEqual(await keys({ start: "a:2", end: "b:2" }), ["a:2", "a:3", "b:1"]);
    assert.deepEqual(await keys({ startAfter: "a:2", limit: 2 }), ["a:3", "b:1"]);
    assert.deepEqual(await keys({ reverse: true, limit: 3 }), ["c", "b:2", "b:1"]);
    assert.deepEqual(await keys({ prefix: "a:", reverse: true }), ["a:3", "a:2", "a:1"]);
  });

  test("delete_all empties the object; unconfirmed writes are durable after sync", async () => {
    const name = uniqueName("all");
    await ok(name, "putMany", { x: 1, y: 2 });
    await ok(name, "deleteAll");
    assert.deepEqual(await ok(name, "list", {}), []);
    await ok(name, "putUnconfirmed", "z", 26);
    assert.equal(await ok(name, "get", "z"), 26);
  });

  test("a committed transaction keeps both writes", async () => {
    const name = uniqueName("txn");
    await ok(name, "putMany", { alice: 100, bob: 5 });
    assert.equal(await ok(name, "transfer", "alice", "bob", 30, null), 70);
    assert.deepEqual(await ok(name, "getMany", ["alice", "bob"]), { alice: 70, bob: 35 });
  });

  test("a transfer whose amount would overflow a balance is refused, nothing written", async () => {
    const name = uniqueName("txn-overflow");
    await ok(name, "putMany", { alice: 100, bob: 5 });
    // 100 - i64::MIN wraps in a release build; checked, it is an error naming the amount.
    const answer = await kv(name, "transfer", "alice", "bob", { bigint: (-(2n ** 63n)).toString() }, null);
    assert.equal(answer.error, "the transfer of -9223372036854775808 would overflow a balance");
    assert.deepEqual(await ok(name, "getMany", ["alice", "bob"]), { alice: 100, bob: 5 });
  });

  for (const mode of ["error", "panic", "rollback"]) {
    test(`a transaction that ends in ${mode} keeps nothing it wrote`, async () => {
      const name = uniqueName(`txn-${mode}`);
      await ok(name, "putMany", { alice: 100, bob: 5 });
      const answer = await kv(name, "transfer", "alice", "bob", 30, mode);
      if (mode === "error") assert.equal(answer.error, "the transfer failed after writing");
      if (mode === "panic") assert.match(answer.error, /^Rust panic: .*the transfer panicked after writing/s);
      if (mode === "rollback") assert.equal(answer.ok, 100);
      assert.deepEqual(await ok(name, "getMany", ["alice", "bob"]), { alice: 100, bob: 5 });
      // The object keeps serving and can commit afterwards.
      assert.equal(await ok(name, "transfer", "alice", "bob", 1, null), 99);
    });
  }

  test("the synchronous kv API shares the database", async () => {
    const name = uniqueName("sync");
    assert.deepEqual(await ok(name, "syncPutGet", "s:1", { hello: "world" }), { hello: "world" });
    await ok(name, "put", "s:2", 2);
    assert.deepEqual(await ok(name, "syncList", "s:"), [["s:1", { hello: "world" }], ["s:2", 2]]);
    assert.equal(await ok(name, "syncDelete", "s:1"), true);
    assert.equal(await ok(name, "get", "s:1"), null);
  });

  test("values the store cannot take are clear errors, and nothing is written", async () => {
    const name = uniqueName("limits");
    const huge = "x".repeat(9 * 1024 * 1024); // over the value limit of the local runtime (8 MiB with workerd 1.20261117; 2 MiB before)
    const answer = await kv(name, "put", "big", huge);
    assert.equal(answer.error, "string or blob too big: SQLITE_TOOBIG");
    assert.equal(answer.remote, true);
    assert.equal(await ok(name, "get", "big"), null);
    const badKeys = await kv(name, "getMany", "not a list");
    assert.match(badKeys.error, /^getMany \(Rust `get_many`\): argument 1 \(`keys`\)/);
    await ok(name, "put", "fine", 1);
    assert.equal(await ok(name, "get", "fine"), 1);
  });
});
