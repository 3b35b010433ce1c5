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
//! reader on the other side sees an error rather than waiting forever.

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
}

impl ByteSink {
    /// Wraps a JavaScript `WritableStream`.
    pub fn from_raw(raw: web_sys::WritableStream) -> Self {
        Self { raw }
    }

    /// The JavaScript `WritableStream`.
    pub fn as_raw(&self) -> &web_sys::WritableStream {
        &self.raw
    }

    /// Starts writing. Fails if the stream already has a writer.
    pub fn writer(self) -> Result<Writer> {
        let raw = self.raw.get_writer().map_err(|e| Error::message(format!("the stream cannot be written: {}", js_message(&e))))?;
        Ok(Writer { raw, open: true })
    }
}

impl fmt::Debug for ByteSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteSink").field("locked", &self.raw.locked()).finish()
    }
}

/// Crosses as the `WritableStream` itself.
impl Serialize for ByteSink {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serde_wasm_bindgen::preserve::serialize(&self.raw, serializer)
    }
}

/// Takes a `WritableStream`.
impl<'de> Deserialize<'de> for ByteSink {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value: JsValue = serde_wasm_bindgen::preserve::deserialize(deserializer)?;
        match value.dyn_into::<web_sys::WritableStream>() {
            Ok(raw) => Ok(Self { raw }),
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
