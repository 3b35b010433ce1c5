// A TypeScript worker calling the Rust Durable Objects through the declarations
// `durable build` writes: `tsc` must accept it.
import type { Archive, Board, Book, Counter, OnChange, Shelf } from "../../dist/classes";

interface Env {
  COUNTER: DurableObjectNamespace<Counter>;
  SHELF: DurableObjectNamespace<Shelf>;
  ARCHIVE: DurableObjectNamespace<Archive>;
  BOARD: DurableObjectNamespace<Board>;
}

export default {
  async fetch(_request: Request, env: Env): Promise<Response> {
    const counter = env.COUNTER.getByName("A");
    const n: number = await counter.increment(5);
    const value: number = await counter.getCounterValue();

    const shelf = env.SHELF.get(env.SHELF.idFromName("x"));
    const book: Book = { title: "t", authors: ["a"], genre: { Science: { field: "biology" } }, tags: {}, isbn13: 1 };
    const count: number = await shelf.add(book);
    const found: Book | undefined = await shelf.get("t");
    const cover: Uint8Array | undefined = await shelf.cover("t");
    await shelf.setCover("t", new Uint8Array([1, 2, 3]));
    // A callback parameter typed by an alias (`#[durable::typescript] pub type OnChange = ..`).
    const onChange: OnChange = (news) => console.log(news.toUpperCase());
    const watchers: number = await shelf.watch(onChange);

    // A capability with a callback and streams.
    const session = await env.ARCHIVE.getByName("A").openSession("ada");
    const user: string = await session.user();
    const stored: number = await session.putChunks("a.bin", [new Uint8Array(1)], (done, total) => done < total);
    const size: number = await session.upload("b.bin", new Response("body").body!, (bytes) => console.log(bytes));
    const download: ReadableStream<Uint8Array> = await session.generate(10);
    const echoed: Response = await session.echo(new Request("https://archive/echo"));
    // Capabilities inside returned values (typed stubs are the capability's interface).
    const board = env.BOARD.getByName("A");
    using listing = await board.listing(2);
    const title: string = await listing.jobs[0].title();
    const featured: string | undefined = await listing.featured?.title();
    const claim = await board.claim("paint");
    const claimed: string = "Taken" in claim ? await claim.Taken.job.title() : claim.Closed;
    console.log(title, featured, claimed);
    return new Response(`${n} ${value} ${count} ${found?.year ?? "-"} ${cover?.length ?? 0} ${user} ${stored} ${size} ${echoed.status} ${watchers}`, {
      headers: { "x-locked": String(download.locked) },
    });
  },
} satisfies ExportedHandler<Env>;
