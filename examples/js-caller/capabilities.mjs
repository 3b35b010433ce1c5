// Capabilities from the Rust `Archive` (examples/src/archive.rs), used as a
// JavaScript caller uses any RpcTarget: `using`, method calls, disposal,
// promise pipelining. Each scenario answers what it saw, as JSON.

/** Polls `probe` until it answers 0 (the release of a stub is asynchronous). */
async function untilZero(probe) {
  let value = await probe();
  for (let asked = 0; value > 0 && asked < 50; asked++) {
    await new Promise((r) => setTimeout(r, 10));
    value = await probe();
  }
  return value;
}

const MiB = 1024 * 1024;
const PIECE = 64 * 1024;
// The Rust example's pattern: byte i is i % 251.
const PATTERN = Uint8Array.from({ length: PIECE + 251 }, (_, i) => i % 251);

/** FNV-1a (32-bit), continued from `hash` over `bytes`, as the Rust example's. */
function fnv1a(hash, bytes) {
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193) >>> 0;
  return hash;
}
const FNV_OFFSET = 0x811c9dc5;

/**
 * `size` bytes of the pattern, made as the reader pulls (flat memory);
 * `events` records pulls and a cancellation, `failAt` errors the stream there.
 */
function patternStream(size, events = {}, failAt = Infinity) {
  let offset = 0;
  events.pulls = 0;
  return new ReadableStream({
    pull(controller) {
      events.pulls++;
      if (offset >= failAt) return controller.error(new Error(`the JavaScript source failed at byte ${offset}`));
      if (offset >= size) return controller.close();
      const len = Math.min(PIECE, size - offset);
      controller.enqueue(PATTERN.slice(offset % 251, (offset % 251) + len));
      offset += len;
    },
    cancel(reason) {
      events.cancelled = String(reason);
    },
  }, { highWaterMark: 0 });
}

async function readAll(stream) {
  let bytes = 0;
  let hash = FNV_OFFSET;
  for await (const piece of stream) {
    // Through a WritableStream crossing RPC, chunks arrive as ArrayBuffers.
    const chunk = piece instanceof Uint8Array ? piece : new Uint8Array(piece);
    hash = fnv1a(hash, chunk);
    bytes += chunk.byteLength;
  }
  return { bytes, fnv1a: hash };
}

function expectedHash(size) {
  let hash = FNV_OFFSET;
  for (let offset = 0; offset < size; offset += PIECE) {
    const len = Math.min(PIECE, size - offset);
    hash = fnv1a(hash, PATTERN.subarray(offset % 251, (offset % 251) + len));
  }
  return hash;
}

/** How `promise` settled within `ms`: { state: fulfilled | rejected | pending, reason, ms }. */
async function settledWithin(promise, ms) {
  const started = Date.now();
  let timer;
  const pending = new Promise((r) => (timer = setTimeout(() => r({ state: "pending" }), ms)));
  const outcome = await Promise.race([
    promise.then(() => ({ state: "fulfilled" }), (e) => ({ state: "rejected", reason: String(e?.message ?? e) })),
    pending,
  ]);
  clearTimeout(timer);
  return { ...outcome, ms: Date.now() - started };
}

const message = (promise) => promise.then((v) => ({ ok: v }), (e) => ({ error: String(e?.message ?? e), remote: e?.remote === true }));

export async function capabilities(archive, scenario, user) {
  switch (scenario) {
    case "session": {
      const seen = {};
      {
        using session = await archive.openSession(user);
        seen.user = await session.user();
        seen.size = await session.put("notes.txt", new TextEncoder().encode("hello from JavaScript"));
        seen.back = new TextDecoder().decode(await session.get("notes.txt"));
        seen.missing = (await session.get("nothing.txt")) ?? null;
        seen.failed = await message(session.fail("refused on purpose"));
        seen.wrongArgs = await message(session.put(42));
        seen.noSuchMethod = await message(session.delete("notes.txt"));
        seen.whileHeld = await archive.sessionsOpen();
      }
      // `using` disposed it at the end of the block.
      seen.afterDispose = await untilZero(() => archive.sessionsOpen());
      return seen;
    }
    case "disposed": {
      const session = await archive.openSession(user);
      session[Symbol.dispose]();
      return { afterDispose: await message(session.user()), open: await untilZero(() => archive.sessionsOpen()) };
    }
    case "refused":
      return message(archive.openSession(""));
    case "pipelined": {
      // One round trip: `user()` is sent on the promise of the session.
      using session = archive.openSession(user);
      return { user: await session.user() };
    }
    case "leak": {
      // Not disposed: released when this request ends.
      const session = await archive.openSession(user);
      return { user: await session.user(), open: await archive.sessionsOpen() };
    }
    case "progress": {
      using session = await archive.openSession(user);
      const chunks = [1, 2, 3, 4].map((i) => new Uint8Array(1000).fill(i));
      const calls = [];
      const stopped = await session.putChunks("chunks.bin", chunks, (done, total) => {
        calls.push([done, total]);
        return done < 3;
      });
      const size = (await session.get("chunks.bin")).byteLength;
      const asynchronous = await session.putChunks("slow.bin", chunks, async () => {
        await new Promise((r) => setTimeout(r, 5));
        return true;
      });
      const thrown = await message(session.putChunks("none.bin", chunks, (done) => {
        if (done === 2) throw new Error("the JavaScript callback refused chunk 2");
        return true;
      }));
      const notAFunction = await message(session.putChunks("none.bin", chunks, 42));
      return { stopped, calls, size, asynchronous, thrown, notAFunction };
    }
    case "files": {
      using session = await archive.openSession(user);
      const size = 3 * PIECE + 1000;
      const progress = [];
      const stored = await session.upload("big.bin", patternStream(size), (bytes) => void progress.push(bytes));
      const back = await readAll(await session.download("big.bin"));
      const missing = await message(session.download("nothing.bin"));
      // Into a WritableStream: the writable side of a pipe whose readable side is read here.
      const { readable, writable } = new TransformStream();
      const [written, viaSink] = await Promise.all([session.downloadInto("big.bin", writable), readAll(readable)]);
      const notASink = await message(session.downloadInto("big.bin", "nowhere"));
      return { stored, progress, back, expected: expectedHash(size), streamsOpen: await untilZero(() => archive.streamsOpen()), missing, written, viaSink, notASink };
    }
    case "stream": {
      // `mb` MiB up and `mb` MiB down; the object's Wasm memory before and after.
      const size = Number(user) * MiB;
      using session = await archive.openSession("streamer");
      const before = await archive.wasmMemory();
      const started = Date.now();
      const sent = await session.digest(patternStream(size));
      const up = Date.now() - started;
      const received = await readAll(await session.generate(size));
      const down = Date.now() - started - up;
      return { sent, received, expected: expectedHash(size), growth: (await archive.wasmMemory()) - before, before, upMs: up, downMs: down };
    }
    case "cancel-download": {
      using session = await archive.openSession(user);
      const stream = await session.generate(100 * MiB);
      const reader = stream.getReader();
      let bytes = 0;
      while (bytes < MiB) bytes += (await reader.read()).value.byteLength;
      const whileReading = await archive.streamsOpen();
      await reader.cancel("the reader has enough");
      return { bytes, whileReading, afterCancel: await untilZero(() => archive.streamsOpen()) };
    }
    case "cancel-upload": {
      using session = await archive.openSession(user);
      const events = {};
      const digest = await session.digest(patternStream(100 * MiB, events), MiB);
      for (let i = 0; i < 50 && events.cancelled === undefined; i++) await new Promise((r) => setTimeout(r, 10));
      return { digest, pulls: events.pulls, cancelled: events.cancelled ?? null };
    }
    case "dropped-streams": {
      // Methods that fail before touching the stream they were given.
      using session = await archive.openSession(user);
      await session.upload("taken.bin", patternStream(1000));
      // A writer that writes 4 pieces (more than the pipe buffers) into a stream the method never reads.
      const up = new TransformStream();
      const writer = up.writable.getWriter();
      const writing = (async () => {
        for (let i = 0; i < 4; i++) await writer.write(PATTERN.slice(0, PIECE));
        await writer.close();
      })();
      const refused = await message(session.uploadNew("taken.bin", up.readable));
      const wrote = await settledWithin(writing, 5000);
      // A reader of a sink the method never writes.
      const down = new TransformStream();
      const reading = readAll(down.readable);
      const missing = await message(session.downloadInto("nothing.bin", down.writable));
      const read = await settledWithin(reading, 5000);
      return { refused, writer: wrote, missing, reader: read };
    }
    case "broken-upload": {
      using session = await archive.openSession(user);
      return { failed: await message(session.digest(patternStream(10 * MiB, {}, 2 * MiB))), notAStream: await message(session.digest("text")) };
    }
    case "http": {
      using session = await archive.openSession(user);
      const stored = await session.upload("page.bin", patternStream(100_000));
      const served = await session.serve("page.bin");
      const file = { status: served.status, type: served.headers.get("content-type"), body: await readAll(served.body), expected: expectedHash(100_000) };
      const size = 20 * MiB;
      const before = await archive.wasmMemory();
      const request = new Request("https://archive/echo", { method: "PUT", headers: { "x-token": "t-7" }, body: patternStream(size) });
      const echoed = await session.echo(request);
      const echo = {
        status: echoed.status,
        method: echoed.headers.get("x-method"),
        token: echoed.headers.get("x-token"),
        user: echoed.headers.get("x-user"),
        body: await readAll(echoed.body),
        expected: expectedHash(size),
        growth: (await archive.wasmMemory()) - before,
      };
      const listed = await session.headerList(new Headers({ "x-b": "2", "x-a": "1" }));
      const notARequest = await message(session.echo("https://archive/echo"));
      return { stored, file, echo, listed, notARequest };
    }
    case "counter": {
      // A stub of another Durable Object (the Counter example's), handed out by the archive.
      const counter = await archive.counterFor(user);
      return { value: await counter.increment(3), again: await counter.getCounterValue() };
    }
    case "bench": {
      // Sequential calls: a capability's method against the object's own.
      const calls = Math.min(Number(user) || 1000, 100_000);
      using session = await archive.openSession("bench");
      let started = Date.now();
      for (let i = 0; i < calls; i++) await archive.sessionsOpen();
      const object = Date.now() - started;
      started = Date.now();
      for (let i = 0; i < calls; i++) await session.user();
      const capability = Date.now() - started;
      started = Date.now();
      for (let i = 0; i < calls; i++) await archive.openSession("p").user();
      const pipelined = Date.now() - started;
      started = Date.now();
      for (let i = 0; i < calls; i++) {
        using opened = await archive.openSession("a");
        await opened.user();
      }
      const awaited = Date.now() - started;
      return { calls, objectMs: object, capabilityMs: capability, openAndCallPipelinedMs: pipelined, openAndCallAwaitedMs: awaited };
    }
    case "count":
      return { open: await archive.sessionsOpen() };
    case "crash": {
      using session = await archive.openSession(user);
      using other = await archive.openSession(`${user}-2`);
      const crashed = await message(session.crash());
      return {
        crashed,
        sameAfter: await message(session.user()),
        otherAfter: await message(other.user()),
        // The object itself is rebuilt on its next call.
        open: await archive.sessionsOpen(),
      };
    }
    default:
      throw new Error(`no scenario ${scenario}`);
  }
}
