//! A small book shelf, called over JS RPC with structured values: nested
//! structs and enums, `Vec`, `Option`, maps, byte buffers, non-ASCII text and
//! 64-bit integers. The JavaScript worker in `examples/js-caller` calls it;
//! `/shelf/summary?name=A` shows the Rust worker calling it through the typed
//! `ShelfStub`.

use std::collections::BTreeMap;

use durable::prelude::*;
use durable::TypeScript;
use durable::rpc::Bytes;
use serde::{Deserialize, Serialize};
use worker::Url;

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

/// A shelf of books, kept in storage.
#[durable_object]
pub struct Shelf {
    state: State,
}

#[durable_object]
impl Shelf {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
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

/// `/shelf/summary?name=A`: the summary as JSON, fetched through the typed stub.
pub(crate) async fn handle(env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    let name = crate::name_param(url).unwrap_or_else(|| "A".to_owned());
    if rest != "/summary" {
        return Response::error("Not found", 404);
    }
    let shelf = Namespace::<Shelf>::from_env_default(env)?.get_by_name(&name)?;
    let summary: Summary = shelf.summary().await?;
    Response::from_json(&summary)
}
