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
//! | `/name-search/` | the CPU-bound RPC benchmark's object: fuzzy search of 10,000 names | `NameSearch` |
//! | `/batch/` | the alarms documentation's batch processor | `BatchProcessor` |
//! | (RPC only) | alarms under test: retries and their count | `AlarmLab` |
//! | (RPC only) | many scheduled tasks on one alarm | `Reminders` |
//! | `/chat/` | a chat room in the browser, with a rate limiter over typed RPC | `ChatRoom`, `RateLimiter` |
//! | `/ws/` | WebSockets, standard and hibernatable | `WsLab` |
//! | `/notes/` | a notes service on SQL: migrations, bound parameters, typed rows, transactions | `Notes` |
//! | `/archive/` | capabilities over RPC: sessions handed out by an object | `Archive` |
//! | `/board/` | capabilities as values: in returned structs, enums, `Option`s and `Vec`s, and as arguments | `Board` |
//! | `/js-archive/` | capabilities handed out by a Durable Object written in JavaScript, called through typed traits | `JsArchive` (in `js-caller`) |
//! | `/js-counter/` | the counter routes, served by a Durable Object written in JavaScript | `JsCounter` (in `js-caller`) |

pub mod alarm_lab;
pub mod archive;
pub mod batch;
pub mod board;
pub mod cached_counter;
pub mod chat;
pub mod counter;
pub mod faults;
pub mod job_board;
pub mod js_archive;
pub mod js_counter;
pub mod kv_explorer;
pub mod location;
pub mod name_search;
pub mod notes;
pub mod reminders;
pub mod routes;
pub mod schema_history;
pub mod shelf;
pub mod sql_bench;
pub mod wire_lab;
pub mod ws_lab;

use worker::{event, Context, Env, Request, Response, Result, Url};

/// The worker: routes each prefix to its example.
#[event(fetch, respond_with_errors)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let url = req.url()?;
    // Objects are found by name: a name that is not text would otherwise be
    // decoded lossily and reach the object of another name.
    if let Err(message) = query_values(&url, "name") {
        return Response::error(message, 400);
    }
    let path = url.path().to_owned();
    let (prefix, rest) = split_prefix(&path);
    match prefix {
        "counter" => counter::handle(&env, &url, rest).await,
        "cached-counter" => cached_counter::handle(&env, &url, rest).await,
        "location" => location::handle(req, &env).await,
        "faults" => faults::handle(req, &env, &url, rest).await,
        "shelf" => shelf::handle(req, &env, &url, rest).await,
        "notes" => notes::handle(req, &env, &url, rest).await,
        "batch" => batch::handle(req, &env, &url, rest).await,
        "ws" => ws_lab::handle(req, &env, &url).await,
        "chat" => chat::handle(req, &env, &url, rest).await,
        "js-counter" => js_counter::handle(&env, &url, rest).await,
        "archive" => archive::handle(&env, &url, rest).await,
        "board" => board::handle(&env, &url, rest).await,
        "js-archive" => js_archive::handle(&env, &url, rest).await,
        "name-search" => name_search::handle(&env, &url, rest).await,
        "wire-lab" => wire_lab::handle(&env, &url, rest).await,
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

/// The `name` query parameter, if present and non-empty. A name that is not
/// UTF-8 once percent-decoded never gets here: `fetch` answers 400 for it.
fn name_param(url: &Url) -> Option<String> {
    query_values(url, "name").ok()?.into_iter().next().filter(|v| !v.is_empty())
}

/// Every value of the query parameter `key`, percent-decoded (`+` is a space),
/// in order; an error naming the first value that is not UTF-8 once decoded.
/// Unlike `Url::query_pairs`, never lossy: `%ff` is refused, not turned into
/// U+FFFD (which `%EF%BF%BD` is).
fn query_values(url: &Url, key: &str) -> Result<Vec<String>, String> {
    let mut values = Vec::new();
    for pair in url.query().unwrap_or("").split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if percent_decode(k) != key.as_bytes() {
            continue;
        }
        match String::from_utf8(percent_decode(v)) {
            Ok(value) => values.push(value),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                return Err(format!(
                    "the `{key}` parameter {v:?} is not UTF-8 text once percent-decoded (invalid byte sequence at byte {at}): \
                     names are text; percent-encode the UTF-8 bytes of the name"
                ));
            }
        }
    }
    Ok(values)
}

/// `application/x-www-form-urlencoded` decoding of one name or value: `+` is
/// a space, `%XY` the byte 0xXY, and a `%` without two hex digits itself.
fn percent_decode(raw: &str) -> Vec<u8> {
    let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// The hint the counter examples answer when `name` is missing.
const NAME_HINT: &str = "Select a Durable Object to contact by using the `name` URL query string parameter, for example, ?name=A";

#[cfg(test)]
mod tests {
    use super::{name_param, query_values, split_prefix};
    use worker::Url;

    fn url(query: &str) -> Url {
        Url::parse(&format!("http://example.com/counter/?{query}")).unwrap()
    }

    #[test]
    fn names_decode_exactly() {
        let name = |q: &str| name_param(&url(q));
        assert_eq!(name("name=A"), Some("A".into()));
        assert_eq!(name("name=%EF%BF%BD"), Some("\u{FFFD}".into()));
        assert_eq!(name("name=%C3%A9t%C3%A9"), Some("été".into()));
        assert_eq!(name("name=été"), Some("été".into()));
        assert_eq!(name("name=a+b%20c"), Some("a b c".into()));
        assert_eq!(name("name=100%25"), Some("100%".into()));
        assert_eq!(name("name=100%"), Some("100%".into()));
        assert_eq!(name("name=%zz%4"), Some("%zz%4".into()));
        assert_eq!(name("%6Eame=B"), Some("B".into()));
        assert_eq!(name("other=1&name=C&name=D"), Some("C".into()));
        assert_eq!(name("name="), None);
        assert_eq!(name("name"), None);
        assert_eq!(name("names=E"), None);
        assert_eq!(name(""), None);
    }

    #[test]
    fn names_that_are_not_utf8_are_refused_never_replaced() {
        for (query, at) in [("name=%ff", 0), ("name=%FE", 0), ("name=ok%ff", 2), ("name=%C0%AF", 0), ("name=%ED%A0%80", 0), ("name=%C3", 0), ("name=A&name=%ff", 0)] {
            let error = query_values(&url(query), "name").unwrap_err();
            assert!(error.starts_with("the `name` parameter \""), "{error}");
            assert!(error.contains(&format!("is not UTF-8 text once percent-decoded (invalid byte sequence at byte {at})")), "{query}: {error}");
            assert_eq!(name_param(&url(query)), None);
        }
        // Other parameters are not checked here.
        assert_eq!(query_values(&url("tag=%ff&name=A"), "name").unwrap(), vec!["A".to_owned()]);
    }

    #[test]
    fn prefixes() {
        assert_eq!(split_prefix("/counter/increment"), ("counter", "/increment"));
        assert_eq!(split_prefix("/counter/"), ("counter", "/"));
        assert_eq!(split_prefix("/counter"), ("counter", "/"));
        assert_eq!(split_prefix("/"), ("", "/"));
    }
}
