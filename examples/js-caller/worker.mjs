// Calls the Rust `Counter` Durable Object over JS RPC, exactly as a
// JavaScript Durable Object would be called.

// Values travel to and from the tests as JSON, with two stand-ins:
// {"bigint": "123"} for a BigInt and {"bytes": [1, 2]} for a Uint8Array.
const replacer = (_, v) =>
  typeof v === "bigint" ? { bigint: v.toString() }
  : v instanceof Uint8Array ? { bytes: [...v] }
  : v;
const json = (value, status = 200) =>
  new Response(JSON.stringify(value, replacer), { status, headers: { "content-type": "application/json" } });
const revive = (args) =>
  JSON.parse(JSON.stringify(args), (_, v) =>
    v && typeof v === "object" && "bigint" in v ? BigInt(v.bigint)
    : v && typeof v === "object" && "bytes" in v ? new Uint8Array(v.bytes)
    : v);
const typeOf = (v) => (v instanceof Uint8Array ? "Uint8Array" : v === null ? "null" : typeof v);

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/js/")) return env.EXAMPLES.fetch(request);

    const name = url.searchParams.get("name") ?? "A";
    const counter = env.COUNTER.getByName(name);
    const objects = { COUNTER: env.COUNTER, SHELF: env.SHELF };

    if (url.pathname === "/js/counter") {
      // The documented interface: increment(amount), decrement(amount), getCounterValue().
      const amount = Number(url.searchParams.get("amount") ?? "1");
      const op = url.searchParams.get("op") ?? "get";
      const value =
        op === "increment" ? await counter.increment(amount)
        : op === "decrement" ? await counter.decrement(amount)
        : await counter.getCounterValue();
      return json({ value, type: typeof value });
    }

    if (url.pathname === "/js/call" && request.method === "POST") {
      // Any method of any object, with any arguments: for testing values and bad input.
      const { method, args } = await request.json();
      const target = objects[url.searchParams.get("object") ?? "COUNTER"].getByName(name);
      try {
        const value = await target[method](...revive(args));
        return json({ ok: value === undefined ? null : value, type: typeOf(value) });
      } catch (error) {
        return json({ error: String(error?.message ?? error), name: error?.name, remote: error?.remote === true });
      }
    }

    return new Response("Not found", { status: 404 });
  },
};
