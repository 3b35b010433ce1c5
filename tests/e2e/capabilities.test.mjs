// Capabilities over JS RPC on the real runtime: the Rust `Archive` hands out
// `Session` objects (examples/src/archive.rs), called from a JavaScript
// worker (examples/js-caller/capabilities.mjs) and from the Rust worker
// (typed `SessionStub`). Disposal is ownership: a session lives while a
// caller holds it and is dropped when the caller lets go.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { get, rpcCall, uniqueName, useRuntime } from "./harness.mjs";

const shared = useRuntime();

const fromJs = async (name, scenario, user = "js") => {
  const answer = await get(shared.runtime.url, `/js/archive?name=${name}&scenario=${scenario}&user=${user}`);
  assert.equal(answer.status, 200, answer.text);
  return JSON.parse(answer.text);
};
const fromRust = async (path) => {
  const answer = await get(shared.runtime.url, path);
  assert.equal(answer.status, 200, answer.text);
  return JSON.parse(answer.text);
};

describe("capabilities: a JavaScript caller", () => {
  test("calls a session's methods, its errors arrive, and `using` disposes it", async () => {
    const seen = await fromJs(uniqueName("js-session"), "session", "ada");
    assert.equal(seen.user, "ada");
    assert.equal(seen.size, "hello from JavaScript".length);
    assert.equal(seen.back, "hello from JavaScript");
    assert.equal(seen.missing, null);
    assert.deepEqual(seen.failed, { error: "refused on purpose", remote: true });
    assert.equal(seen.wrongArgs.remote, true);
    assert.match(seen.wrongArgs.error, /^put: argument 1 \(`file`\): invalid type: floating point `42(\.0)?`, expected a string/);
    assert.match(seen.noSuchMethod.error, /does not implement the method "delete"/);
    assert.equal(seen.whileHeld, 1, "held: the session lives");
    assert.equal(seen.afterDispose, 0, "disposed: the object dropped the session");
  });

  test("an error of the method handing it out arrives as any RPC error", async () => {
    assert.deepEqual(await fromJs(uniqueName("js-refused"), "refused"), { error: "a session needs a user name", remote: true });
  });

  test("a call on a disposed session fails and the object dropped it", async () => {
    const seen = await fromJs(uniqueName("js-disposed"), "disposed");
    // The runtime refuses the call on the caller's side.
    assert.match(seen.afterDispose.error, /disposed/);
    assert.equal(seen.open, 0);
  });

  test("promise pipelining: a method called on the unresolved session", async () => {
    assert.deepEqual(await fromJs(uniqueName("js-pipe"), "pipelined", "pip"), { user: "pip" });
  });

  test("a session the caller never disposes is dropped when the caller's request ends", async () => {
    const name = uniqueName("js-leak");
    assert.deepEqual(await fromJs(name, "leak", "lea"), { user: "lea", open: 1 });
    let open;
    for (let i = 0; i < 40; i++) {
      ({ open } = await fromJs(name, "count"));
      if (open === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(open, 0);
  });

  test("a panic in a session's method resets only its object; its sessions fail, naming the capability", async () => {
    const name = uniqueName("js-crash");
    const seen = await fromJs(name, "crash", "cra");
    assert.match(seen.crashed.error, /^Rust panic: [\s\S]*the session of cra crashed on purpose/);
    for (const after of [seen.sameAfter, seen.otherAfter]) {
      assert.match(after.error, /^the capability Session is gone: the Durable Object instance that handed it out was reset, so user\(\) cannot run/);
    }
    assert.equal(seen.open, 0, "the rebuilt object holds no session");
    // Another object never noticed.
    assert.equal((await fromJs(uniqueName("js-bystander"), "session")).user, "js");
    const logs = shared.runtime.logs();
    assert.match(logs, /Rust panic in capability Session\.crash: [\s\S]*?crashed on purpose/);
  });
});

describe("capabilities: a Rust caller", () => {
  test("a typed SessionStub: methods, errors, and drop disposes it", async () => {
    const seen = await fromRust(`/archive/session?name=${uniqueName("rs-session")}&user=grace`);
    assert.deepEqual(seen, {
      user: "grace",
      size: "hello from Rust".length,
      back: "hello from Rust",
      failed: "remote error: refused on purpose",
      whileHeld: 1,
      afterDrop: 0,
    });
  });

  test("a Rust caller sees the method's error for a refused session", async () => {
    const answer = await get(shared.runtime.url, `/archive/session?name=${uniqueName("rs-refused")}&user=`);
    assert.equal(answer.status, 400);
    assert.equal(answer.text, "remote error: a session needs a user name");
  });

  test("promise pipelining from Rust: a call on the session before it has arrived", async () => {
    assert.deepEqual(await fromRust(`/archive/pipelined?name=${uniqueName("rs-pipe")}&user=pia`), { user: "pia" });
    // The first call's error is the pipelined call's.
    assert.deepEqual(await fromRust(`/archive/pipelined?name=${uniqueName("rs-pipe-refused")}&user=`), {
      error: "remote error: a session needs a user name",
    });
  });

  test("a panic in a capability: the call fails with it, the stub then names the capability", async () => {
    const seen = await fromRust(`/archive/crash?name=${uniqueName("rs-crash")}`);
    assert.match(seen.crashed, /^remote error: Rust panic: [\s\S]*the session of crasher crashed on purpose/);
    assert.match(seen.after, /^remote error: the capability Session is gone: the Durable Object instance that handed it out was reset/);
    assert.equal(seen.open, 0);
  });
});

describe("callbacks", () => {
  test("a JavaScript function as a typed callback: called back, its answers steer the callee, its throw surfaces", async () => {
    const seen = await fromJs(uniqueName("js-progress"), "progress");
    assert.equal(seen.stopped, 3, "the callback answered false at chunk 3");
    assert.deepEqual(seen.calls, [[1, 4], [2, 4], [3, 4]]);
    assert.equal(seen.size, 3000);
    assert.equal(seen.asynchronous, 4, "an async callback is awaited");
    assert.equal(seen.thrown.remote, true);
    assert.match(seen.thrown.error, /^the progress callback failed: remote error: the JavaScript callback refused chunk 2$/);
    assert.match(seen.notAFunction.error, /^putChunks \(Rust `put_chunks`\): argument 3 \(`progress`\): expected a function \(a callback\), got number/);
  });

  test("a Rust closure as the callback, from a Rust caller", async () => {
    const name = uniqueName("rs-progress");
    assert.deepEqual(await fromRust(`/archive/progress?name=${name}`), {
      stored: 4, error: null, calls: [[1, 4], [2, 4], [3, 4], [4, 4]], size: 4000,
    });
    assert.deepEqual(await fromRust(`/archive/progress?name=${name}&stop=2`), {
      stored: 2, error: null, calls: [[1, 4], [2, 4]], size: 2000,
    });
    const failed = await fromRust(`/archive/progress?name=${uniqueName("rs-progress-fail")}&fail=3`);
    assert.equal(failed.stored, null);
    assert.equal(failed.size, null);
    assert.deepEqual(failed.calls, [[1, 4], [2, 4], [3, 4]]);
    assert.equal(failed.error, "remote error: the progress callback failed: remote error: the Rust closure refused chunk 3");
  });

  test("a Rust closure whose owner keeps no clone: the callee's call fails naming the callback and the rule, and the owner logs it", async () => {
    // Kept: the owner holds a clone while the shelf calls it.
    assert.deepEqual(await fromRust(`/shelf/watch?name=${uniqueName("rs-watch")}&keep=1`), { announced: 1, error: null, heard: ["a new book"] });
    const before = shared.runtime.logs().length;
    const dropped = await fromRust(`/shelf/watch?name=${uniqueName("rs-watch-dropped")}`);
    assert.equal(dropped.announced, null);
    assert.deepEqual(dropped.heard, []);
    const named = "the Rust callback passed as argument 1 (`on_change`) of `watch` was called after its owner (worker) dropped it";
    const rule = "keep a clone of the Callback (in a field of the object, say) while the callee may call it";
    assert.ok(dropped.error.startsWith(`remote error: a watcher failed: remote error: ${named}: `), dropped.error);
    assert.ok(dropped.error.endsWith(rule), dropped.error);
    // The owner, who can keep the clone, is told in its own log.
    const logs = shared.runtime.logs().slice(before);
    assert.ok(logs.includes(`worker: ${named}`), logs);
  });

  test("errors name a callback parameter by its JavaScript name, and its Rust one", async () => {
    const answer = await rpcCall(shared.runtime.url, "SHELF", uniqueName("js-watch"), "watch", 5);
    assert.equal(answer.error, "watch: argument 1 (`onChange`, Rust `on_change`): expected a function (a callback), got number");
  });

  test("a Rust closure that panics fails its own request only; the object that called it back keeps serving", async () => {
    const name = uniqueName("rs-progress-panic");
    const panicked = await get(shared.runtime.url, `/archive/progress?name=${name}&panic=2`);
    assert.equal(panicked.status, 500, panicked.text);
    assert.match(shared.runtime.logs(), /Rust panic in [\s\S]*?the Rust closure panicked at chunk 2/);
    // The worker gets a fresh instance; the object is the same one, its session released.
    assert.equal((await fromRust(`/archive/progress?name=${name}`)).stored, 4);
    assert.deepEqual(await fromJs(name, "count"), { open: 0 });
  });
});

describe("byte streams", () => {
  test("upload and download a file through a session, piece by piece, with progress", async () => {
    const seen = await fromJs(uniqueName("js-files"), "files");
    const size = 3 * 64 * 1024 + 1000;
    assert.equal(seen.stored, size);
    assert.equal(seen.progress.at(-1), size);
    assert.ok(seen.progress.length >= 1);
    assert.deepEqual(seen.back, { bytes: size, fnv1a: seen.expected });
    assert.equal(seen.streamsOpen, 0, "the download stream ended and was released");
    assert.deepEqual(seen.missing, { error: "no file nothing.bin", remote: true });
    assert.equal(seen.written, size, "written into a WritableStream");
    assert.deepEqual(seen.viaSink, { bytes: size, fnv1a: seen.expected });
    assert.match(seen.notASink.error, /^downloadInto \(Rust `download_into`\): argument 2 \(`sink`\): expected a WritableStream, got string/);
  });

  test("100 MiB each way between a JavaScript caller and an object, with flat memory", { timeout: 240_000 }, async () => {
    const seen = await fromJs(uniqueName("js-100mb"), "stream", "100");
    const size = 100 * 1024 * 1024;
    assert.equal(seen.sent.bytes, size);
    assert.equal(seen.sent.fnv1a, seen.expected, "every byte arrived, in order");
    assert.deepEqual(seen.received, { bytes: size, fnv1a: seen.expected });
    // Buffering either body would grow the object's Wasm memory by 100 MiB.
    assert.ok(seen.growth <= 4 * 1024 * 1024, `the object's Wasm memory grew by ${seen.growth} bytes`);
    console.log(`100 MiB up in ${seen.upMs} ms, down in ${seen.downMs} ms; object Wasm memory ${seen.before} bytes, growth ${seen.growth}`);
  });

  test("100 MiB each way between the Rust worker and an object, with flat memory", { timeout: 240_000 }, async () => {
    const seen = await fromRust(`/archive/stream?name=${uniqueName("rs-100mb")}&mb=100`);
    const size = 100 * 1024 * 1024;
    assert.deepEqual({ bytes: seen.sent.bytes, fnv1a: seen.sent.fnv1a }, { bytes: size, fnv1a: seen.expected });
    assert.deepEqual({ bytes: seen.received.bytes, fnv1a: seen.received.fnv1a }, { bytes: size, fnv1a: seen.expected });
    assert.ok(seen.workerGrowth <= 4 * 1024 * 1024, `the worker's Wasm memory grew by ${seen.workerGrowth} bytes`);
    assert.ok(seen.objectGrowth <= 4 * 1024 * 1024, `the object's Wasm memory grew by ${seen.objectGrowth} bytes`);
    console.log(`Rust caller: worker growth ${seen.workerGrowth}, object growth ${seen.objectGrowth}`);
  });

  test("a stream size past u64 is refused (400), not wrapped to 0 bytes", async () => {
    // 2^44 MiB is 2^64 bytes: wrapped, it streamed nothing and answered 200.
    const answer = await get(shared.runtime.url, `/archive/stream?name=${uniqueName("rs-wrap")}&mb=17592186044416`);
    assert.deepEqual(answer, { status: 400, text: "mb=17592186044416 is more bytes than a u64 counts" });
  });

  test("a reader cancelling a download midway releases the Rust stream", async () => {
    const seen = await fromJs(uniqueName("js-cancel-down"), "cancel-download");
    assert.ok(seen.bytes >= 1024 * 1024);
    assert.equal(seen.whileReading, 1);
    assert.equal(seen.afterCancel, 0);
  });

  test("an object that stops reading an upload midway cancels the JavaScript source", async () => {
    const seen = await fromJs(uniqueName("js-cancel-up"), "cancel-upload");
    assert.ok(seen.digest.bytes >= 1024 * 1024 && seen.digest.bytes < 4 * 1024 * 1024, JSON.stringify(seen.digest));
    assert.notEqual(seen.cancelled, null, "the source's cancel() ran");
    assert.ok(seen.pulls < 100, `the source was pulled ${seen.pulls} times, not to its end`);
  });

  test("a stream or sink the method drops unused releases the JavaScript side at once", async () => {
    const seen = await fromJs(uniqueName("js-dropped"), "dropped-streams");
    assert.deepEqual(seen.refused, { error: "the file taken.bin exists already", remote: true });
    // The writer had written past what the pipe buffers (64 KiB): it waited on backpressure.
    assert.equal(seen.writer.state, "rejected", `the writer of an unread ByteStream: ${JSON.stringify(seen.writer)}`);
    assert.ok(seen.writer.ms < 5000, JSON.stringify(seen.writer));
    assert.deepEqual(seen.missing, { error: "no file nothing.bin", remote: true });
    assert.equal(seen.reader.state, "rejected", `the reader of an unwritten ByteSink: ${JSON.stringify(seen.reader)}`);
    console.log(`writer released in ${seen.writer.ms} ms (${seen.writer.reason}); reader in ${seen.reader.ms} ms (${seen.reader.reason})`);
  });

  test("a source that fails midway, and an argument that is no stream, are errors", async () => {
    const seen = await fromJs(uniqueName("js-broken"), "broken-upload");
    assert.equal(seen.failed.remote, true);
    // The runtime does not carry the source's error across RPC, only that it ended early.
    assert.equal(seen.failed.error, "ReadableStream received over RPC disconnected prematurely.");
    assert.match(seen.notAStream.error, /^digest: argument 1 \(`body`\): expected a ReadableStream, got string/);
  });
});

describe("HTTP values", () => {
  test("a Request in and a Response out, bodies streamed, from JavaScript", async () => {
    const seen = await fromJs(uniqueName("js-http"), "http", "hal");
    assert.equal(seen.stored, 100_000);
    assert.deepEqual(seen.file, {
      status: 200, type: "application/octet-stream", body: { bytes: 100_000, fnv1a: seen.file.expected }, expected: seen.file.expected,
    });
    const size = 20 * 1024 * 1024;
    assert.equal(seen.echo.status, 201);
    assert.deepEqual([seen.echo.method, seen.echo.token, seen.echo.user], ["PUT", "t-7", "hal"]);
    assert.deepEqual(seen.echo.body, { bytes: size, fnv1a: seen.echo.expected });
    assert.ok(seen.echo.growth <= 4 * 1024 * 1024, `the object's Wasm memory grew by ${seen.echo.growth} bytes`);
    assert.deepEqual(seen.listed, [["x-a", "1"], ["x-b", "2"]]);
    assert.match(seen.notARequest.error, /^echo: argument 1 \(`request`\): expected a Request, got string/);
  });

  test("an incoming GET re-targeted into a POST with a body (HttpRequest::builder_from); a body on a GET is refused by name", async () => {
    const response = await fetch(`${shared.runtime.url}/shelf/retarget?name=x`, { headers: { "x-token": "t-9" } });
    assert.equal(response.status, 200);
    const seen = await response.json();
    // The incoming request's headers went along; its method and body did not.
    assert.deepEqual([seen.method, seen.token, seen.body], ["POST", "t-9", "re-targeted from a GET"]);
    assert.match(seen.refused, /^an HttpRequest for GET http:\/\/127\.0\.0\.1:\d+\/shelf\/retarget\?name=x cannot have a body \(the Fetch standard forbids one on GET and HEAD\): set another method, `\.method\(worker::Method::Post\)`/);
  });

  test("a Request in and a Response out, from Rust", async () => {
    assert.deepEqual(await fromRust(`/archive/http?name=${uniqueName("rs-http")}`), {
      status: 201,
      echoed: ["POST", "t-42", "http"],
      body: "a body from Rust",
      listed: [["x-token", "t-42"]],
    });
  });
});

describe("capabilities written in JavaScript, called from Rust through typed traits", () => {
  test("a JavaScript RpcTarget: typed calls, a Rust closure as its callback, errors, drop disposes, pipelining", async () => {
    assert.deepEqual(await fromRust(`/js-archive/session?name=${uniqueName("js-archive")}`), {
      user: "rust",
      stored: 2,
      calls: [[1, 3], [2, 3]],
      failed: "remote error: the JavaScript session refused",
      whileHeld: 1,
      afterDrop: 0,
      pipelined: "piped",
      refused: "remote error: a session needs a user name",
    });
  });
});

describe("Durable Object stubs as values", () => {
  test("an object hands out a stub of another object; JavaScript and Rust callers call it", async () => {
    const user = uniqueName("stub");
    assert.deepEqual(await fromJs(uniqueName("js-stub"), "counter", user), { value: 3, again: 3 });
    // The same Counter, reached through a stub the Rust caller received.
    assert.deepEqual(await fromRust(`/archive/counter?name=${uniqueName("rs-stub")}&user=${user}`), { value: 5 });
  });
});

// Capabilities as values (examples/src/board.rs): a `Board` hands out
// `Job`s inside structs, enums, `Option`s and `Vec`s, and takes them back
// as arguments, named by their typed stub `JobStub`.
describe("capabilities as values: a JavaScript caller", () => {
  const fromBoard = async (scenario, name = uniqueName(`js-board-${scenario}`)) => {
    const answer = await get(shared.runtime.url, `/js/board?name=${name}&scenario=${scenario}`);
    assert.equal(answer.status, 200, answer.text);
    return JSON.parse(answer.text);
  };

  test("stubs inside a returned struct, Vec, Option and enum: callable, and disposing the result drops them", async () => {
    const seen = await fromBoard("results");
    assert.equal(seen.board, "open");
    assert.equal(seen.notes, 10);
    assert.deepEqual(seen.titles, ["job 1", "job 2"]);
    assert.equal(seen.featured, "featured");
    assert.equal(seen.whileHeld, 3, "held: the three jobs live");
    assert.equal(seen.afterDispose, 0, "the result disposed: the board dropped every job in it");
    assert.deepEqual(seen.claimed, { title: "paint", position: 1 });
    assert.equal(seen.afterUsing, 0, "`using` on the result dropped the claimed job");
    assert.deepEqual(seen.closed, { Closed: "no such job" });
    assert.equal(seen.emptyFeatured, true);
    assert.equal(seen.emptyJobs, 0);
  });

  test("stubs in a result the caller never disposes are dropped when its request ends", async () => {
    const name = uniqueName("js-board-leak");
    assert.deepEqual(await fromBoard("leak", name), { held: 3, title: "job 1" });
    assert.deepEqual(await fromBoard("live", name), { live: 0 });
  });

  test("stubs and RpcTargets as arguments, in a Vec and an Option; given away unless dup()ed; errors name the capability", async () => {
    const seen = await fromBoard("arguments");
    assert.deepEqual(seen.titles, ["theirs", "js 1", "js 2"]);
    assert.deepEqual(seen.noExtra, ["js 3"]);
    assert.deepEqual(seen.givenAway, { error: "RPC stub used after being disposed.", remote: false });
    assert.deepEqual(seen.dupPassed, ["kept by its caller"]);
    assert.equal(seen.stillMine, "kept by its caller", "a dup() passed: the caller's own stub stays usable");
    assert.equal(seen.kept, 1);
    assert.deepEqual(seen.keptTitles, ["kept by the board"]);
    assert.equal(seen.released, 1);
    assert.deepEqual(seen.afterRelease, []);
    assert.deepEqual(seen.notAStub, {
      error: "titles: argument 1 (`jobs`): at `[0]`: expected the capability Job (an RpcTarget, or a stub of one), got an object that is no stub",
      remote: true,
    });
    assert.deepEqual(seen.aNumber, {
      error: "keep: argument 1 (`job`): expected the capability Job (an RpcTarget, or a stub of one), got number",
      remote: true,
    });
    assert.equal(seen.missing.error, "keep: missing argument 1 (`job`): it takes 1 argument(s), 0 given");
    assert.deepEqual(seen.back, { title: "round trip", position: 2 });
  });

  test("a JavaScript RpcTarget kept by the callee works until the caller's request ends", async () => {
    const name = uniqueName("js-board-keep");
    assert.deepEqual(await fromBoard("keep", name), { kept: 1, titles: ["kept past the request"] });
    // The RpcTarget lived in the caller's request, which has ended: the
    // callee's stub of it fails (and is still the callee's to drop).
    const later = await fromBoard("kept-titles", name);
    assert.deepEqual(later, {
      titles: { error: "The execution context which hosts this callback is no longer running.", remote: true },
      released: 1,
    });
  });
});

describe("capabilities as values: a Rust caller (one board calling another)", () => {
  test("its own jobs as arguments, the peer's jobs in results; drop disposes, kept ones live until released", async () => {
    const name = uniqueName("rs-board");
    assert.deepEqual(await fromRust(`/board/relay?name=${name}&peer=${name}-peer`), {
      // Arguments: called by the peer during the call, and dropped with it.
      titles: ["mine 1", "mine 2", "mine 3"],
      liveAfterTitles: 0,
      // One the peer keeps lives (and answers) until the peer lets go.
      kept: 1,
      liveWhileKept: 1,
      keptTitles: ["kept"],
      released: 1,
      liveAfterRelease: 0,
      // Results: stubs in a struct's `Vec` and `Option`, dropped with it.
      listed: ["job 1", "job 2", "featured"],
      peerLiveHeld: 3,
      peerLiveDropped: 0,
      // In an enum's variants.
      claimed: "paint at 1",
      closed: "no such job",
      // A stub the peer received and handed back inside its result.
      back: "round trip at 2",
      // ... and released once the caller dropped it.
      liveAtEnd: 0,
    });
  });

  test("a job of the board's own, called through its own stub", async () => {
    const answer = await get(shared.runtime.url, `/board/local?name=${uniqueName("rs-board-local")}`);
    assert.equal(answer.status, 200, answer.text);
    // Dropping the stub released the job.
    assert.deepEqual(JSON.parse(answer.text), ["local", 0]);
  });
});
