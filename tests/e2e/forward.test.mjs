// A typed stub's two other forms of `fetch`, on the real runtime, through the
// batch example's worker: `forward` hands the object the worker's request at
// a URL of the object's own, keeping its method, headers and body;
// `fetch_url` sends a request the worker builds from a URL and a
// `RequestInit`. The stub comes from `Namespace::from_env_default`, which
// finds the binding the class declares.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { uniqueName, useRuntime } from "./harness.mjs";

const shared = useRuntime({ withCaller: false });

async function echo(path, init) {
  const response = await fetch(shared.runtime.url + path, init);
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text);
}

describe("stub fetch forms", () => {
  test("forward keeps the method, headers and body, at the object's URL", async () => {
    const name = uniqueName("forward");
    const body = JSON.stringify({ text: "héllo", n: [1, 2, 3] });
    const posted = await echo(`/batch/echo?name=${name}&x=1`, { method: "POST", headers: { "x-echo": "kept", "content-type": "application/json" }, body });
    assert.deepEqual(posted, { method: "POST", path: "/echo", query: `name=${name}&x=1`, header: "kept", body });

    const big = "b".repeat(200_000);
    const put = await echo(`/batch/echo?name=${name}`, { method: "PUT", body: big });
    assert.equal(put.method, "PUT");
    assert.equal(put.body.length, big.length);
    assert.equal(put.header, null);

    const got = await echo(`/batch/echo?name=${name}`);
    assert.deepEqual(got, { method: "GET", path: "/echo", query: `name=${name}`, header: null, body: "" });
  });

  test("fetch_url sends the method, headers and body of a RequestInit to a URL", async () => {
    const name = uniqueName("fetch-url");
    const answer = await echo(`/batch/init?name=${name}`);
    assert.deepEqual(answer, { method: "PUT", path: "/echo", query: `name=${name}`, header: "fetch_url", body: "built by the worker" });
  });
});
