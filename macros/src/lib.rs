//! The `#[durable_object]` attribute for the `durable` crate.
//!
//! This crate only declares the attribute; the parsing, checks and code
//! generation live in `durable-objects-codegen`, a normal library that tests can call.
//! Use it through `durable::durable_object` (re-exported by `durable`).
//!
//! # On a struct
//!
//! | argument | meaning | default |
//! |---|---|---|
//! | `name = "Counter"` | the JavaScript class name, used as `class_name` in `wrangler.jsonc` | the struct's name |
//! | `binding = "COUNTERS"` | the binding `durable config` writes for the class in `wrangler.jsonc` | an existing binding of the class, else the name in `SCREAMING_SNAKE_CASE` (`ChatRoom` -> `CHAT_ROOM`) |
//! | `renamed_from = "Tally"` | the class's previous JavaScript name: `durable config` writes a `renamed_classes` migration, which keeps every stored object | none |
//! | `storage = "kv"` | the storage backend the class was created with: `"sqlite"` (SQL and key-value) or `"kv"` (the legacy key-value backend, for a class that already exists as key-value-backed: since July 2026 Cloudflare refuses new key-value-backed classes on accounts without one, and `durable config` refuses to declare one) | `"sqlite"` |
//!
//! The struct may not be generic. Its fields are the object's in-memory state.
//!
//! # On the struct's inherent impl block
//!
//! | method | signature | role |
//! |---|---|---|
//! | `new` (or `#[durable(constructor)]`) | `fn new(state: State, env: Env) -> Self` | required constructor |
//! | `fetch` (or `#[durable(fetch)]`) | `async fn fetch(&self, req: Request) -> Result<Response>` | HTTP handler |
//!
//! Handlers take `&self`: events interleave at `.await`, so in-memory state that
//! changes lives in `Cell` or `RefCell`.
//!
//! ```ignore
//! use durable::prelude::*;
//!
//! #[durable_object]
//! pub struct Counter { state: State }
//!
//! #[durable_object]
//! impl Counter {
//!     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//!     pub async fn fetch(&self, _req: Request) -> Result<Response> {
//!         Ok(Response::ok("hi")?)
//!     }
//! }
//! ```
#![deny(missing_docs)]

use proc_macro::TokenStream;

/// Makes a struct and its impl block a Durable Object class. See the crate docs
/// for the arguments and the methods it recognises.
#[proc_macro_attribute]
pub fn durable_object(args: TokenStream, item: TokenStream) -> TokenStream {
    durable_codegen::durable_object(args.into(), item.into()).into()
}

/// Makes an `async fn(env: TestEnv)` a test that runs on the real runtime:
/// see `durable::testing`. `#[durable::test(private)]` gives the test a
/// runtime of its own (needed to restart it).
///
/// ```ignore
/// #[durable::test]
/// async fn increments(env: durable::testing::TestEnv) -> durable::Result<()> {
///     let counter = env.namespace::<Counter>().get_by_name("a")?;
///     assert_eq!(counter.increment(5).await?, 5);
///     Ok(())
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    durable_codegen::test_attr::expand(args.into(), item.into()).into()
}

/// Makes the public `&self` methods of an impl block callable over JS RPC
/// on values handed out as capabilities (`durable::rpc::Capability<T>`): a
/// JavaScript `RpcTarget`, with a typed Rust stub `<Type>Stub`. See
/// `durable::rpc::Capability` for the ownership rules.
///
/// ```ignore
/// pub struct Session { user: String }
///
/// #[durable::rpc_target]
/// impl Session {
///     pub fn user(&self) -> String { self.user.clone() }
/// }
/// ```
///
/// On a trait, it declares a capability written elsewhere (a JavaScript
/// `RpcTarget`) for Rust callers: a marker type to name in `Capability<T>`
/// results of `#[durable_object]` traits, and its typed stub.
///
/// ```ignore
/// #[durable::rpc_target]
/// pub trait JsSession {
///     async fn user(&self) -> String;
/// }
/// ```
#[proc_macro_attribute]
pub fn rpc_target(args: TokenStream, item: TokenStream) -> TokenStream {
    durable_codegen::target::rpc_target(args.into(), item.into()).into()
}

/// Declares a type's JavaScript shape for the TypeScript declarations that
/// `durable build` writes (`dist/classes.d.ts`). Derive it next to
/// `Serialize`/`Deserialize` on every type used by an RPC method; serde's
/// `rename`, `rename_all`, `skip`, `default`, `skip_serializing_if`, `tag`,
/// `content`, `untagged` and `transparent` are followed. A type without it is
/// declared `unknown`.
///
/// ```ignore
/// #[derive(serde::Serialize, serde::Deserialize, durable::TypeScript)]
/// #[serde(rename_all = "camelCase")]
/// pub struct Book { pub title: String, pub page_count: u32 }
/// // export type Book = { "title": string; "pageCount": number };
/// ```
#[proc_macro_derive(TypeScript, attributes(serde))]
pub fn derive_typescript(item: TokenStream) -> TokenStream {
    durable_codegen::ts::derive(item.into()).into()
}

/// Declares a type alias's JavaScript shape for the TypeScript declarations
/// that `durable build` writes, as `#[derive(durable::TypeScript)]` does for
/// a struct or enum (a derive cannot go on an alias). Without it, an alias
/// used by an RPC method is declared `unknown`.
///
/// ```ignore
/// #[durable::typescript]
/// pub type OnEvent = durable::rpc::Callback<(Event,), ()>;
/// // export type OnEvent = ((arg0: Event) => void | Promise<void>);
/// ```
#[proc_macro_attribute]
pub fn typescript(args: TokenStream, item: TokenStream) -> TokenStream {
    durable_codegen::ts::alias(args.into(), item.into()).into()
}

/// A statement checked at compile time, its rows as an anonymous struct
/// (`durable::sql::Query<Row>`). See `durable::sql` ("Checked SQL") for the
/// rules; the SQL text must be a literal.
///
/// | SQLite declared type | field type | nullable column |
/// |---|---|---|
/// | `INTEGER`, `INT`, `BIGINT`.. | `i64` | `Option<i64>` |
/// | `REAL`, `FLOAT`, `DOUBLE`.. | `f64` | `Option<f64>` |
/// | `TEXT`, `VARCHAR`.. | `String` | `Option<String>` |
/// | `BLOB` | `durable::rpc::Bytes` | `Option<Bytes>` |
/// | none (an expression), `NUMERIC` | `SqlValue` | `SqlValue` |
///
/// A column is NOT NULL when its table column is declared so (or is the
/// `INTEGER PRIMARY KEY`) and no outer join reads it.
///
/// ```ignore
/// let note = durable::query!(sql, "SELECT id, title FROM notes WHERE id = ?", id)?.optional()?;
/// let other = durable::query!(migrations = "migrations/notes", sql, "SELECT title FROM notes")?.all()?;
/// ```
#[proc_macro]
pub fn query(input: TokenStream) -> TokenStream {
    durable_codegen::sql::query(input.into(), durable_codegen::sql::Flavor::Query).into()
}

/// A statement checked at compile time, its rows as an existing struct whose
/// fields are exactly the result columns, by name, each of a type that
/// decodes the column's SQLite type (`durable::sql::column`).
///
/// ```ignore
/// #[derive(serde::Deserialize)]
/// struct Note { id: i64, title: String, body: Option<String> }
/// let notes: Vec<Note> = durable::query_as!(Note, sql, "SELECT id, title, body FROM notes")?.all()?;
/// ```
#[proc_macro]
pub fn query_as(input: TokenStream) -> TokenStream {
    durable_codegen::sql::query(input.into(), durable_codegen::sql::Flavor::QueryAs).into()
}

/// A statement checked at compile time whose rows are not read: returns the
/// `Cursor` (`rows_written`). Without arguments the text may hold several
/// statements, checked in order.
///
/// ```ignore
/// let changed = durable::execute!(sql, "UPDATE notes SET title = ? WHERE id = ?", title, id)?.rows_written();
/// ```
#[proc_macro]
pub fn execute(input: TokenStream) -> TokenStream {
    durable_codegen::sql::query(input.into(), durable_codegen::sql::Flavor::Execute).into()
}

/// The migration files of a folder (relative to `Cargo.toml`), named
/// `<version>_<name>.sql`, as `&[durable::sql::Migration]` for
/// `Storage::migrate`; applied at compile time under the Durable Objects
/// rules, so a refused or broken step is a compile error.
///
/// ```ignore
/// const MIGRATIONS: &[durable::sql::Migration] = durable::migrations!("migrations");
/// ```
#[proc_macro]
pub fn migrations(input: TokenStream) -> TokenStream {
    durable_codegen::sql::migrations_macro(input.into()).into()
}
