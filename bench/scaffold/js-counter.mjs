// The scaffold's Counter in JavaScript (see front.mjs), in a worker of its own.

import { DurableObject } from "cloudflare:workers";

/** How long a counter that nobody increments lives on (as in the scaffold). */
const EXPIRY_MS = 30 * 24 * 60 * 60 * 1000;

/** The scaffold's `Counter` (`durable new`'s src/lib.rs), in JavaScript. */
export class JsCounter extends DurableObject {
  async increment(amount) {
    const storage = this.ctx.storage;
    const count = ((await storage.get("count")) ?? 0) + amount;
    if (!Number.isSafeInteger(count)) throw new Error("the count would overflow");
    await storage.put("count", count);
    await storage.setAlarm(Date.now() + EXPIRY_MS);
    return count;
  }

  async alarm() {
    await this.ctx.storage.deleteAll();
  }

  async count() {
    return (await this.ctx.storage.get("count")) ?? 0;
  }
}

export default {
  fetch() {
    return new Response("the JavaScript counter of bench/scaffold.mjs");
  },
};
