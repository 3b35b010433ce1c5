//! The documented Durable Objects examples, ported to Rust with `durable`, all
//! served by one worker. Each example lives under its own path prefix:
//!
//! | prefix | example | class |
//! |---|---|---|
//! | `/counter/` | "Build a counter" | `Counter` |
//! | `/location/` | "Durable Object in-memory state" | `Location` |
//! | `/cached-counter/` | the `blockConcurrencyWhile` counter | `CachedCounter` |
//! | `/faults/` | errors and panics, and what survives them | `Faults` |
//! | `/shelf/` | structured values over JS RPC | `Shelf` |
//! | (RPC only) | the whole KV storage API, for the tests | `KvExplorer` |
//! | (RPC only) | the SQL benchmark's object | `SqlBench` |
//! | `/batch/` | the alarms documentation's batch processor | `BatchProcessor` |
//! | (RPC only) | alarms under test: retries and their count | `AlarmLab` |
//! | (RPC only) | many scheduled tasks on one alarm | `Reminders` |
//! | `/chat/` | a chat room in the browser, with a rate limiter over typed RPC | `ChatRoom`, `RateLimiter` |
//! | `/ws/` | WebSockets, standard and hibernatable | `WsLab` |
//! | `/notes/` | a notes service on SQL: migrations, bound parameters, typed rows, transactions | `Notes` |
//! | `/js-counter/` | the counter routes, served by a Durable Object written in JavaScript | `JsCounter` (in `js-caller`) |

pub mod alarm_lab;
pub mod batch;
pub mod cached_counter;
pub mod chat;
pub mod counter;
pub mod faults;
pub mod js_counter;
pub mod kv_explorer;
pub mod location;
pub mod notes;
pub mod reminders;
pub mod shelf;
pub mod sql_bench;
pub mod ws_lab;

use worker::{event, Context, Env, Request, Response, Result, Url};

/// The worker: routes each prefix to its example.
#[event(fetch, respond_with_errors)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let url = req.url()?;
    let path = url.path().to_owned();
    let (prefix, rest) = split_prefix(&path);
    match prefix {
        "counter" => counter::handle(&env, &url, rest).await,
        "cached-counter" => cached_counter::handle(&env, &url, rest).await,
        "location" => location::handle(req, &env).await,
        "faults" => faults::handle(req, &env, &url, rest).await,
        "shelf" => shelf::handle(&env, &url, rest).await,
        "notes" => notes::handle(req, &env, &url, rest).await,
        "batch" => batch::handle(req, &env, &url, rest).await,
        "ws" => ws_lab::handle(req, &env, &url).await,
        "chat" => chat::handle(req, &env, &url, rest).await,
        "js-counter" => js_counter::handle(&env, &url, rest).await,
        _ => Response::error("Not found", 404),
    }
}

/// `/counter/increment` -> (`counter`, `/increment`); `/counter` -> (`counter`, `/`).
fn split_prefix(path: &str) -> (&str, &str) {
    let trimmed = path.trim_start_matches('/');
    match trimmed.find('/') {
        Some(i) => (&trimmed[..i], &trimmed[i..]),
        None => (trimmed, "/"),
    }
}

/// The `name` query parameter, if present and non-empty.
fn name_param(url: &Url) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == "name").map(|(_, v)| v.into_owned()).filter(|v| !v.is_empty())
}

/// The hint the counter examples answer when `name` is missing.
const NAME_HINT: &str = "Select a Durable Object to contact by using the `name` URL query string parameter, for example, ?name=A";

#[cfg(test)]
mod tests {
    use super::split_prefix;

    #[test]
    fn prefixes() {
        assert_eq!(split_prefix("/counter/increment"), ("counter", "/increment"));
        assert_eq!(split_prefix("/counter/"), ("counter", "/"));
        assert_eq!(split_prefix("/counter"), ("counter", "/"));
        assert_eq!(split_prefix("/"), ("", "/"));
    }
}
