//! WebSockets: the standard API comes from the `worker` crate
//! ([`WebSocketPair`](crate::WebSocketPair), [`WebSocket`](crate::WebSocket)
//! with `accept`, `send_with_str`, `events`, `close`, attachments); the
//! hibernation API is on [`State`](crate::State) (`accept_web_socket`,
//! `get_web_sockets`, `get_tags`, auto-responses, the event timeout) and in the
//! handler traits [`WebSocketMessage`](crate::WebSocketMessage),
//! [`WebSocketClose`](crate::WebSocketClose) and
//! [`WebSocketError`](crate::WebSocketError).
//!
//! ```no_run
//! use durable::prelude::*;
//! use durable::{WebSocket, WebSocketPair};
//!
//! #[durable_object]
//! pub struct Echo { state: State }
//!
//! #[durable_object]
//! impl Echo {
//!     pub fn new(state: State, _env: Env) -> Self { Self { state } }
//!
//!     pub async fn fetch(&self, _req: Request) -> Result<Response> {
//!         let pair = WebSocketPair::new()?;
//!         // Hibernatable: the object may leave memory while the socket stays open.
//!         self.state.accept_web_socket(&pair.server, &["echo"])?;
//!         Ok(Response::from_websocket(pair.client)?)
//!     }
//!
//!     pub async fn web_socket_message(&self, ws: WebSocket, message: durable::ws::Message) -> Result<()> {
//!         match message {
//!             durable::ws::Message::Text(text) => ws.send_with_str(text)?,
//!             durable::ws::Message::Binary(bytes) => ws.send_with_bytes(bytes)?,
//!         }
//!         Ok(())
//!     }
//! }
//! ```

use wasm_bindgen::{JsCast, JsValue};

/// How many bytes `ws` has queued with `send` but not yet handed to the
/// network (`WebSocket.bufferedAmount`): a sender can hold back while it is
/// high. Where the runtime has no `bufferedAmount` (workerd before it was
/// added), an `Err` saying so, never a made-up zero.
///
/// ```no_run
/// # fn demo(ws: &durable::WebSocket) -> durable::Result<()> {
/// if durable::ws::buffered_amount(ws)? > 1 << 20 {
///     // more than a MiB waiting: slow down
/// }
/// # Ok(()) }
/// ```
pub fn buffered_amount(ws: &crate::WebSocket) -> crate::Result<u64> {
    let socket: &web_sys::WebSocket = ws.as_ref();
    let value = js_sys::Reflect::get(socket, &JsValue::from_str("bufferedAmount")).map_err(crate::Error::from_js)?;
    match value.as_f64() {
        // A byte count: whole and non-negative; `as` saturates, never wraps.
        Some(n) if n >= 0.0 && n.fract() == 0.0 => Ok(n as u64),
        _ => Err(crate::Error::message(format!(
            "durable::ws::buffered_amount: this runtime's WebSocket has no bufferedAmount (it read {})",
            value.as_string().unwrap_or_else(|| format!("{value:?}"))
        ))),
    }
}

/// A message received on a WebSocket.
///
/// ```
/// let m = durable::ws::Message::Text("hi".into());
/// assert_eq!(m.as_text(), Some("hi"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
}

impl Message {
    /// The text of a text frame.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Message::Text(text) => Some(text),
            Message::Binary(_) => None,
        }
    }

    /// Reads what the runtime passes: a string or an `ArrayBuffer`.
    pub(crate) fn from_js(value: JsValue) -> Self {
        if let Some(text) = value.as_string() {
            return Message::Text(text);
        }
        if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
            return Message::Binary(js_sys::Uint8Array::new(buffer).to_vec());
        }
        if let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>() {
            return Message::Binary(bytes.to_vec());
        }
        Message::Text(String::new())
    }
}
