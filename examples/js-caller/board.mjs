// A JavaScript caller of the Rust `Board` (examples/src/board.rs):
// capabilities inside returned values and as arguments. Each scenario
// answers what it saw, as JSON.

import { RpcTarget } from "cloudflare:workers";

/** A job written in JavaScript, passed where the board takes a `JobStub`. */
class Job extends RpcTarget {
  constructor(title) {
    super();
    this.name = title;
  }
  title() {
    return this.name;
  }
}

const error = async (promise) => {
  try {
    await promise;
    return null;
  } catch (e) {
    return { error: String(e.message), remote: e.remote === true };
  }
};

export async function board(env, name, scenario) {
  const board = env.BOARD.getByName(name);
  switch (scenario) {
    case "results": {
      // Stubs inside a returned struct: a `Vec` and an `Option`.
      const listing = await board.listing(2);
      const titles = [];
      for (const job of listing.jobs) titles.push(await job.title());
      const featured = await listing.featured.title();
      const whileHeld = await board.live();
      // Disposing the result disposes every stub in it.
      listing[Symbol.dispose]();
      const afterDispose = await settle(board, 0);
      // An enum's variant; one disposed with `using`.
      let claimed;
      {
        using claim = await board.claim("paint");
        claimed = { title: await claim.Taken.job.title(), position: claim.Taken.position };
      }
      const afterUsing = await settle(board, 0);
      const closed = await board.claim("");
      const empty = await board.listing(0);
      return { board: listing.board, notes: listing.notes.length, titles, featured, whileHeld, afterDispose, claimed, afterUsing, closed, emptyFeatured: empty.featured === undefined, emptyJobs: empty.jobs.length };
    }
    case "arguments": {
      // The board's own jobs and JavaScript RpcTargets, passed back in a `Vec` and an `Option`.
      const steps = {};
      const step = async (label, f) => {
        try {
          steps[label] = await f();
        } catch (e) {
          steps[label] = { error: String(e.message), remote: e.remote === true };
        }
      };
      using claim = await board.claim("theirs");
      await step("titles", () => board.titles([claim.Taken.job, new Job("js 1")], new Job("js 2")));
      await step("noExtra", () => board.titles([new Job("js 3")], undefined));
      // A stub passed as an argument is given away: the runtime disposes the
      // caller's stub when the call ends. A `dup()` passed keeps it.
      await step("givenAway", () => claim.Taken.job.title());
      using again = await board.claim("kept by its caller");
      await step("dupPassed", () => board.titles([again.Taken.job.dup()], undefined));
      await step("stillMine", () => again.Taken.job.title());
      // Kept beyond the call, then released.
      await step("kept", () => board.keep(new Job("kept by the board")));
      await step("keptTitles", () => board.keptTitles());
      await step("released", () => board.release());
      await step("afterRelease", () => board.keptTitles());
      // What is no capability.
      steps.notAStub = await error(board.titles([{ title: "plain" }], undefined));
      steps.aNumber = await error(board.keep(42));
      steps.missing = await error(board.keep());
      // A stub handed back inside a result.
      await step("back", async () => {
        const back = await board.handBack(new Job("round trip"));
        return { title: await back.Taken.job.title(), position: back.Taken.position };
      });
      return steps;
    }
    case "keep": {
      // A JavaScript RpcTarget the board keeps beyond this request.
      return { kept: await board.keep(new Job("kept past the request")), titles: await board.keptTitles() };
    }
    case "kept-titles":
      return { titles: await error(board.keptTitles()), released: await board.release() };
    case "leak": {
      // Stubs in a result the caller never disposes.
      const listing = await board.listing(2);
      return { held: await board.live(), title: await listing.jobs[0].title() };
    }
    case "live":
      return { live: await settle(board, 0) };
    default:
      throw new Error(`no scenario ${scenario}`);
  }
}

/** `board.live()` once it reaches `want` (disposal is asynchronous), or its last answer. */
async function settle(board, want) {
  let live;
  for (let i = 0; i < 50; i++) {
    live = await board.live();
    if (live === want) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return live;
}
