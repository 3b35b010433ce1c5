//! Byte streams over RPC: a JavaScript `ReadableStream` of bytes as an
//! argument or a result, read and written as a Rust stream of chunks,
//! without ever holding the whole body.
//!
//! ```no_run
//! use durable::prelude::*;
//! use durable::rpc::ByteStream;
//!
//! #[durable_object]
//! pub struct Sink { state: State }
//!
//! #[durable_object]
//! impl Sink {
//!     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//!
//!     /// Counts the bytes of `body`, chunk by chunk.
//!     pub async fn count(&self, body: ByteStream) -> Result<u64> {
//!         let mut chunks = body.into_chunks()?;
//!         let mut total = 0;
//!         while let Some(chunk) = chunks.next_chunk().await {
//!             total += chunk?.len() as u64;
//!         }
//!         Ok(total)
//!     }
//!
//!     /// `size` zero bytes, made as the reader pulls them.
//!     pub fn zeros(&self, size: u64) -> ByteStream {
//!         let chunk = 64 * 1024;
//!         let pieces = (0..size.div_ceil(chunk)).map(move |i| {
//!             Ok::<_, String>(vec![0u8; chunk.min(size - i * chunk) as usize])
//!         });
//!         ByteStream::from_chunks(pieces)
//!     }
//! }
//! ```
//!
//! In JavaScript the argument is any `ReadableStream` of `Uint8Array`s (a
//! request's `body`, a `new ReadableStream(..)`), and the result is one.
//!
//! # Ownership and backpressure
//! - A stream made in Rust ([`ByteStream::from_stream`]) is pull-based: the
//!   next chunk is made when the reader asks for it, so memory stays flat
//!   however long the stream is. If the reader cancels, the Rust stream is
//!   dropped.
//! - A received stream is read one chunk at a time ([`Chunks`]); dropping
//!   `Chunks` before the end cancels the stream, which releases the writer
//!   on the other side.
//! - A `ByteStream` dropped without being read (a method that returns early,
//!   an `Err` before the first chunk) cancels its stream too, with the reason
//!   "the ByteStream was dropped without being read": the writer on the other
//!   side sees its writes fail instead of waiting forever. A stream handed on
//!   ([`into_raw`](ByteStream::into_raw), returned, or passed to another
//!   call) is the new owner's, and is left alone.

// Outside Wasm the JavaScript half of this file is left out (see `stream_host.rs`).
#![cfg_attr(not(target_arch = "wasm32"), allow(unused_imports))]

use std::cell::Cell;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use js_sys::Uint8Array;
#[cfg(target_arch = "wasm32")]
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::js_message;
use crate::rpc::Bytes;
use crate::{Error, Result};

/// A stream of bytes that crosses RPC by reference: a JavaScript
/// `ReadableStream` of `Uint8Array` chunks.
///
/// ```no_run
/// let greeting = durable::rpc::ByteStream::from_chunks([Ok::<_, String>(b"hello, ".to_vec()), Ok(b"world".to_vec())]);
/// ```
pub struct ByteStream {
    raw: web_sys::ReadableStream,
    /// Whether the stream has gone to a new owner (a reader, a `Response`,
    /// JavaScript): then dropping this handle leaves it alone.
    handed_on: Cell<bool>,
    /// Outside Wasm (under `durable::testing`), the stream's chunks (see
    /// `stream_host.rs`).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) host: std::cell::RefCell<Option<super::stream_host::HostChunks>>,
}

/// Why a `ByteStream` dropped unread cancels its stream: what the writer on
/// the other side sees.
pub(crate) const DROPPED_UNREAD: &str = "the ByteStream was dropped without being read";

impl ByteStream {
    /// A pull-based stream of the chunks of `stream`: each chunk is made
    /// when the reader asks for it. An `Err` errors the stream with its
    /// message; a reader cancelling drops `stream`.
    ///
    /// In a `#[durable::test]` (outside Wasm) `stream` is read to its end
    /// (or its first `Err`) here, and its chunks cross with the call.
    pub fn from_stream<S, B, E>(stream: S) -> Self
    where
        S: Stream<Item = std::result::Result<B, E>> + 'static,
        B: AsRef<[u8]>,
        E: fmt::Display,
    {
        #[cfg(not(target_arch = "wasm32"))]
        return super::stream_host::collect(stream);
        #[cfg_attr(not(target_arch = "wasm32"), allow(unreachable_code))]
        let chunks = ToJs { inner: Box::pin(stream) };
        Self::from_raw(wasm_streams::ReadableStream::from_stream(chunks).into_raw())
    }

    /// [`from_stream`](Self::from_stream) of an iterator's chunks, made
    /// one at a time as the reader pulls.
    pub fn from_chunks<I, B, E>(chunks: I) -> Self
    where
        I: IntoIterator<Item = std::result::Result<B, E>>,
        I::IntoIter: Unpin + 'static,
        B: AsRef<[u8]>,
        E: fmt::Display,
    {
        Self::from_stream(Iter(chunks.into_iter()))
    }

    /// Wraps a JavaScript `ReadableStream` (a request's `body`, for one).
    /// The `ByteStream` owns it from now on: dropped unread, it cancels it.
    pub fn from_raw(raw: web_sys::ReadableStream) -> Self {
        Self {
            raw,
            handed_on: Cell::new(false),
            #[cfg(not(target_arch = "wasm32"))]
            host: Default::default(),
        }
    }

    /// The JavaScript `ReadableStream`.
    pub fn as_raw(&self) -> &web_sys::ReadableStream {
        &self.raw
    }

    /// The JavaScript `ReadableStream`, to hand to a `Response` or `Request`:
    /// from now on its new owner reads or cancels it.
    pub fn into_raw(self) -> web_sys::ReadableStream {
        self.handed_on.set(true);
        self.raw.clone()
    }

    /// Reads the stream chunk by chunk. Fails if the stream is already
    /// being read (locked to a reader); the stream is then left to that reader.
    pub fn into_chunks(self) -> Result<Chunks> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            super::stream_host::into_chunks(self)
        }
        #[cfg(target_arch = "wasm32")]
        {
            let stream = wasm_streams::ReadableStream::from_raw(self.into_raw());
            match stream.try_into_stream() {
                Ok(inner) => Ok(Chunks { inner }),
                Err((error, _)) => Err(Error::message(format!("the stream cannot be read: {}", js_message(&error.into())))),
            }
        }
    }
}

/// Cancels the stream if nobody took it over: the writer on the other side
/// is released instead of blocking on backpressure forever.
impl Drop for ByteStream {
    fn drop(&mut self) {
        // Outside Wasm there is no JavaScript to call (and no stream was made).
        if cfg!(target_arch = "wasm32") && !self.handed_on.get() && !self.raw.locked() {
            // The promise settles when the source has been told; nobody waits for it.
            let _ = self.raw.cancel_with_reason(&JsValue::from_str(DROPPED_UNREAD));
        }
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(not(target_arch = "wasm32"))]
        return f.debug_struct("ByteStream").field("chunks", &self.host.borrow().as_ref().map(|h| h.chunks.len())).finish();
        #[cfg_attr(not(target_arch = "wasm32"), allow(unreachable_code))]
        f.debug_struct("ByteStream").field("locked", &self.raw.locked()).finish()
    }
}

/// Crosses as the `ReadableStream` itself, which then belongs to whoever
/// receives it (dropping this handle afterwards does not cancel it).
/// (Outside Wasm: see `stream_host.rs`.)
#[cfg(target_arch = "wasm32")]
impl Serialize for ByteStream {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let out = serde_wasm_bindgen::preserve::serialize(&self.raw, serializer)?;
        self.handed_on.set(true);
        Ok(out)
    }
}

/// Takes a `ReadableStream`.
#[cfg(target_arch = "wasm32")]
impl<'de> Deserialize<'de> for ByteStream {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value: JsValue = serde_wasm_bindgen::preserve::deserialize(deserializer)?;
        match value.dyn_into::<web_sys::ReadableStream>() {
            Ok(raw) => Ok(Self::from_raw(raw)),
            Err(other) => Err(serde::de::Error::custom(format!(
                "expected a ReadableStream, got {}",
                if other.is_null() { "null".to_owned() } else { other.js_typeof().as_string().unwrap_or_default() }
            ))),
        }
    }
}

/// The chunks of a [`ByteStream`], read one at a time. Also a
/// [`futures_core::Stream`]. Dropping it before the end cancels the stream.
///
/// ```no_run
/// # async fn demo(body: durable::rpc::ByteStream) -> durable::Result<()> {
/// let mut chunks = body.into_chunks()?;
/// if let Some(first) = chunks.next_chunk().await {
///     println!("{} bytes first", first?.len());
/// }
/// chunks.cancel("one chunk was enough").await?;
/// # Ok(()) }
/// ```
pub struct Chunks {
    #[cfg(target_arch = "wasm32")]
    inner: wasm_streams::readable::IntoStream<'static>,
    /// Outside Wasm, the chunks the driver read.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) host: super::stream_host::HostChunks,
}

impl Chunks {
    /// The next chunk; `None` at the end of the stream.
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Cancels the stream with `reason`, which the writer on the other side sees.
    pub async fn cancel(self, reason: &str) -> Result<()> {
        // Outside Wasm the driver read the stream already: nothing to cancel.
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = reason;
            Ok(())
        }
        #[cfg(target_arch = "wasm32")]
        {
            self.inner.cancel_with_reason(&JsValue::from_str(reason)).await.map_err(|e| Error::Js(js_message(&e)))
        }
    }
}

impl Stream for Chunks {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = cx;
            Poll::Ready(self.host.next())
        }
        #[cfg(target_arch = "wasm32")]
        {
            Pin::new(&mut self.inner).poll_next(cx).map(|item| {
                item.map(|chunk| match chunk {
                    Ok(chunk) => match chunk.dyn_into::<Uint8Array>() {
                        Ok(bytes) => Ok(Bytes::from(bytes.to_vec())),
                        Err(other) => Err(Error::Conversion(format!(
                            "a byte stream's chunk is a {}, not a Uint8Array",
                            other.js_typeof().as_string().unwrap_or_default()
                        ))),
                    },
                    Err(error) => Err(Error::Js(js_message(&error))),
                })
            })
        }
    }
}

/// A Rust stream's chunks as `Uint8Array`s, its errors as `Error`s.
struct ToJs<S> {
    inner: Pin<Box<S>>,
}

impl<S, B, E> Stream for ToJs<S>
where
    S: Stream<Item = std::result::Result<B, E>>,
    B: AsRef<[u8]>,
    E: fmt::Display,
{
    type Item = std::result::Result<JsValue, JsValue>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx).map(|item| {
            item.map(|chunk| match chunk {
                Ok(bytes) => Ok(Uint8Array::from(bytes.as_ref()).into()),
                Err(error) => Err(js_sys::Error::new(&error.to_string()).into()),
            })
        })
    }
}

/// An iterator as an always-ready stream.
struct Iter<I>(I);

impl<I: Iterator + Unpin> Stream for Iter<I> {
    type Item = I::Item;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.0.next())
    }
}
