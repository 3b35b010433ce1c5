// Object names from the `name` query parameter, on the real runtime: decoded
// exactly, and refused (400) when they are not UTF-8 once percent-decoded,
// so two different names never reach one object.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { get, uniqueName, useRuntime } from "./harness.mjs";

const shared = useRuntime({ withCaller: false });
const at = (path) => get(shared.runtime.url, path);

describe("object names", () => {
  test("a name that is not UTF-8 is refused with 400, never mapped to U+FFFD's object", async () => {
    // %EF%BF%BD is U+FFFD itself: a real name, with its own object.
    assert.deepEqual(await at("/counter/increment?name=%EF%BF%BD"), { status: 200, text: "Durable Object '\uFFFD' count: 1" });
    for (const bad of ["%ff", "%fe", "%FF%FE", "ok%ff", "%C0%AF", "%ED%A0%80", "%C3"]) {
      const answer = await at(`/counter/increment?name=${bad}`);
      assert.equal(answer.status, 400, `${bad}: ${answer.text}`);
      assert.match(answer.text, new RegExp(`^the \`name\` parameter "${bad}" is not UTF-8 text once percent-decoded \\(invalid byte sequence at byte \\d\\)`));
    }
    // None of them reached U+FFFD's object.
    assert.deepEqual(await at("/counter/?name=%EF%BF%BD"), { status: 200, text: "Durable Object '\uFFFD' count: 1" });
  });

  test("every route that takes a name refuses one that is not UTF-8, also routes that default to \"A\"", async () => {
    for (const path of ["/counter/?name=%ff", "/cached-counter/?name=%ff", "/notes/?name=%ff", "/shelf/summary?name=%fe", "/batch/?name=%ff", "/counter/?name=A&name=%ff"]) {
      const answer = await at(path);
      assert.equal(answer.status, 400, `${path}: ${answer.text}`);
      assert.match(answer.text, /is not UTF-8 text once percent-decoded/);
    }
  });

  test("the same name, however it is encoded, reaches the same object", async () => {
    const name = uniqueName("été");
    const encoded = encodeURIComponent(name); // %C3%A9t%C3%A9-...
    assert.equal((await at(`/counter/increment?name=${encoded}`)).text, `Durable Object '${name}' count: 1`);
    assert.equal((await at(`/counter/increment?name=${encoded.toLowerCase()}`)).text, `Durable Object '${name}' count: 2`);
    assert.equal((await at(`/counter/increment?name=${name}`)).text, `Durable Object '${name}' count: 3`);
    // `+` is a space, as in any form-encoded query.
    const spaced = uniqueName("a b");
    assert.equal((await at(`/counter/increment?name=${spaced.replace(" ", "+")}`)).text, `Durable Object '${spaced}' count: 1`);
    assert.equal((await at(`/counter/increment?name=${spaced.replace(" ", "%20")}`)).text, `Durable Object '${spaced}' count: 2`);
  });
});
