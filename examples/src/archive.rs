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
use durable::rpc::{ByteSink, ByteStream, Bytes, Callback, Capability, HttpHeaders, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use worker::Url;

/// A file archive that hands out sessions.
#[durable_object]
pub struct Archive {
    state: State,
    env: Env,
    /// Sessions handed out and not yet dropped (shared with each session).
    open: Rc<Cell<u32>>,
    /// Streams handed out and not yet finished or cancelled.
    streams: Rc<Cell<u32>>,
}

/// What [`Session::digest`] read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, durable::TypeScript)]
pub struct Digest {
    /// How many bytes.
    pub bytes: u64,
    /// In how many chunks.
    pub chunks: u32,
    /// Their FNV-1a (32-bit) hash.
    pub fnv1a: u32,
}

#[durable_object]
impl Archive {
    pub fn new(state: State, env: Env) -> Self {
        Self { state, env, open: Rc::new(Cell::new(0)), streams: Rc::new(Cell::new(0)) }
    }

    /// Opens a session for `user`: a capability whose methods read and write
    /// that user's files. Fails for an empty user name.
    pub fn open_session(&self, user: String) -> std::result::Result<Capability<Session>, String> {
        if user.is_empty() {
            return Err("a session needs a user name".into());
        }
        self.open.set(self.open.get() + 1);
        Ok(Capability::new(Session { user, storage: self.state.storage(), open: Rc::clone(&self.open), streams: Rc::clone(&self.streams) }))
    }

    /// The counter of `user` (the `Counter` example's object): a stub of
    /// another Durable Object, which the caller then calls directly.
    pub fn counter_for(&self, user: String) -> Result<crate::counter::CounterStub> {
        Namespace::<crate::counter::Counter>::from_env_default(&self.env)?.get_by_name(&format!("archive-{user}"))
    }

    /// How many sessions callers hold.
    pub fn sessions_open(&self) -> u32 {
        self.open.get()
    }

    /// How many streams the sessions handed out are still being read.
    pub fn streams_open(&self) -> u32 {
        self.streams.get()
    }

    /// The size of this object's Wasm memory, in bytes (for the tests: it
    /// stays flat while streams run through).
    pub fn wasm_memory(&self) -> u64 {
        wasm_memory()
    }
}

/// One user's session with the archive, handed out by
/// [`Archive::open_session`].
pub struct Session {
    user: String,
    storage: durable::Storage,
    open: Rc<Cell<u32>>,
    streams: Rc<Cell<u32>>,
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

    /// Stores the stream `body` as the file `file` piece by piece as it
    /// arrives (memory stays flat however large it is), calling
    /// `progress(bytes so far)` after each piece. Resolves to its size.
    pub async fn upload(&self, file: String, body: ByteStream, progress: Option<Callback<(u64,), ()>>) -> Result<u64> {
        let mut chunks = body.into_chunks()?;
        let (mut size, mut pieces) = (0u64, 0u32);
        while let Some(chunk) = chunks.next_chunk().await {
            let chunk = chunk?;
            for piece in chunk.chunks(PIECE) {
                self.storage.put(&format!("{}#{pieces}", self.key(&file)), &Bytes::from(piece.to_vec())).await?;
                pieces += 1;
            }
            size += chunk.len() as u64;
            if let Some(progress) = &progress {
                progress.call((size,)).await?;
            }
        }
        self.storage.put(&format!("{}#pieces", self.key(&file)), &pieces).await?;
        Ok(size)
    }

    /// [`upload`](Self::upload), unless the file `file` exists already: then
    /// it refuses before reading a byte of `body`. The unread stream is
    /// cancelled when `body` is dropped, which releases the caller's writer.
    pub async fn upload_new(&self, file: String, body: ByteStream) -> Result<u64> {
        if self.storage.get::<u32>(&format!("{}#pieces", self.key(&file))).await?.is_some() {
            return Err(Error::message(format!("the file {file} exists already")));
        }
        self.upload(file, body, None).await
    }

    /// The file `file` stored by [`upload`](Self::upload), streamed piece by
    /// piece as the reader pulls it.
    pub async fn download(&self, file: String) -> std::result::Result<ByteStream, String> {
        let key = self.key(&file);
        let pieces: u32 = self.storage.get(&format!("{key}#pieces")).await.map_err(|e| e.to_string())?.ok_or(format!("no file {file}"))?;
        let storage = self.storage.clone();
        let guard = StreamGuard::new(&self.streams);
        let stream = futures_util::stream::unfold(0u32, move |index| {
            // The guard lives as long as the stream: released at its end or on cancel.
            let _ = &guard;
            let (storage, key) = (storage.clone(), key.clone());
            async move {
                if index == pieces {
                    return None;
                }
                let piece = match storage.get::<Bytes>(&format!("{key}#{index}")).await {
                    Ok(Some(piece)) => Ok(piece),
                    Ok(None) => Err(format!("piece {index} of {key} is missing")),
                    Err(e) => Err(e.to_string()),
                };
                Some((piece, index + 1))
            }
        });
        Ok(ByteStream::from_stream(stream))
    }

    /// Writes the file `file` into `sink`, piece by piece as the sink takes
    /// them, and closes it. Resolves to its size.
    pub async fn download_into(&self, file: String, sink: ByteSink) -> Result<u64> {
        let key = self.key(&file);
        let pieces: u32 = self.storage.get(&format!("{key}#pieces")).await?.ok_or_else(|| Error::message(format!("no file {file}")))?;
        let mut writer = sink.writer()?;
        let mut size = 0;
        for index in 0..pieces {
            let piece: Bytes = self.storage.get(&format!("{key}#{index}")).await?.ok_or_else(|| Error::message(format!("piece {index} of {file} is missing")))?;
            writer.write(&piece).await?;
            size += piece.len() as u64;
        }
        writer.close().await?;
        Ok(size)
    }

    /// Reads `body` to its end (or, with `limit`, until that many bytes,
    /// then cancels it) and answers what it read, storing nothing.
    pub async fn digest(&self, body: ByteStream, limit: Option<u64>) -> Result<Digest> {
        let mut chunks = body.into_chunks()?;
        let mut digest = Digest { bytes: 0, chunks: 0, fnv1a: FNV_OFFSET };
        while let Some(chunk) = chunks.next_chunk().await {
            let chunk = chunk?;
            digest.fnv1a = fnv1a(digest.fnv1a, &chunk);
            digest.bytes += chunk.len() as u64;
            digest.chunks += 1;
            if limit.is_some_and(|limit| digest.bytes >= limit) {
                chunks.cancel("the archive has read enough").await?;
                break;
            }
        }
        Ok(digest)
    }

    /// `size` bytes of a fixed pattern (byte `i` is `i % 251`), made as the
    /// reader pulls them.
    pub fn generate(&self, size: u64) -> ByteStream {
        let guard = StreamGuard::new(&self.streams);
        ByteStream::from_chunks((0..size.div_ceil(PIECE as u64)).map(move |i| {
            let _ = &guard; // released when the stream ends or is cancelled
            Ok::<_, String>(pattern(i * PIECE as u64, (size - i * PIECE as u64).min(PIECE as u64)))
        }))
    }

    /// The file `file` as an HTTP response, its body streamed from storage.
    pub async fn serve(&self, file: String) -> std::result::Result<HttpResponse, String> {
        let body = self.download(file.clone()).await?;
        let headers = worker::Headers::new();
        headers.set("content-type", "application/octet-stream").map_err(|e| e.to_string())?;
        headers.set("content-disposition", &format!("attachment; filename={file:?}")).map_err(|e| e.to_string())?;
        HttpResponse::streaming(200, &headers, body).map_err(|e| e.to_string())
    }

    /// Answers `request` with its own body streamed back (never read into
    /// memory), status 201, and headers naming its method, the session's
    /// user and the request's `x-token`.
    pub fn echo(&self, request: HttpRequest) -> Result<HttpResponse> {
        let request: worker::Request = request.into();
        let headers = worker::Headers::new();
        headers.set("x-method", request.method().as_ref())?;
        headers.set("x-user", &self.user)?;
        if let Some(token) = request.headers().get("x-token")? {
            headers.set("x-token", &token)?;
        }
        let body = match request.inner().body() {
            Some(body) => ByteStream::from_raw(body),
            None => ByteStream::from_chunks(std::iter::empty::<std::result::Result<Vec<u8>, String>>()),
        };
        HttpResponse::streaming(201, &headers, body)
    }

    /// The names and values of `headers`, sorted.
    pub fn header_list(&self, headers: HttpHeaders) -> Vec<(String, String)> {
        let headers: worker::Headers = headers.into();
        let mut list: Vec<(String, String)> = headers.entries().collect();
        list.sort();
        list
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

/// The size of the pieces files are stored in.
const PIECE: usize = 64 * 1024;

const FNV_OFFSET: u32 = 0x811c_9dc5;

/// FNV-1a (32-bit), continued from `hash` over `bytes`.
fn fnv1a(mut hash: u32, bytes: &[u8]) -> u32 {
    for byte in bytes {
        hash = (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193);
    }
    hash
}

/// `len` bytes of the pattern from `offset`: byte `i` is `i % 251`.
fn pattern(offset: u64, len: u64) -> Vec<u8> {
    (offset..offset + len).map(|i| (i % 251) as u8).collect()
}

/// This Wasm instance's memory, in bytes.
fn wasm_memory() -> u64 {
    #[cfg(target_arch = "wasm32")]
    return core::arch::wasm32::memory_size(0) as u64 * 65536;
    #[cfg(not(target_arch = "wasm32"))]
    return 0;
}

/// Counts a stream as open from its creation until it is dropped (at its
/// end, or when its reader cancels it).
struct StreamGuard(Rc<Cell<u32>>);

impl StreamGuard {
    fn new(count: &Rc<Cell<u32>>) -> Self {
        count.set(count.get() + 1);
        Self(Rc::clone(count))
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
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
            let panic_at = number("panic").unwrap_or(u32::MAX);
            let seen = Rc::new(std::cell::RefCell::new(Vec::new()));
            let log = Rc::clone(&seen);
            let progress = Callback::new(move |(done, total): (u32, u32)| {
                log.borrow_mut().push((done, total));
                // For the tests: a panic in a callback kills this worker
                // instance, and nothing of the object that called it back.
                assert!(done != panic_at, "the Rust closure panicked at chunk {done}");
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
        "/stream" => {
            // `mb` MiB up to the object and `mb` MiB back, through a session.
            let mb = param("mb").and_then(|v| v.parse::<u64>().ok()).unwrap_or(1);
            // Checked: in a release build a large `mb` would wrap (2^44 MiB to 0 bytes).
            let Some(size) = mb.checked_mul(1024 * 1024) else {
                return Response::error(format!("mb={mb} is more bytes than a u64 counts"), 400);
            };
            let session = archive.open_session("streamer".into()).await?;
            let (worker_before, object_before) = (wasm_memory(), archive.wasm_memory().await?);
            let up = ByteStream::from_chunks((0..size.div_ceil(PIECE as u64)).map(move |i| {
                Ok::<_, String>(pattern(i * PIECE as u64, (size - i * PIECE as u64).min(PIECE as u64)))
            }));
            let sent = session.digest(up, None).await?;
            let mut down = session.generate(size).await?.into_chunks()?;
            let mut received = Digest { bytes: 0, chunks: 0, fnv1a: FNV_OFFSET };
            while let Some(chunk) = down.next_chunk().await {
                let chunk = chunk?;
                received.fnv1a = fnv1a(received.fnv1a, &chunk);
                received.bytes += chunk.len() as u64;
                received.chunks += 1;
            }
            let expected = (0..size.div_ceil(PIECE as u64))
                .fold(FNV_OFFSET, |hash, i| fnv1a(hash, &pattern(i * PIECE as u64, (size - i * PIECE as u64).min(PIECE as u64))));
            Response::from_json(&serde_json::json!({
                "sent": sent, "received": received, "expected": expected,
                "workerGrowth": wasm_memory() - worker_before,
                "objectGrowth": archive.wasm_memory().await? - object_before,
            }))
        }
        "/pipelined" => {
            // `user()` travels with `openSession`: one round trip.
            let user = param("user").unwrap_or_else(|| "pip".into());
            let answer = match archive.open_session_pipelined(user)?.user().await {
                Ok(user) => serde_json::json!({ "user": user }),
                Err(e) => serde_json::json!({ "error": e.to_string() }),
            };
            Response::from_json(&answer)
        }
        "/http" => {
            // A request and a response across RPC, from Rust.
            let session = archive.open_session("http".into()).await?;
            let mut init = worker::RequestInit::new();
            let headers = worker::Headers::new();
            headers.set("x-token", "t-42")?;
            init.with_method(worker::Method::Post).with_headers(headers.clone()).with_body(Some("a body from Rust".into()));
            let request = worker::Request::new_with_init("https://archive/echo", &init)?;
            let mut response: worker::Response = session.echo(request.into()).await?.into();
            let status = response.status_code();
            let echoed = (response.headers().get("x-method")?, response.headers().get("x-token")?, response.headers().get("x-user")?);
            let body = response.text().await?;
            let listed = session.header_list(headers.into()).await?;
            Response::from_json(&serde_json::json!({ "status": status, "echoed": echoed, "body": body, "listed": listed }))
        }
        "/counter" => {
            // A stub of another object, handed out by this one.
            let counter = archive.counter_for(param("user").unwrap_or_else(|| "rust".into())).await?;
            let value = counter.increment(2).await?;
            Response::from_json(&serde_json::json!({ "value": value }))
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
