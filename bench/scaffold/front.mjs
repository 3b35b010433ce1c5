// The front worker of bench/scaffold.mjs: calls the scaffold's Rust Counter
// (RUST_COUNTER, in the worker `durable new` made) or the same object written
// in JavaScript (JS_COUNTER, js-counter.mjs), each on objects never used
// before. Both objects live in workers of their own, so each call crosses
// the same boundary between workers.

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/spawn") {
      // `count` new objects, one `increment(1)` each, one after the other.
      const count = Math.min(Number(url.searchParams.get("count") ?? "10"), 10_000);
      const namespace = url.searchParams.get("target") === "js" ? env.JS_COUNTER : env.RUST_COUNTER;
      const prefix = url.searchParams.get("prefix") ?? "spawn";
      for (let i = 0; i < count; i++) {
        const value = await namespace.getByName(`${prefix}-${i}`).increment(1);
        if (value !== 1) return new Response(`object ${prefix}-${i} answered ${value}`, { status: 500 });
      }
      return new Response(String(count));
    }
    return new Response("ready");
  },
};
