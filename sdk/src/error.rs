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
    /// `Error` object and the text of anything else.
    pub(crate) fn from_js(value: JsValue) -> Self {
        if let Some(error) = value.dyn_ref::<js_sys::Error>() {
            return Error::Js(String::from(error.message()));
        }
        if let Some(text) = value.as_string() {
            return Error::Js(text);
        }
        Error::Js(format!("{value:?}"))
    }
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
/// its `Display` adds.
pub(crate) fn conversion_message(e: serde_wasm_bindgen::Error) -> String {
    let value: JsValue = e.into();
    match value.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    }
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
