//! Writable byte streams over RPC: a JavaScript `WritableStream` passed as an
//! argument (or a result) by reference, written from Rust chunk by chunk.
//!
//! ```no_run
//! use durable::prelude::*;
//! use durable::rpc::ByteSink;
//!
//! #[durable_object]
//! pub struct Ticker { state: State }
//!
//! #[durable_object]
//! impl Ticker {
//!     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//!
//!     /// Writes `count` lines into `sink`, then closes it.
//!     pub async fn tick(&self, count: u32, sink: ByteSink) -> Result<()> {
//!         let mut writer = sink.writer()?;
//!         for i in 0..count {
//!             writer.write(format!("tick {i}\n").as_bytes()).await?;
//!         }
//!         writer.close().await
//!     }
//! }
//! ```
//!
//! In JavaScript the argument is any `WritableStream` (the `writable` side of
//! a `TransformStream`, whose `readable` side the caller reads).
//!
//! A [`Writer`] waits for the stream's backpressure before each write, so a
//! slow reader slows the writer instead of piling chunks up in memory. A
//! `Writer` dropped before [`close`](Writer::close) aborts the stream, so the
//! reader on the other side sees an error rather than waiting forever; so
//! does a `ByteSink` dropped without being written (a method that returns
//! early), with the reason "the ByteSink was dropped without being written".
//! A sink handed on (returned, or passed to another call) is the new
//! owner's, and is left alone.

// Outside Wasm the JavaScript half of this file is left out.
#![cfg_attr(not(target_arch = "wasm32"), allow(unused_imports))]

use std::cell::Cell;
use std::fmt;

use js_sys::{Promise, Uint8Array};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::js_message;
use crate::{Error, Result};

/// A byte stream to write into that crosses RPC by reference: a JavaScript
/// `WritableStream`.
///
/// ```no_run
/// # async fn demo(sink: durable::rpc::ByteSink) -> durable::Result<()> {
/// let mut writer = sink.writer()?;
/// writer.write(b"hello").await?;
/// writer.close().await?;
/// # Ok(()) }
/// ```
pub struct ByteSink {
    raw: web_sys::WritableStream,
    /// Whether the stream has gone to a new owner (a [`Writer`], JavaScript):
    /// then dropping this handle leaves it alone.
    handed_on: Cell<bool>,
    /// Outside Wasm (under `durable::testing`), the number the test runtime
    /// knows the sink by (see `testing/values.rs`).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) host: Option<u64>,
}

/// Why a `ByteSink` dropped unwritten aborts its stream: what the reader on
/// the other side sees.
pub(crate) const DROPPED_UNWRITTEN: &str = "the ByteSink was dropped without being written";

impl ByteSink {
    /// Wraps a JavaScript `WritableStream`. The `ByteSink` owns it from now
    /// on: dropped without a [`writer`](Self::writer), it aborts it.
    pub fn from_raw(raw: web_sys::WritableStream) -> Self {
        Self {
            raw,
            handed_on: Cell::new(false),
            #[cfg(not(target_arch = "wasm32"))]
            host: None,
        }
    }

    /// The JavaScript `WritableStream`.
    pub fn as_raw(&self) -> &web_sys::WritableStream {
        &self.raw
    }

    /// Starts writing. Fails if the stream already has a writer (the
    /// stream is then left to that writer).
    ///
    /// Outside Wasm (in a test) this is an `Err`: a test hands a sink to the
    /// object (`durable::testing::sink`) and reads what it wrote.
    pub fn writer(self) -> Result<Writer> {
        #[cfg(not(target_arch = "wasm32"))]
        return Err(Error::message(
            "ByteSink::writer runs in the Wasm object only: in a test, pass the object a sink from durable::testing::sink() and read what it wrote",
        ));
        #[cfg_attr(not(target_arch = "wasm32"), allow(unreachable_code))]
        self.handed_on.set(true);
        let raw = self.raw.get_writer().map_err(|e| Error::message(format!("the stream cannot be written: {}", js_message(&e))))?;
        Ok(Writer { raw, open: true })
    }
}

/// Aborts the stream if nobody took it over: the reader on the other side is
/// released instead of waiting forever.
impl Drop for ByteSink {
    fn drop(&mut self) {
        // Outside Wasm there is no JavaScript to call.
        if cfg!(target_arch = "wasm32") && !self.handed_on.get() && !self.raw.locked() {
            // The promise settles once the stream is errored; nobody waits for it.
            let _ = self.raw.abort_with_reason(&JsValue::from_str(DROPPED_UNWRITTEN));
        }
    }
}

impl fmt::Debug for ByteSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(not(target_arch = "wasm32"))]
        return f.debug_struct("ByteSink").field("test_sink", &self.host).finish();
        #[cfg_attr(not(target_arch = "wasm32"), allow(unreachable_code))]
        f.debug_struct("ByteSink").field("locked", &self.raw.locked()).finish()
    }
}

/// Crosses as the `WritableStream` itself, which then belongs to whoever
/// receives it (dropping this handle afterwards does not abort it).
/// (Outside Wasm: see `testing/values.rs`.)
#[cfg(target_arch = "wasm32")]
impl Serialize for ByteSink {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let out = serde_wasm_bindgen::preserve::serialize(&self.raw, serializer)?;
        self.handed_on.set(true);
        Ok(out)
    }
}

/// Takes a `WritableStream`.
#[cfg(target_arch = "wasm32")]
impl<'de> Deserialize<'de> for ByteSink {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value: JsValue = serde_wasm_bindgen::preserve::deserialize(deserializer)?;
        match value.dyn_into::<web_sys::WritableStream>() {
            Ok(raw) => Ok(Self::from_raw(raw)),
            Err(other) => Err(serde::de::Error::custom(format!(
                "expected a WritableStream, got {}",
                if other.is_null() { "null".to_owned() } else { other.js_typeof().as_string().unwrap_or_default() }
            ))),
        }
    }
}

/// Writes into a [`ByteSink`]. Dropping it before [`close`](Self::close)
/// aborts the stream.
///
/// ```no_run
/// # async fn demo(sink: durable::rpc::ByteSink, ok: bool) -> durable::Result<()> {
/// let mut writer = sink.writer()?;
/// writer.write(b"partial").await?;
/// if ok {
///     writer.close().await?; // the reader sees the end
/// } else {
///     writer.abort("the source failed").await?; // the reader sees an error
/// }
/// # Ok(()) }
/// ```
pub struct Writer {
    raw: web_sys::WritableStreamDefaultWriter,
    open: bool,
}

impl Writer {
    /// Writes `bytes` (copied into one chunk), once the stream is ready for it.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        settle(self.raw.ready()).await?;
        let chunk = Uint8Array::from(bytes);
        settle(self.raw.write_with_chunk(&chunk)).await
    }

    /// Closes the stream: the reader sees its end.
    pub async fn close(mut self) -> Result<()> {
        self.open = false;
        settle(self.raw.close()).await
    }

    /// Aborts the stream with `reason`, which the reader sees as an error.
    pub async fn abort(mut self, reason: &str) -> Result<()> {
        self.open = false;
        settle(self.raw.abort_with_reason(&JsValue::from_str(reason))).await
    }
}

impl fmt::Debug for Writer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writer").field("open", &self.open).finish()
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.open {
            // The rejection, if any, has nobody to go to.
            let _ = self.raw.abort_with_reason(&JsValue::from_str("the writer was dropped before it closed the stream"));
        }
    }
}

async fn settle(promise: Promise) -> Result<()> {
    JsFuture::from(promise).await.map(drop).map_err(|e| Error::Js(js_message(&e)))
}
