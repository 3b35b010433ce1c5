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
