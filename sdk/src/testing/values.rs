//! The RPC values that are not plain data, outside Wasm: how a test's
//! stubs, callbacks, streams and HTTP values cross to the driver, and how
//! the driver's answers become them again. Each crosses as
//! `{ "$durable": kind, .. }` (see `testing.mjs`): on the driver's side it
//! is the real JavaScript value the object sees.
//!
//! These are the host halves of the `Serialize`/`Deserialize` impls whose
//! Wasm halves live beside each type in `rpc/`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};

use super::target::{target_of, At, Held, Lease, Target};
use crate::rpc::{ByteSink, Bytes, Stub};

/// The key that marks a value that is not plain data.
pub(crate) const MARK: &str = "$durable";

thread_local! {
    /// The lease whose answer is being decoded on this thread: what a stub
    /// in it leads to.
    static DECODING: RefCell<Option<Arc<Lease>>> = const { RefCell::new(None) };
}

/// Decodes `answer`, an answer of the driver to `lease`'s test.
pub(crate) fn decode<R: DeserializeOwned>(lease: &Arc<Lease>, answer: Value) -> Result<R, serde_json::Error> {
    let previous = DECODING.with(|d| d.replace(Some(lease.clone())));
    let result = serde_json::from_value(answer);
    DECODING.with(|d| *d.borrow_mut() = previous);
    result
}

/// The kind of a marked value, if `value` is one.
pub(crate) fn kind(value: &Value) -> Option<&str> {
    value.get(MARK).and_then(Value::as_str)
}

/// Crosses as `{ "$durable": "stub", class, target }`: the driver passes the
/// object's stub.
impl Serialize for Stub {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A stub an object answered: the session holds it.
        if let Some(held) = self.host_target().and_then(|t| t.as_any().downcast_ref::<Held>()) {
            return json!({ MARK: "capability", "handle": held.handle }).serialize(serializer);
        }
        let target = target_of(self).map_err(serde::ser::Error::custom)?;
        json!({ MARK: "stub", "class": target.class, "target": target.wire() }).serialize(serializer)
    }
}

/// Takes a Durable Object stub the object answered: it leads to the same
/// object, in the test's slot.
impl<'de> Deserialize<'de> for Stub {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let lease = || DECODING.with(|d| d.borrow().clone()).ok_or_else(|| D::Error::custom("a stub is read only from an answer of the test runtime"));
        // A stub that crossed RPC: the session holds it under a handle.
        if kind(&value) == Some("capability") {
            let handle = value.get("handle").and_then(Value::as_u64).ok_or_else(|| D::Error::custom("a stub without its handle"))?;
            return Ok(Stub::for_host(Arc::new(Held { lease: lease()?, handle })));
        }
        if kind(&value) != Some("stub") {
            return Err(D::Error::custom(format!("expected a Durable Object stub, got {}", describe(&value))));
        }
        let class = value.get("class").and_then(Value::as_str).ok_or_else(|| D::Error::custom("a stub without its class"))?;
        let target = value.get("target").unwrap_or(&Value::Null);
        let at = match (target.get("name").and_then(Value::as_str), target.get("id").and_then(Value::as_str)) {
            (Some(name), _) => At::Name(name.to_owned()),
            (None, Some(id)) => At::Id(id.to_owned()),
            _ => return Err(D::Error::custom("a stub without its object's name or id")),
        };
        Ok(Stub::for_host(Arc::new(Target { lease: lease()?, class: class.to_owned(), at })))
    }
}

/// What the objects wrote into the test's sinks, by sink number: `None`
/// while a sink is open.
type Written = Option<(Vec<Bytes>, Option<String>)>;

static SINKS: Mutex<BTreeMap<u64, Written>> = Mutex::new(BTreeMap::new());
static SINK_ENDED: Condvar = Condvar::new();
static NEXT_SINK: AtomicU64 = AtomicU64::new(1);

/// A [`ByteSink`] to hand an object (an argument of a call), and the
/// [`TestSink`] that reads what the object wrote into it.
///
/// ```no_run
/// # use durable::prelude::*;
/// # use durable::rpc::ByteSink;
/// # #[durable_object] pub struct Ticker { state: State }
/// # #[durable_object] impl Ticker {
/// #     pub fn new(state: State, _env: Env) -> Self { Self { state } }
/// #     pub async fn tick(&self, count: u32, sink: ByteSink) -> Result<()> { Ok(()) }
/// # }
/// #[durable::test]
/// async fn ticks(env: durable::testing::TestEnv) -> durable::Result<()> {
///     let ticker = env.namespace::<Ticker>().get_by_name("a")?;
///     let (sink, written) = durable::testing::sink();
///     ticker.tick(2, sink).await?;
///     assert_eq!(written.bytes()?, b"tick 0\ntick 1\n");
///     Ok(())
/// }
/// ```
pub fn sink() -> (ByteSink, TestSink) {
    let id = NEXT_SINK.fetch_add(1, Ordering::Relaxed);
    SINKS.lock().unwrap_or_else(|e| e.into_inner()).insert(id, None);
    let mut sink = ByteSink::from_raw(wasm_bindgen::JsCast::unchecked_into(wasm_bindgen::JsValue::UNDEFINED));
    sink.host = Some(id);
    (sink, TestSink { id })
}

/// What an object wrote into a sink from [`sink`]: read once the object
/// closed the stream (or aborted it: then an `Err` with its reason).
///
/// ```no_run
/// # fn demo(written: durable::testing::TestSink) -> durable::Result<()> {
/// let text = String::from_utf8(written.bytes()?).unwrap();
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TestSink {
    id: u64,
}

impl TestSink {
    /// The chunks as the object wrote them, once it closed the stream;
    /// waits at most `DURABLE_TEST_TIMEOUT` seconds (60) for that.
    pub fn chunks(&self) -> crate::Result<Vec<Bytes>> {
        let limit = std::env::var("DURABLE_TEST_TIMEOUT").ok().and_then(|s| s.parse().ok()).map_or(Duration::from_secs(60), Duration::from_secs);
        let sinks = SINKS.lock().unwrap_or_else(|e| e.into_inner());
        let (sinks, _) = SINK_ENDED
            .wait_timeout_while(sinks, limit, |sinks| matches!(sinks.get(&self.id), Some(None)))
            .unwrap_or_else(|e| e.into_inner());
        match sinks.get(&self.id) {
            Some(Some((chunks, None))) => Ok(chunks.clone()),
            Some(Some((chunks, Some(error)))) => {
                let size: usize = chunks.iter().map(|c| c.len()).sum();
                Err(crate::Error::Js(format!("the object aborted the sink after {size} bytes: {error}")))
            }
            _ => Err(crate::Error::Js("the object did not close the sink within DURABLE_TEST_TIMEOUT".into())),
        }
    }

    /// The bytes the object wrote, once it closed the stream.
    pub fn bytes(&self) -> crate::Result<Vec<u8>> {
        Ok(self.chunks()?.iter().flat_map(|c| c.iter().copied()).collect())
    }
}

impl Drop for TestSink {
    fn drop(&mut self) {
        SINKS.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
    }
}

/// The driver's word that the object closed (or aborted) sink `id`.
pub(crate) fn sink_ended(message: &Value) {
    let Some(id) = message.get("id").and_then(Value::as_u64) else { return };
    let chunks = message
        .get("chunks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| unbase64(c.as_str()?).ok().map(Bytes::from))
        .collect();
    let error = message.get("error").and_then(Value::as_str).map(str::to_owned);
    let mut sinks = SINKS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(slot) = sinks.get_mut(&id) {
        *slot = Some((chunks, error));
        SINK_ENDED.notify_all();
    }
}

/// Crosses as its number: the driver hands the object a `WritableStream`
/// whose chunks come back to the [`TestSink`].
impl Serialize for ByteSink {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.host {
            Some(id) => json!({ MARK: "sink", "id": id }).serialize(serializer),
            None => Err(serde::ser::Error::custom("outside Wasm a ByteSink comes from durable::testing::sink()")),
        }
    }
}

/// A `WritableStream` the object answers cannot be written from a test.
impl<'de> Deserialize<'de> for ByteSink {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let _ = Value::deserialize(deserializer)?;
        Err(D::Error::custom("a WritableStream answered by the object cannot be written from a test (outside Wasm a ByteSink comes from durable::testing::sink())"))
    }
}

/// A few words on what `value` is, for errors.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => match kind(value) {
            Some(kind) => format!("a {kind}"),
            None => "an object".into(),
        },
    }
}

/// Standard base64, as `btoa` writes it.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() { TABLE[(n >> (18 - 6 * i)) as usize & 63] as char } else { '=' });
        }
    }
    out
}

/// Reads standard base64 (as `btoa` writes it).
pub(crate) fn unbase64(text: &str) -> Result<Vec<u8>, String> {
    let value = |c: u8| -> Result<u32, String> {
        Ok(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("not base64: {:?}", c as char)),
        }
        .into())
    };
    let text = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{base64, unbase64};

    #[test]
    fn base64_round_trips() {
        for input in [&b""[..], b"h", b"hi", b"hello", &[0, 255, 128, 7]] {
            assert_eq!(unbase64(&base64(input)).unwrap(), input);
        }
        assert_eq!(base64(b"hello"), "aGVsbG8=");
        assert!(unbase64("a?").is_err());
    }
}

/// A capability the test holds, as an argument: the session passes the
/// stub it holds under the handle (the runtime disposes what a caller
/// passes when the call ends, as in Wasm: pass `dup()` to keep one).
pub(crate) fn serialize_capability<S: Serializer>(capability: &crate::rpc::RemoteCapability, serializer: S) -> Result<S::Ok, S::Error> {
    match capability.host_target().and_then(|t| t.as_any().downcast_ref::<Held>()) {
        Some(held) => json!({ MARK: "capability", "handle": held.handle }).serialize(serializer),
        None => Err(serde::ser::Error::custom(format!(
            "outside Wasm, a {} capability crosses only if a call of the test runtime answered it",
            capability.name()
        ))),
    }
}

/// A capability (of type `name`) inside an answer of the test runtime: the
/// session holds it under its handle.
pub(crate) fn deserialize_capability<'de, D: Deserializer<'de>>(deserializer: D, name: &'static str) -> Result<crate::rpc::RemoteCapability, D::Error> {
    let value = Value::deserialize(deserializer)?;
    if kind(&value) != Some("capability") {
        return Err(D::Error::custom(format!("expected the capability {name}, got {}", describe(&value))));
    }
    let handle = value.get("handle").and_then(Value::as_u64).ok_or_else(|| D::Error::custom("a capability without its handle"))?;
    let lease = DECODING
        .with(|d| d.borrow().clone())
        .ok_or_else(|| D::Error::custom("a capability is read only from an answer of the test runtime"))?;
    Ok(crate::rpc::RemoteCapability::for_host(Arc::new(Held { lease, handle }), name))
}
