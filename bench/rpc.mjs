// RPC round trips per second, in one run on one runtime: the same calls made
//   JS worker -> the JavaScript JsCounter   (the baseline)
//   JS worker -> the Rust Counter
//   Rust worker -> the Rust Counter, through the typed CounterStub
// with a small argument (`increment(1)`) and a ~10 KB structured value
// (`weigh(batch)`). Each request makes CALLS sequential calls inside the
// runtime, so HTTP costs little; rounds alternate between the scenarios so
// that machine noise hits them alike. Prints rates and ratios to the baseline.
//
// Runs on plain workerd by default (`--runtime wrangler` for `wrangler dev`).
//
// Usage: node bench/rpc.mjs [--calls 2000] [--rounds 5] [--runtime workerd|wrangler]
//        (after scripts/build.sh)

import { parseArgs } from "node:util";

import { get, startRuntime, tempDir, testConfig } from "../tests/e2e/harness.mjs";
import { startWorkerd } from "./workerd.mjs";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "2000" },
    rounds: { type: "string", default: "5" },
    runtime: { type: "string", default: "workerd" },
  },
});
const calls = Number(values.calls);
const rounds = Number(values.rounds);

const scenarios = [
  { label: "JS worker -> JS object", path: (p) => `/js/bench?target=js&payload=${p}` },
  { label: "JS worker -> Rust object", path: (p) => `/js/bench?target=rust&payload=${p}` },
  { label: "Rust worker -> Rust object (typed stub)", path: (p) => `/counter/bench?payload=${p}` },
];

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
  for (const payload of ["small", "10k"]) {
    const best = new Map();
    for (let round = 0; round <= rounds; round++) {
      for (const s of scenarios) {
        const n = round === 0 ? Math.min(200, calls) : calls; // round 0 warms up
        const started = performance.now();
        const answer = await get(runtime.url, `${s.path(payload)}&calls=${n}&name=bench-${payload}`, { timeoutMs: 600_000 });
        const seconds = (performance.now() - started) / 1000;
        if (answer.status !== 200 || answer.text !== String(n)) throw new Error(`${s.label}: ${answer.status} ${answer.text}`);
        if (round > 0) best.set(s.label, Math.max(best.get(s.label) ?? 0, n / seconds));
      }
    }
    const baseline = best.get(scenarios[0].label);
    console.log(`\npayload: ${payload === "small" ? "small argument, increment(1)" : "~10 KB structured value, weigh(batch)"} (${calls} calls x ${rounds} rounds, best round)`);
    for (const s of scenarios) {
      const rate = best.get(s.label);
      console.log(`  ${s.label.padEnd(42)} ${rate.toFixed(0).padStart(7)} calls/s   ${(rate / baseline).toFixed(2)}x`);
    }
  }
} finally {
  await runtime.stop();
  dir.cleanup();
}
