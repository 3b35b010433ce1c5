use std::cell::RefCell;
use std::collections::BTreeMap;

use durable::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Note {
    pub title: String,
    pub tags: Vec<String>,
    pub meta: BTreeMap<String, i64>,
}

#[durable_object]
pub struct Notes {
    state: State,
    last: RefCell<Option<String>>,
}

#[durable_object]
impl Notes {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state, last: RefCell::new(None) }
    }

    // async, Result, struct argument
    pub async fn add(&self, note: Note) -> Result<usize> {
        self.state.storage().put(&note.title, &note).await?;
        self.last.replace(Some(note.title.clone()));
        Ok(note.tags.len())
    }

    // sync, plain value, optional argument
    pub fn last(&self, fallback: Option<String>) -> Option<String> {
        self.last.borrow().clone().or(fallback)
    }

    // no result, renamed for JavaScript
    #[durable(name = "forget")]
    pub fn clear_last(&self) {
        self.last.replace(None);
    }

    // public but not exposed over RPC
    #[durable(skip)]
    pub fn internal(&self) -> usize {
        1
    }

    // private: never exposed
    fn helper(&self) {}
}

// The generated stub mirrors the methods, with the same argument types.
#[allow(dead_code)]
async fn caller(env: &Env) -> std::result::Result<(), RpcError> {
    let notes = Namespace::<Notes>::from_env(env, "NOTES").unwrap();
    let stub: NotesStub = notes.get_by_name("mine").unwrap();
    let tags: usize = stub.add(Note { title: "t".into(), tags: vec![], meta: BTreeMap::new() }).await?;
    let last: Option<String> = stub.last(None).await?;
    stub.clear_last().await?;
    let _ = (tags, last);
    Ok(())
}

fn main() {}
