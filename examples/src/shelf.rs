//! A small book shelf, called over JS RPC with structured values: nested
//! structs and enums, `Vec`, `Option`, maps, byte buffers, non-ASCII text and
//! 64-bit integers. The JavaScript worker in `examples/js-caller` calls it;
//! `/shelf/summary?name=A` shows the Rust worker calling it through the typed
//! `ShelfStub`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use durable::prelude::*;
use durable::TypeScript;
use durable::rpc::{Bytes, Callback, HttpRequest};
use serde::{Deserialize, Serialize};
use worker::{Method, Url};

/// What kind of book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TypeScript)]
pub enum Genre {
    Fiction,
    Science { field: String },
    Other(String),
}

/// One book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TypeScript)]
#[serde(rename_all = "camelCase")]
pub struct Book {
    pub title: String,
    pub authors: Vec<String>,
    pub year: Option<i32>,
    pub genre: Genre,
    pub tags: BTreeMap<String, String>,
    pub isbn13: u64,
}

/// What is on the shelf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TypeScript)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub count: u32,
    pub by_genre: BTreeMap<String, u32>,
    pub titles: Vec<String>,
}

/// What `watch` keeps: called with each piece of news. An alias, declared
/// in `classes.d.ts` by `#[durable::typescript]` (a derive cannot go on one).
#[durable::typescript]
pub type OnChange = Callback<(String,), ()>;

/// A shelf of books, kept in storage.
#[durable_object]
pub struct Shelf {
    state: State,
    /// Callbacks `watch` keeps, called by `announce`.
    watchers: RefCell<Vec<OnChange>>,
}

#[durable_object]
impl Shelf {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state, watchers: RefCell::new(Vec::new()) }
    }

    /// Keeps `on_change`, which `announce` calls with its news; resolves to
    /// the number of callbacks kept.
    pub fn watch(&self, on_change: OnChange) -> u32 {
        let mut watchers = self.watchers.borrow_mut();
        watchers.push(on_change);
        watchers.len() as u32
    }

    /// Calls every callback `watch` kept with `news`; resolves to how many
    /// answered, or fails with the first one's error.
    pub async fn announce(&self, news: String) -> std::result::Result<u32, String> {
        let watchers = self.watchers.borrow().clone();
        for watcher in &watchers {
            watcher.call((news.clone(),)).await.map_err(|e| format!("a watcher failed: {e}"))?;
        }
        Ok(watchers.len() as u32)
    }

    /// Puts `book` on the shelf (replacing one with the same title); resolves
    /// to the number of books.
    pub async fn add(&self, book: Book) -> Result<u32> {
        let storage = self.state.storage();
        let mut titles = self.titles().await?;
        if !titles.contains(&book.title) {
            titles.push(book.title.clone());
        }
        storage.put(&format!("book:{}", book.title), &book).await?;
        storage.put("titles", &titles).await?;
        Ok(titles.len() as u32)
    }

    /// The book called `title`, if it is on the shelf.
    pub async fn get(&self, title: String) -> Result<Option<Book>> {
        self.state.storage().get(&format!("book:{title}")).await
    }

    /// Counts by genre, and the titles in the order they were added.
    pub async fn summary(&self) -> Result<Summary> {
        let titles = self.titles().await?;
        let mut by_genre = BTreeMap::new();
        for title in &titles {
            if let Some(book) = self.get(title.clone()).await? {
                let genre = match book.genre {
                    Genre::Fiction => "fiction".to_owned(),
                    Genre::Science { field } => format!("science/{field}"),
                    Genre::Other(other) => other,
                };
                *by_genre.entry(genre).or_insert(0) += 1;
            }
        }
        Ok(Summary { count: titles.len() as u32, by_genre, titles })
    }

    /// Stores a cover image; resolves to its size in bytes.
    pub async fn set_cover(&self, title: String, cover: Bytes) -> Result<usize> {
        if self.get(title.clone()).await?.is_none() {
            return Err(Error::message(format!("no book called {title:?}")));
        }
        self.state.storage().put(&format!("cover:{title}"), &cover).await?;
        Ok(cover.len())
    }

    /// The cover image of `title`, as a `Uint8Array` in JavaScript.
    pub async fn cover(&self, title: String) -> Result<Option<Bytes>> {
        self.state.storage().get(&format!("cover:{title}")).await
    }

    /// Returns `id` unchanged: shows how 64-bit integers cross RPC (exactly, or
    /// refused when beyond JavaScript's safe integers).
    pub fn echo_id(&self, id: u64) -> u64 {
        id
    }

    /// Always fails with `reason`: an application error, as the caller sees it.
    pub fn refuse(&self, reason: String) -> std::result::Result<(), String> {
        Err(reason)
    }

    /// Panics: the caller gets the panic message; the shelf keeps its books.
    pub fn topple(&self) {
        panic!("the shelf toppled over");
    }

    async fn titles(&self) -> Result<Vec<String>> {
        Ok(self.state.storage().get("titles").await?.unwrap_or_default())
    }
}

/// `/shelf/summary?name=A`: the summary as JSON, fetched through the typed
/// stub. `/shelf/watch?name=A&keep=1`: a Rust closure passed to `watch`,
/// then `announce`; without `keep=1` this worker keeps no clone of the
/// callback, so the shelf's call of it fails (saying so).
/// `/shelf/retarget`: the incoming GET, re-targeted into a POST with a body
/// (`durable::rpc::HttpRequest::builder_from`) and echoed by an archive
/// session; and the same GET given a body, refused by name.
pub(crate) async fn handle(req: Request, env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    if rest == "/retarget" {
        let refused = HttpRequest::builder_from(&req)?.body("a body on a GET").build().map(|_| ()).unwrap_err().to_string();
        let post = HttpRequest::builder_from(&req)?
            .method(Method::Post)
            .url("https://archive/echo")
            .header("content-type", "text/plain")
            .body("re-targeted from a GET")
            .build()?;
        let archive = Namespace::<crate::archive::Archive>::from_env_default(env)?.get_by_name("retarget")?;
        let session = archive.open_session("retarget".into()).await?;
        let mut echoed: worker::Response = session.echo(post).await?.into();
        let method = echoed.headers().get("x-method")?;
        let token = echoed.headers().get("x-token")?;
        let body = echoed.text().await?;
        return Response::from_json(&serde_json::json!({ "refused": refused, "method": method, "token": token, "body": body }));
    }
    let name = crate::name_param(url).unwrap_or_else(|| "A".to_owned());
    let shelf = Namespace::<Shelf>::from_env_default(env)?.get_by_name(&name)?;
    match rest {
        "/summary" => {
            let summary: Summary = shelf.summary().await?;
            Response::from_json(&summary)
        }
        "/watch" => {
            let keep = url.query_pairs().any(|(k, v)| k == "keep" && v == "1");
            let heard = Rc::new(RefCell::new(Vec::<String>::new()));
            let log = Rc::clone(&heard);
            let on_change = Callback::new(move |(news,): (String,)| {
                log.borrow_mut().push(news);
                async { Ok::<(), String>(()) }
            });
            // The rule: keep a clone while the shelf may call it.
            let kept = keep.then(|| on_change.clone());
            shelf.watch(on_change).await?;
            let announced = shelf.announce("a new book".into()).await;
            drop(kept);
            let (count, error) = match announced {
                Ok(n) => (Some(n), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let heard = heard.borrow().clone();
            Response::from_json(&serde_json::json!({ "announced": count, "error": error, "heard": heard }))
        }
        _ => Response::error("Not found", 404),
    }
}
