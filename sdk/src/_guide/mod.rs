//! # The guide
//!
//! How to write, test and deploy Cloudflare Durable Objects with `durable`,
//! one topic per chapter. Every Rust example in it is compiled by
//! `cargo test --doc` (most are `no_run`: they need the runtime, and the
//! `examples/` crate of the repository and the [cookbook](crate::_cookbook)
//! run the same code on workerd).
//!
//! This module holds documentation only: it exists when rustdoc builds the
//! docs or runs their examples (`cfg(doc)`, `cfg(doctest)`), and is absent
//! from every other build.
//!
//! | chapter | what it covers |
//! |---|---|
//! | [1. Your first object](ch01_first_object) | a project, a class, its state, a worker in front of it, `wrangler dev` |
//! | [2. Storage and SQL](ch02_storage_and_sql) | key-value storage, transactions, SQL with migrations and checked queries, `params!` |
//! | [3. Alarms and the scheduler](ch03_alarms) | the alarm handler, retries, many tasks on one alarm: at, after, every, cron |
//! | [4. WebSockets and hibernation](ch04_websockets) | the pair, accepting it hibernatable, returning it, broadcasting, attachments |
//! | [5. RPC](ch05_rpc) | typed stubs from Rust, JavaScript callers, a JavaScript worker calling Rust, values and their JavaScript shapes |
//! | [6. Capabilities, callbacks and streams](ch06_capabilities) | live objects over RPC, closures as callbacks, byte streams both ways, HTTP values |
//! | [7. Testing](ch07_testing) | `#[durable::test]` on workerd, what the helpers return, joining calls |
//! | [8. Errors and isolation](ch08_errors) | what a caller sees of an `Err` and of a panic, what survives |
//! | [9. Configuration and deploy](ch09_configuration) | `durable build`, `durable config`, `wrangler.jsonc`, static assets, TypeScript types |
//! | [Appendix: the newer runtime APIs](appendix_runtime_apis) | what `ctx`, `ctx.storage` and the namespace offer today, where Rust reaches each, and what the local runtime does |
//!
//! Recipes that combine the chapters are in the [cookbook](crate::_cookbook).

#[doc = include_str!("ch01_first_object.md")]
pub mod ch01_first_object {}

#[doc = include_str!("ch02_storage_and_sql.md")]
pub mod ch02_storage_and_sql {}

#[doc = include_str!("ch03_alarms.md")]
pub mod ch03_alarms {}

#[doc = include_str!("ch04_websockets.md")]
pub mod ch04_websockets {}

#[doc = include_str!("ch05_rpc.md")]
pub mod ch05_rpc {}

#[doc = include_str!("ch06_capabilities.md")]
pub mod ch06_capabilities {}

#[doc = include_str!("ch07_testing.md")]
pub mod ch07_testing {}

#[doc = include_str!("ch08_errors.md")]
pub mod ch08_errors {}

#[doc = include_str!("ch09_configuration.md")]
pub mod ch09_configuration {}

#[doc = include_str!("appendix_runtime_apis.md")]
pub mod appendix_runtime_apis {}
