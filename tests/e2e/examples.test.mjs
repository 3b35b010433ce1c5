// The examples' HTTP behaviour on the real runtime (workerd via wrangler dev).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { get, uniqueName, useRuntime } from "./harness.mjs";

const HINT =
  "Select a Durable Object to contact by using the `name` URL query string parameter, for example, ?name=A";

const shared = useRuntime({ withCaller: false });

const at = (path) => get(shared.runtime.url, path);

for (const prefix of ["counter", "cached-counter"]) {
  describe(`/${prefix}/`, () => {
    test("increment, decrement and read answer the documented text", async () => {
      const name = uniqueName("A");
      assert.deepEqual(await at(`/${prefix}/?name=${name}`), { status: 200, text: `Durable Object '${name}' count: 0` });
      assert.deepEqual(await at(`/${prefix}/increment?name=${name}`), { status: 200, text: `Durable Object '${name}' count: 1` });
      assert.deepEqual(await at(`/${prefix}/increment?name=${name}`), { status: 200, text: `Durable Object '${name}' count: 2` });
      assert.deepEqual(await at(`/${prefix}/decrement?name=${name}`), { status: 200, text: `Durable Object '${name}' count: 1` });
      assert.deepEqual(await at(`/${prefix}/?name=${name}`), { status: 200, text: `Durable Object '${name}' count: 1` });
    });

    test("a missing name gets the hint, an unknown path 404 Not found", async () => {
      assert.deepEqual(await at(`/${prefix}/increment`), { status: 200, text: HINT });
      assert.deepEqual(await at(`/${prefix}/`), { status: 200, text: HINT });
      assert.deepEqual(await at(`/${prefix}/reset?name=A`), { status: 404, text: "Not found" });
    });

    test("two names are two independent objects", async () => {
      const [a, b] = [uniqueName("a"), uniqueName("b")];
      await at(`/${prefix}/increment?name=${a}`);
      await at(`/${prefix}/increment?name=${a}`);
      await at(`/${prefix}/decrement?name=${b}`);
      assert.equal((await at(`/${prefix}/?name=${a}`)).text, `Durable Object '${a}' count: 2`);
      assert.equal((await at(`/${prefix}/?name=${b}`)).text, `Durable Object '${b}' count: -1`);
    });

    test("200 concurrent increments to one object end at exactly 200", async () => {
      const name = uniqueName("busy");
      const answers = await Promise.all(
        Array.from({ length: 200 }, () => at(`/${prefix}/increment?name=${name}`)),
      );
      assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers.filter((a) => a.status !== 200)));
      // Every increment saw a distinct count: none was lost or doubled.
      const counts = answers.map((a) => Number(a.text.split(": ")[1])).sort((x, y) => x - y);
      assert.deepEqual(counts, Array.from({ length: 200 }, (_, i) => i + 1));
      assert.equal((await at(`/${prefix}/?name=${name}`)).text, `Durable Object '${name}' count: 200`);
    });
  });
}

describe("/location/", () => {
  test("the first request meets a new object, later ones the loaded one", async () => {
    const first = await at("/location/");
    assert.equal(first.status, 200);
    const city = first.text.match(/your city: \((.*)\)\. Try reloading the page\.$/)?.[1];
    assert.ok(city, `unexpected first answer: ${JSON.stringify(first.text)}`);
    assert.equal(
      first.text,
      `\nThis is the first request, you called the constructor, so this.location was null.\n` +
        `You will set this.location to be your city: (${city}). Try reloading the page.`,
    );
    const second = await at("/location/");
    assert.equal(
      second.text,
      `\nThe Durable Object was already loaded and running because it recently handled a request.\n\n` +
        `Previous Location: ${city}\nNew Location: ${city}`,
    );
  });
});

describe("/faults/", () => {
  test("Err answers 500 with its message; the object keeps serving", async () => {
    const name = uniqueName("err");
    await at(`/faults/put?name=${name}&key=k&value=kept`);
    assert.equal((await at(`/faults/memory?name=${name}`)).text, "1");
    assert.deepEqual(await at(`/faults/error?name=${name}`), { status: 500, text: "the handler failed on purpose" });
    assert.deepEqual(await at(`/faults/get?name=${name}&key=k`), { status: 200, text: "kept" });
    // An Err is an ordinary answer: in-memory state is untouched.
    assert.equal((await at(`/faults/memory?name=${name}`)).text, "2");
  });

  for (const route of ["panic", "panic-now"]) {
    test(`a panic (${route}) answers 500 with the panic message; objects keep serving with their storage`, async () => {
      const name = uniqueName("panicky");
      const neighbour = uniqueName("neighbour");
      const counter = uniqueName("counter");
      await at(`/faults/put?name=${name}&key=k&value=mine`);
      await at(`/faults/put?name=${neighbour}&key=k&value=theirs`);
      await at(`/counter/increment?name=${counter}`);
      assert.equal((await at(`/faults/memory?name=${name}`)).text, "1");
      assert.equal((await at(`/faults/memory?name=${name}`)).text, "2");

      const panicked = await at(`/faults/${route}?name=${name}`);
      assert.equal(panicked.status, 500);
      const expected = route === "panic" ? "the handler panicked on purpose" : "the handler panicked before awaiting";
      assert.match(panicked.text, new RegExp(`Rust panic: .*${expected}`, "s"));

      // The same object serves again, rebuilt from its constructor.
      assert.deepEqual(await at(`/faults/get?name=${name}&key=k`), { status: 200, text: "mine" });
      assert.equal((await at(`/faults/memory?name=${name}`)).text, "1");
      if (route === "panic") {
        // What the handler committed before panicking stays committed.
        assert.deepEqual(await at(`/faults/get?name=${name}&key=panicked`), { status: 200, text: "yes" });
      }
      // Its neighbours too, with everything they had stored.
      assert.deepEqual(await at(`/faults/get?name=${neighbour}&key=k`), { status: 200, text: "theirs" });
      assert.equal((await at(`/counter/?name=${counter}`)).text, `Durable Object '${counter}' count: 1`);
      assert.equal((await at(`/counter/increment?name=${counter}`)).text, `Durable Object '${counter}' count: 2`);
    });
  }

  test("a panic inside block_concurrency_while fails the request and does not block the object", async () => {
    const name = uniqueName("blocking");
    await at(`/faults/put?name=${name}&key=k&value=v`);
    const panicked = await at(`/faults/panic-blocking?name=${name}`);
    assert.equal(panicked.status, 500);
    assert.match(panicked.text, /Rust panic: .*the handler panicked while blocking concurrency/s);
    const started = Date.now();
    assert.deepEqual(await at(`/faults/get?name=${name}&key=k`), { status: 200, text: "v" });
    assert.equal((await at(`/faults/memory?name=${name}`)).text, "1");
    assert.ok(Date.now() - started < 5_000, `the object was blocked for ${Date.now() - started} ms`);
  });

  test("a panic fails the calls in flight in its own object, and only those", async () => {
    const victim = uniqueName("victim");
    const bystander = uniqueName("bystander");
    const started = Date.now();
    const sameObject = at(`/faults/sleep?name=${victim}&ms=1500`, { timeoutMs: 20_000 });
    const otherObject = at(`/faults/sleep?name=${bystander}&ms=1500`, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    const panicked = await at(`/faults/panic?name=${victim}`);
    assert.equal(panicked.status, 500);
    // The request that panicked is told so, in its own words.
    assert.match(panicked.text, /^Rust panic: panicked at .*the handler panicked on purpose/s);
    assert.doesNotMatch(panicked.text, /another call/);
    // The request in flight in the same object fails at once, naming the panic.
    const failed = await sameObject;
    assert.equal(failed.status, 500, JSON.stringify(failed));
    assert.match(failed.text, /Durable Object Faults was reset: rust panic in another call \(fetch GET \/panic\)/);
    assert.ok(Date.now() - started < 1_500, "the failed request waited for its sleep");
    // The one in another object never notices.
    assert.deepEqual(await otherObject, { status: 200, text: "slept" });
    assert.equal((await at(`/faults/sleep?name=${victim}&ms=10`)).text, "slept");
  });
});

describe("the typed namespace API (/counter/ids)", () => {
  test("ids from names, unique ids, string form, equality, location hints", async () => {
    const answer = await at("/counter/ids");
    assert.equal(answer.status, 200);
    const ids = JSON.parse(answer.text);
    assert.equal(ids.sameNameEqual, true);
    assert.equal(ids.differentNamesDiffer, true);
    assert.equal(ids.name, "ids-x");
    assert.equal(ids.uniqueLength, 64);
    assert.equal(ids.uniqueHex, true);
    assert.equal(ids.parsedEqual, true);
    // A stub got with a location hint and one got from the parsed id reach the same object.
    assert.equal(ids.afterIncrement, 3);
    assert.equal(ids.viaParsed, 3);
    assert.equal(ids.badId, "Invalid Durable Object ID: must be 64 hex digits");
    // The local runtime has no jurisdictions; the error says so instead of failing the request.
    assert.deepEqual(ids.jurisdictionEu, { error: "Jurisdiction restrictions are not implemented in workerd." });
  });
});
