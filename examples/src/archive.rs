//! Capabilities over RPC: a file archive that hands out sessions. A caller
//! asks the `Archive` object for a session (`open_session`) and gets a live
//! object, not a value: it calls the session's methods (`user`, `put`,
//! `get`), and when it lets go of it (Rust: drops it; JavaScript: `using`
//! or `[Symbol.dispose]()`; or its request ends) the object drops the
//! session. `sessions_open` shows how many sessions callers hold.
//!
//! `/archive/session?name=A&user=ada` runs a session from the Rust worker
//! (through the typed `ArchiveStub` and `SessionStub`) and answers what it
//! saw; `/archive/crash?name=A` shows a panic in a session's method. The
//! JavaScript worker in `examples/js-caller` calls the same object as any
//! JavaScript caller would (`/js/archive`).

use std::cell::Cell;
use std::rc::Rc;

use durable::prelude::*;
use durable::rpc::{Bytes, Callback, Capability};
use worker::Url;

/// A file archive that hands out sessions.
#[durable_object]
pub struct Archive {
    state: State,
    /// Sessions handed out and not yet dropped (shared with each session).
    open: Rc<Cell<u32>>,
}

#[durable_object]
impl Archive {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state, open: Rc::new(Cell::new(0)) }
    }

    /// Opens a session for `user`: a capability whose methods read and write
    /// that user's files. Fails for an empty user name.
    pub fn open_session(&self, user: String) -> std::result::Result<Capability<Session>, String> {
        if user.is_empty() {
            return Err("a session needs a user name".into());
        }
        self.open.set(self.open.get() + 1);
        Ok(Capability::new(Session { user, storage: self.state.storage(), open: Rc::clone(&self.open) }))
    }

    /// How many sessions callers hold.
    pub fn sessions_open(&self) -> u32 {
        self.open.get()
    }
}

/// One user's session with the archive, handed out by
/// [`Archive::open_session`].
pub struct Session {
    user: String,
    storage: durable::Storage,
    open: Rc<Cell<u32>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.open.set(self.open.get() - 1);
    }
}

#[durable::rpc_target]
impl Session {
    /// Whose session this is.
    pub fn user(&self) -> String {
        self.user.clone()
    }

    /// Stores `body` as the file `file`; resolves to its size.
    pub async fn put(&self, file: String, body: Bytes) -> Result<u32> {
        self.storage.put(&self.key(&file), &body).await?;
        Ok(body.len() as u32)
    }

    /// The file `file`, if it exists.
    pub async fn get(&self, file: String) -> Result<Option<Bytes>> {
        self.storage.get(&self.key(&file)).await
    }

    /// Stores `chunks`, one after another, as the file `file`, calling
    /// `progress(done, total)` after each chunk; the callback answers `false`
    /// to stop there. Resolves to the number of chunks stored. A callback
    /// that fails stops the upload with its message.
    pub async fn put_chunks(&self, file: String, chunks: Vec<Bytes>, progress: Callback<(u32, u32), bool>) -> std::result::Result<u32, String> {
        let total = chunks.len() as u32;
        let mut body = Vec::new();
        let mut done = 0;
        for chunk in chunks {
            body.extend_from_slice(&chunk);
            done += 1;
            let go_on = progress.call((done, total)).await.map_err(|e| format!("the progress callback failed: {e}"))?;
            if !go_on {
                break;
            }
        }
        self.storage.put(&self.key(&file), &Bytes::from(body)).await.map_err(|e| e.to_string())?;
        Ok(done)
    }

    /// Fails with `message` (for the tests: an error from a capability).
    pub fn fail(&self, message: String) -> std::result::Result<(), String> {
        Err(message)
    }

    /// Panics (for the tests: a panic in a capability's method resets the
    /// object that handed it out, and nothing else).
    pub fn crash(&self) {
        panic!("the session of {} crashed on purpose", self.user);
    }

    fn key(&self, file: &str) -> String {
        format!("file:{}/{file}", self.user)
    }
}

/// `/archive/...`: sessions driven by the Rust worker.
pub async fn handle(env: &Env, url: &Url, path: &str) -> worker::Result<Response> {
    let Some(name) = crate::name_param(url) else {
        return Response::error(crate::NAME_HINT, 400);
    };
    let archive = Namespace::<Archive>::from_env_default(env)?.get_by_name(&name)?;
    let param = |key: &str| url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
    match path {
        "/session" => {
            let user = param("user").unwrap_or_else(|| "rust".into());
            let session = match archive.open_session(user).await {
                Ok(session) => session,
                Err(e) => return Response::error(e.to_string(), 400),
            };
            let who = session.user().await?;
            let size = session.put("hello.txt".into(), Bytes::from(b"hello from Rust".to_vec())).await?;
            let back = session.get("hello.txt".into()).await?.map(|b| String::from_utf8_lossy(&b).into_owned());
            let failed = session.fail("refused on purpose".into()).await.unwrap_err().to_string();
            let held = archive.sessions_open().await?;
            drop(session);
            // The release reaches the object asynchronously: ask until it has.
            let mut after = held;
            let mut asked = 0;
            while after > 0 && asked < 50 {
                after = archive.sessions_open().await?;
                asked += 1;
            }
            Response::from_json(&serde_json::json!({
                "user": who, "size": size, "back": back, "failed": failed, "whileHeld": held, "afterDrop": after,
            }))
        }
        "/progress" => {
            // A Rust closure as the progress callback: it stops after `stop`
            // chunks, or fails at chunk `fail`.
            let number = |key: &str| param(key).and_then(|v| v.parse::<u32>().ok());
            let (stop, fail) = (number("stop").unwrap_or(u32::MAX), number("fail").unwrap_or(u32::MAX));
            let seen = Rc::new(std::cell::RefCell::new(Vec::new()));
            let log = Rc::clone(&seen);
            let progress = Callback::new(move |(done, total): (u32, u32)| {
                log.borrow_mut().push((done, total));
                async move {
                    if done == fail {
                        return Err(format!("the Rust closure refused chunk {done}"));
                    }
                    Ok(done < stop)
                }
            });
            let session = archive.open_session("progress".into()).await?;
            let chunks = (0..4).map(|i| Bytes::from(vec![i; 1000])).collect();
            let stored = session.put_chunks("chunks.bin".into(), chunks, progress).await;
            let size = session.get("chunks.bin".into()).await?.map(|b| b.len());
            let (stored, error) = match stored {
                Ok(n) => (Some(n), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let calls = seen.borrow().clone();
            Response::from_json(&serde_json::json!({ "stored": stored, "error": error, "calls": calls, "size": size }))
        }
        "/crash" => {
            let session = archive.open_session("crasher".into()).await?;
            let crashed = session.crash().await.unwrap_err().to_string();
            let after = session.user().await.unwrap_err().to_string();
            drop(session);
            // The object itself was rebuilt: it answers, with no session open.
            let open = archive.sessions_open().await?;
            Response::from_json(&serde_json::json!({ "crashed": crashed, "after": after, "open": open }))
        }
        _ => Response::error("Not found", 404),
    }
}
