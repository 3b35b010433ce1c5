//! Calling a Durable Object written in JavaScript that hands out
//! capabilities, typed: `#[durable_object]` on a trait declares the object,
//! `#[durable::rpc_target]` on a trait declares the `RpcTarget` it returns
//! (`examples/js-caller/js-archive.mjs`). The Rust worker gets a typed
//! `JsSessionStub`, passes it a Rust closure as a callback, and disposes it
//! by dropping it.
//!
//! `GET /js-archive/session?name=A` answers what the Rust worker saw.

use std::cell::RefCell;
use std::rc::Rc;

use durable::prelude::*;
use durable::rpc::{Bytes, Callback, Capability};
use worker::Url;

/// A session handed out by [`JsArchive`], written in JavaScript.
#[durable::rpc_target]
pub trait JsSession {
    async fn user(&self) -> String;
    /// Calls `progress(done, total)` per chunk; stops when it answers `false`.
    async fn put_chunks(&self, file: String, chunks: Vec<Bytes>, progress: Callback<(u32, u32), bool>) -> u32;
    async fn fail(&self, message: String);
    /// Awaits `cb(7)` and records what it saw under `label`: `resolved: ..`
    /// or `rejected: ..` (`examples/src/faults.rs`, `/faults/callback-panic`).
    async fn probe(&self, label: String, cb: Callback<(u32,), u32>) -> String;
}

/// The JavaScript archive of the `js-caller` worker.
#[durable_object]
pub trait JsArchive {
    async fn open_session(&self, user: String) -> Capability<JsSession>;
    async fn sessions_open(&self) -> u32;
    /// What the probe `label` saw, once it has finished.
    async fn probe_outcome(&self, label: String) -> Option<String>;
}

pub(crate) async fn handle(env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    let Some(name) = crate::name_param(url) else {
        return Response::error(crate::NAME_HINT, 400);
    };
    let archive = Namespace::<JsArchive>::from_env_default(env)?.get_by_name(&name)?;
    match rest {
        "/probe" => {
            let label = url.query_pairs().find(|(k, _)| k == "label").map(|(_, v)| v.into_owned()).unwrap_or_default();
            Response::ok(archive.probe_outcome(label).await?.unwrap_or_else(|| "none".to_owned()))
        }
        "/session" => {
            let session = archive.open_session("rust".into()).await?;
            let user = session.user().await?;
            let calls = Rc::new(RefCell::new(Vec::new()));
            let log = Rc::clone(&calls);
            let progress = Callback::new(move |(done, total): (u32, u32)| {
                log.borrow_mut().push((done, total));
                async move { Ok::<_, String>(done < 2) }
            });
            let chunks = vec![Bytes::from(vec![1]), Bytes::from(vec![2]), Bytes::from(vec![3])];
            let stored = session.put_chunks("a.bin".into(), chunks, progress).await?;
            let failed = session.fail("the JavaScript session refused".into()).await.unwrap_err().to_string();
            let held = archive.sessions_open().await?;
            drop(session);
            let mut after = held;
            for _ in 0..50 {
                after = archive.sessions_open().await?;
                if after == 0 {
                    break;
                }
            }
            let pipelined = archive.open_session_pipelined("piped".into())?.user().await?;
            let refused = match archive.open_session(String::new()).await {
                Ok(_) => None,
                Err(e) => Some(e.to_string()),
            };
            let calls = calls.borrow().clone();
            Response::from_json(&serde_json::json!({
                "user": user, "stored": stored, "calls": calls, "failed": failed, "whileHeld": held,
                "afterDrop": after, "pipelined": pipelined, "refused": refused,
            }))
        }
        _ => Response::error("Not found", 404),
    }
}
