// RPC round trips per second, in one run on one runtime: the same calls made
//   JS worker -> the JavaScript object   (the baseline)
//   JS worker -> the Rust object
//   Rust worker -> the Rust object, through its typed stub
// with a small argument (`increment(1)` on JsCounter / Counter), a ~10 KB
// structured value (`weigh(batch)`), a ~10 KB structured result
// (`sampleBatch()`, made afresh by each object), and CPU-bound calls (`search(query, 5)`
// on JsNameSearch / NameSearch: the 5 names of a 10,000-name directory
// closest to the query by edit distance; the answers of the two objects are
// checked equal first). Each request makes CALLS sequential calls inside the
// runtime, so HTTP costs little; rounds alternate between the scenarios so
// that machine noise hits them alike. Prints the median rate over rounds and
// its ratio to the baseline.
//
// Runs on plain workerd by default (`--runtime wrangler` for `wrangler dev`).
//
// Usage: node bench/rpc.mjs [--calls 2000] [--search-calls 100] [--rounds 5] [--runtime workerd|wrangler]
//        (after scripts/build.sh)

import { deepStrictEqual } from "node:assert/strict";
import { parseArgs } from "node:util";

import { get, rpcCall, startRuntime, tempDir, testConfig } from "../tests/e2e/harness.mjs";
import { startWorkerd } from "./workerd.mjs";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "2000" },
    "search-calls": { type: "string", default: "100" },
    rounds: { type: "string", default: "5" },
    runtime: { type: "string", default: "workerd" },
  },
});
const callsFor = { small: Number(values.calls), "10k": Number(values.calls), "10k-result": Number(values.calls), search: Number(values["search-calls"]) };
const rounds = Number(values.rounds);

const scenarios = [
  { label: "JS worker -> JS object", path: (p) => `/js/bench?target=js&payload=${p}` },
  { label: "JS worker -> Rust object", path: (p) => `/js/bench?target=rust&payload=${p}` },
  { label: "Rust worker -> Rust object (typed stub)", path: (p) => (p === "search" ? "/name-search/bench?payload=search" : `/counter/bench?payload=${p}`) },
];
const titles = {
  small: "small argument, increment(1)",
  "10k": "~10 KB structured value, weigh(batch)",
  "10k-result": "~10 KB structured result, sampleBatch()",
  search: "CPU-bound, search(query, 5) in 10,000 names by edit distance",
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Both directories answer every benchmark query alike, by JS RPC and through the typed stub. */
async function checkSearchAnswers(url) {
  for (const query of ["Karen Milodan", "Vorber Tisel", "Quis Martel", "Natel Gusel", "Omar Kasel", "Lotika Berna"]) {
    const [js, rust] = await Promise.all(["JS_NAME_SEARCH", "NAME_SEARCH"].map((o) => rpcCall(url, o, "check", "search", query, 5)));
    if (!("ok" in js) || !("ok" in rust)) throw new Error(`search(${query}): ${JSON.stringify({ js, rust })}`);
    deepStrictEqual(rust.ok, js.ok, `search(${JSON.stringify(query)}): the Rust and the JavaScript directories disagree`);
    if (js.ok.length !== 5) throw new Error(`search(${query}) found ${js.ok.length} names`);
    const typed = await get(url, `/name-search/?query=${encodeURIComponent(query)}&limit=5&name=check`);
    deepStrictEqual(JSON.parse(typed.text), js.ok, `search(${JSON.stringify(query)}) through the typed stub`);
  }
  // Both refuse the same bad input with the same message.
  for (const [args, message] of [
    [["x".repeat(65), 5], "the query has 65 characters; at most 64"],
    [["Karen", 101], "limit 101 is over 100"],
  ]) {
    for (const object of ["JS_NAME_SEARCH", "NAME_SEARCH"]) {
      const answer = await rpcCall(url, object, "check", "search", ...args);
      if (!answer.error?.includes(message)) throw new Error(`${object}.search(${args.join(", ")}): ${JSON.stringify(answer)}, expected an error: ${message}`);
    }
  }
}

const dir = tempDir("durable-bench-");
const runtime =
  values.runtime === "wrangler"
    ? await startRuntime({
        config: [testConfig(dir.path, "examples/js-caller/wrangler.jsonc"), testConfig(dir.path)],
        persistDir: `${dir.path}/state`,
      })
    : await startWorkerd();
console.log(`runtime: ${values.runtime === "wrangler" ? "wrangler dev" : "plain workerd"}`);
try {
  await checkSearchAnswers(runtime.url);
  for (const payload of ["small", "10k", "10k-result", "search"]) {
    const calls = callsFor[payload];
    const rates = new Map(scenarios.map((s) => [s.label, []]));
    for (let round = 0; round <= rounds; round++) {
      for (const s of scenarios) {
        const n = round === 0 ? Math.min(payload === "search" ? 10 : 200, calls) : calls; // round 0 warms up
        const started = performance.now();
        const answer = await get(runtime.url, `${s.path(payload)}&calls=${n}&name=bench-${payload}`, { timeoutMs: 600_000 });
        const seconds = (performance.now() - started) / 1000;
        if (answer.status !== 200 || answer.text !== String(n)) throw new Error(`${s.label}: ${answer.status} ${answer.text}`);
        if (round > 0) rates.get(s.label).push(n / seconds);
      }
    }
    const baseline = median(rates.get(scenarios[0].label));
    console.log(`\npayload: ${titles[payload]} (${calls} calls x ${rounds} rounds, median)`);
    for (const s of scenarios) {
      const rate = median(rates.get(s.label));
      console.log(`  ${s.label.padEnd(42)} ${rate.toFixed(0).padStart(7)} calls/s   ${(rate / baseline).toFixed(2)}x`);
    }
  }
} finally {
  await runtime.stop();
  dir.cleanup();
}
