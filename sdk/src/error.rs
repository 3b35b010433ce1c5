use std::borrow::Cow;
use std::fmt;

use wasm_bindgen::{JsCast, JsValue};

/// `Result` with this crate's [`Error`] as the default error type.
///
/// ```
/// fn half(n: i64) -> durable::Result<i64> {
///     if n % 2 != 0 {
///         return Err(durable::Error::message(format!("{n} is odd")));
///     }
///     Ok(n / 2)
/// }
/// assert_eq!(half(4).unwrap(), 2);
/// assert_eq!(half(3).unwrap_err().to_string(), "3 is odd");
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong in a call into the runtime or in a handler.
///
/// Every variant carries a human-readable message; [`Display`](fmt::Display)
/// prints it, and a failing `fetch` handler answers `500` with that text.
///
/// ```
/// use durable::Error;
/// let e = Error::message("no such user");
/// assert_eq!(e.to_string(), "no such user");
/// let e: Error = "also works".into();
/// assert!(matches!(e, Error::Message(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The runtime threw a JavaScript exception (its message is kept).
    Js(String),
    /// A value could not be converted between Rust and JavaScript
    /// (serialization of an argument, deserialization of a stored value).
    Conversion(String),
    /// An error raised by application code.
    Message(String),
}

impl Error {
    /// An application error with the given message.
    ///
    /// ```
    /// assert_eq!(durable::Error::message("nope").to_string(), "nope");
    /// ```
    pub fn message(message: impl Into<String>) -> Self {
        Error::Message(message.into())
    }

    /// Builds an error from a thrown JavaScript value, keeping the message of an
    /// `Error` object and the text of anything else (bounded: see [`bounded`]).
    pub(crate) fn from_js(value: JsValue) -> Self {
        Error::Js(js_message(&value))
    }
}

/// The message of a thrown JavaScript value (an `Error`'s `message`, or the
/// text of anything else), bounded like every message this crate builds.
pub(crate) fn js_message(value: &JsValue) -> String {
    let text = match value.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    };
    bounded(text)
}

/// The most characters of a value that an error message quotes.
pub(crate) const QUOTE_LIMIT: usize = 200;

/// The most characters of a message written by someone else (serde, the
/// runtime, the callee of an RPC call) that an error keeps: its beginning
/// and its end, which is where such messages say what was expected.
const MESSAGE_HEAD: usize = 400;
const MESSAGE_TAIL: usize = 200;

/// The byte offset of the `n`th character of `text`, or `None` if it has
/// fewer than `n` characters.
fn char_offset(text: &str, n: usize) -> Option<usize> {
    text.char_indices().nth(n).map(|(i, _)| i)
}

/// `value` as an error message quotes it: the whole of it up to
/// [`QUOTE_LIMIT`] characters, else its beginning and a marker with its
/// size, e.g. `aaaa… (10485760 bytes)`. Cut on a character boundary.
pub(crate) fn excerpt(value: &str) -> Cow<'_, str> {
    match char_offset(value, QUOTE_LIMIT) {
        None => Cow::Borrowed(value),
        Some(end) => Cow::Owned(format!("{}… ({} bytes)", &value[..end], value.len())),
    }
}

/// A message that may embed a value of any size (a serde error quoting the
/// value it refused, a runtime error quoting a table name): kept whole up to
/// a few hundred characters, else its beginning and its end around a marker
/// saying how much was left out.
pub(crate) fn bounded(message: String) -> String {
    let Some(head_end) = char_offset(&message, MESSAGE_HEAD + MESSAGE_TAIL) else {
        return message;
    };
    let head_end = char_offset(&message, MESSAGE_HEAD).unwrap_or(head_end);
    let chars_after_head = message[head_end..].chars().count();
    let tail_start = char_offset(&message[head_end..], chars_after_head.saturating_sub(MESSAGE_TAIL))
        .map_or(message.len(), |i| head_end + i);
    format!(
        "{}… ({} bytes left out) …{}",
        &message[..head_end],
        tail_start - head_end,
        &message[tail_start..]
    )
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Js(m) | Error::Message(m) | Error::Conversion(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<JsValue> for Error {
    fn from(value: JsValue) -> Self {
        Error::from_js(value)
    }
}

impl From<serde_wasm_bindgen::Error> for Error {
    fn from(e: serde_wasm_bindgen::Error) -> Self {
        Error::Conversion(conversion_message(e))
    }
}

/// The message of a serde-wasm-bindgen error, without the `Error: ` prefix
/// its `Display` adds, and bounded (serde quotes the whole value it refused).
pub(crate) fn conversion_message(e: serde_wasm_bindgen::Error) -> String {
    js_message(&e.into())
}

impl From<worker::Error> for Error {
    fn from(e: worker::Error) -> Self {
        match e {
            worker::Error::JsError(m) | worker::Error::RustError(m) => Error::Js(m),
            other => Error::Message(other.to_string()),
        }
    }
}

impl From<Error> for worker::Error {
    fn from(e: Error) -> Self {
        worker::Error::RustError(e.to_string())
    }
}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::Message(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error::Message(message.to_owned())
    }
}

/// `From` impls for the errors a handler commonly meets, so `?` works on them
/// in a function returning [`Result`]. Each keeps the error's message; a JSON
/// (de)serialization error is a [`Error::Conversion`], the others
/// [`Error::Message`].
///
/// ```
/// fn parse(body: &str) -> durable::Result<u32> {
///     let value: serde_json::Value = serde_json::from_str(body)?; // serde_json::Error
///     let text = value["count"].as_str().unwrap_or_default();
///     Ok(text.parse::<u32>()?) // ParseIntError
/// }
/// assert_eq!(parse(r#"{"count": "12"}"#).unwrap(), 12);
/// assert!(matches!(parse("{").unwrap_err(), durable::Error::Conversion(_)));
/// assert_eq!(parse(r#"{"count": "x"}"#).unwrap_err().to_string(), "invalid digit found in string");
/// ```
macro_rules! from_errors {
    ($($variant:ident: $ty:ty),* $(,)?) => {$(
        impl From<$ty> for Error {
            fn from(e: $ty) -> Self {
                Error::$variant(bounded(e.to_string()))
            }
        }
    )*};
}

from_errors! {
    Conversion: serde_json::Error,
    Message: fmt::Error,
    Message: std::num::ParseIntError,
    Message: std::num::ParseFloatError,
    Message: std::str::ParseBoolError,
    Message: std::string::FromUtf8Error,
    Message: std::str::Utf8Error,
    Message: worker::url::ParseError,
}

#[cfg(test)]
mod tests {
    use super::{bounded, excerpt, QUOTE_LIMIT};

    #[test]
    fn common_errors_convert_with_their_message() {
        use super::Error;
        fn via<E: Into<Error>>(e: E) -> Error {
            e.into()
        }
        let json = serde_json::from_str::<u32>("\"x\"").unwrap_err();
        assert_eq!(via(json), Error::Conversion("invalid type: string \"x\", expected u32 at line 1 column 3".into()));
        assert_eq!(via(std::fmt::Error), Error::Message("an error occurred when formatting an argument".into()));
        assert_eq!(via("x".parse::<i64>().unwrap_err()), Error::Message("invalid digit found in string".into()));
        assert_eq!(via("x".parse::<f64>().unwrap_err()), Error::Message("invalid float literal".into()));
        assert_eq!(via("x".parse::<bool>().unwrap_err()), Error::Message("provided string was not `true` or `false`".into()));
        let bytes = vec![0xff, 0xfe];
        assert_eq!(via(std::str::from_utf8(&bytes).unwrap_err()), Error::Message("invalid utf-8 sequence of 1 bytes from index 0".into()));
        assert_eq!(via(String::from_utf8(bytes).unwrap_err()), Error::Message("invalid utf-8 sequence of 1 bytes from index 0".into()));
        assert_eq!(via(worker::Url::parse("no scheme").unwrap_err()), Error::Message("relative URL without a base".into()));
        // `?` in a function returning durable::Result.
        fn parse(text: &str) -> super::Result<u8> {
            Ok(text.parse::<u8>()?)
        }
        assert_eq!(parse("300").unwrap_err().to_string(), "number too large to fit in target type");
    }

    #[test]
    fn short_values_and_messages_are_kept_whole() {
        assert_eq!(excerpt("short"), "short");
        assert_eq!(excerpt(&"a".repeat(QUOTE_LIMIT)), "a".repeat(QUOTE_LIMIT));
        let message = "invalid type: string \"five\", expected i64".to_owned();
        assert_eq!(bounded(message.clone()), message);
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary_with_their_size() {
        let value = "é".repeat(300); // 2 bytes each
        assert_eq!(excerpt(&value), format!("{}… (600 bytes)", "é".repeat(QUOTE_LIMIT)));
        let big = "x".repeat(10 * 1024 * 1024);
        let quoted = excerpt(&big);
        assert!(quoted.ends_with("… (10485760 bytes)"), "{quoted}");
        assert!(quoted.len() < 250);
    }

    #[test]
    fn long_messages_keep_their_beginning_and_end() {
        let value = "ü".repeat(5_000_000);
        let message = format!("invalid type: string \"{value}\", expected i64");
        let short = bounded(message.clone());
        assert!(short.starts_with("invalid type: string \"üüü"), "{short}");
        assert!(short.ends_with("üü\", expected i64"), "{short}");
        assert!(short.contains(" bytes left out) …"), "{short}");
        assert!(short.chars().count() < 700, "{} characters", short.chars().count());
        // The marker counts exactly the bytes it replaces.
        let left_out: usize = short.split("… (").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
        let kept = short.len() - format!("… ({left_out} bytes left out) …").len();
        assert_eq!(kept + left_out, message.len());
    }
}
