//! The RPC values that are not plain data, outside Wasm: how a test's
//! stubs, callbacks, streams and HTTP values cross to the driver, and how
//! the driver's answers become them again. Each crosses as
//! `{ "$durable": kind, .. }` (see `testing.mjs`): on the driver's side it
//! is the real JavaScript value the object sees.
//!
//! These are the host halves of the `Serialize`/`Deserialize` impls whose
//! Wasm halves live beside each type in `rpc/`.

use std::cell::RefCell;
use std::sync::Arc;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};

use super::target::{target_of, At, Lease, Target};
use crate::rpc::Stub;

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
        let target = target_of(self).map_err(serde::ser::Error::custom)?;
        json!({ MARK: "stub", "class": target.class, "target": target.wire() }).serialize(serializer)
    }
}

/// Takes a Durable Object stub the object answered: it leads to the same
/// object, in the test's slot.
impl<'de> Deserialize<'de> for Stub {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
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
        let lease = DECODING.with(|d| d.borrow().clone()).ok_or_else(|| D::Error::custom("a stub is read only from an answer of the test runtime"))?;
        Ok(Stub::for_host(Arc::new(Target { lease, class: class.to_owned(), at })))
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
