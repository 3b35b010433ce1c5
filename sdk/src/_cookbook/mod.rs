//! # The cookbook
//!
//! Recipes that combine the [guide](crate::_guide)'s chapters into small
//! applications, each whole: the objects, the worker in front of them, their
//! configuration, and how to test them. Like the guide, this module holds
//! documentation only: it exists when rustdoc builds the docs or runs their
//! examples (`cfg(doc)`, `cfg(doctest)`), and every Rust block in it is
//! compiled by `cargo test --doc`.
//!
//! | recipe | what it combines |
//! |---|---|
//! | [Chat room](chat_room) | hibernatable WebSockets with attachments, a backlog in storage, a rate limiter over typed RPC |
//! | [Seat map](seat_map) | SQL with migrations and checked queries, live updates over WebSockets, a page from static assets |
//! | [Rate limiter](rate_limiter) | a token bucket per key, in memory; a daily quota in storage |
//! | [Job queue with callbacks](job_queue) | a job board that hands out subscriptions (capabilities) and calls subscribers back (callbacks), from Rust and from JavaScript |
//! | [A JavaScript worker calling Rust](js_caller) | a plain JavaScript worker using a Rust Durable Object over RPC, locally and deployed |

#[doc = include_str!("chat_room.md")]
pub mod chat_room {}

#[doc = include_str!("seat_map.md")]
pub mod seat_map {}

#[doc = include_str!("rate_limiter.md")]
pub mod rate_limiter {}

#[doc = include_str!("job_queue.md")]
pub mod job_queue {}

#[doc = include_str!("js_caller.md")]
pub mod js_caller {}
