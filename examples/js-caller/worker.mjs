// Calls the Rust `Counter` Durable Object over JS RPC, exactly as a
// JavaScript Durable Object would be called.

const json = (value, status = 200) =>
  new Response(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? { bigint: v.toString() } : v)), {
    status,
    headers: { "content-type": "application/json" },
  });

// Arguments travel as JSON; {"bigint": "123"} stands for a BigInt.
const revive = (args) => args.map((a) => (a && typeof a === "object" && "bigint" in a ? BigInt(a.bigint) : a));

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/js/")) return env.EXAMPLES.fetch(request);

    const name = url.searchParams.get("name") ?? "A";
    const counter = env.COUNTER.getByName(name);

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
      // Any method with any arguments: for testing what bad input does.
      const { method, args } = await request.json();
      try {
        const value = await counter[method](...revive(args));
        return json({ ok: value === undefined ? null : value, type: typeof value });
      } catch (error) {
        return json({ error: String(error?.message ?? error), name: error?.name, remote: error?.remote === true });
      }
    }

    return new Response("Not found", { status: 404 });
  },
};
