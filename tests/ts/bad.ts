// The same worker with mistakes: `tsc` must reject each marked line.
import type { Counter, Shelf } from "../../dist/classes";

interface Env {
  COUNTER: DurableObjectNamespace<Counter>;
  SHELF: DurableObjectNamespace<Shelf>;
}

export default {
  async fetch(_request: Request, env: Env): Promise<Response> {
    const counter = env.COUNTER.getByName("A");
    await counter.increment("five"); // error: string is not a number
    const text: string = await counter.getCounterValue(); // error: number is not a string
    await counter.reset(); // error: no such method
    const shelf = env.SHELF.getByName("x");
    await shelf.add({ title: "t" }); // error: missing authors, genre, tags, isbn13
    await shelf.add({ title: "t", authors: [], genre: "Poetry", tags: {}, isbn13: 1 }); // error: no such genre
    await shelf.watch((news: number) => console.log(news)); // error: the alias OnChange is a callback of a string
    return new Response(text);
  },
} satisfies ExportedHandler<Env>;
