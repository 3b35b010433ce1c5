//! [`ByteStream`] outside Wasm (under `durable::testing`): its chunks, held
//! in memory. A stream a test makes is read to its end when it is made and
//! crosses with the call; one the object answers is read to its end by the
//! driver (`testing.mjs`), chunk boundaries and a final error kept, and the
//! test reads it as [`Chunks`].

use std::collections::VecDeque;
use std::fmt;

use futures_core::Stream;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};

use super::stream::{ByteStream, Chunks};
use crate::rpc::Bytes;
use crate::{Error, Result};

/// A stream's chunks, and the error that ended it, if one did.
#[derive(Debug, Default, Clone)]
pub(crate) struct HostChunks {
    pub chunks: VecDeque<Bytes>,
    pub error: Option<String>,
}

impl HostChunks {
    /// The next chunk, then the error, then the end.
    pub(crate) fn next(&mut self) -> Option<Result<Bytes>> {
        match self.chunks.pop_front() {
            Some(chunk) => Some(Ok(chunk)),
            None => self.error.take().map(|e| Err(Error::Js(e))),
        }
    }
}

fn of(chunks: HostChunks) -> ByteStream {
    let stream = ByteStream::from_raw(wasm_bindgen::JsCast::unchecked_into(wasm_bindgen::JsValue::UNDEFINED));
    *stream.host.borrow_mut() = Some(chunks);
    stream
}

/// Reads `stream` to its end (or its first error) on this thread.
pub(crate) fn collect<S, B, E>(stream: S) -> ByteStream
where
    S: Stream<Item = std::result::Result<B, E>> + 'static,
    B: AsRef<[u8]>,
    E: fmt::Display,
{
    let mut stream = Box::pin(stream);
    let mut out = HostChunks::default();
    crate::testing::block_on_here(async {
        while let Some(item) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
            match item {
                Ok(bytes) => out.chunks.push_back(Bytes::from(bytes.as_ref().to_vec())),
                Err(error) => {
                    out.error = Some(error.to_string());
                    break;
                }
            }
        }
    });
    of(out)
}

/// The chunks of a stream made here or answered by the object.
pub(crate) fn into_chunks(stream: ByteStream) -> Result<Chunks> {
    match stream.host.borrow_mut().take() {
        Some(host) => Ok(Chunks { host }),
        None => Err(Error::message(
            "this ByteStream has no chunks outside Wasm (it was read already, or wraps a JavaScript stream): in a test, make one with ByteStream::from_chunks",
        )),
    }
}

/// Crosses to the test runtime's driver as its chunks (base64).
impl Serialize for ByteStream {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let host = self.host.borrow();
        let Some(host) = host.as_ref() else {
            return Err(serde::ser::Error::custom("this ByteStream has no chunks outside Wasm (it was read already)"));
        };
        let chunks: Vec<String> = host.chunks.iter().map(|c| crate::testing::base64(c)).collect();
        json!({ "$durable": "stream", "chunks": chunks, "error": host.error }).serialize(serializer)
    }
}

/// Takes a stream the driver read for the test.
impl<'de> Deserialize<'de> for ByteStream {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        chunks_of(&value).map(of).map_err(D::Error::custom)
    }
}

/// The chunks of a `{ "$durable": "stream", chunks, error }`.
pub(crate) fn chunks_of(value: &Value) -> std::result::Result<HostChunks, String> {
    if value.get("$durable").and_then(Value::as_str) != Some("stream") {
        return Err(format!("expected a ReadableStream, got {}", crate::testing::describe(value)));
    }
    let mut out = HostChunks { chunks: VecDeque::new(), error: value.get("error").and_then(Value::as_str).map(str::to_owned) };
    for chunk in value.get("chunks").and_then(Value::as_array).into_iter().flatten() {
        let text = chunk.as_str().ok_or("a stream chunk that is not base64 text")?;
        out.chunks.push_back(Bytes::from(crate::testing::unbase64(text)?));
    }
    Ok(out)
}
