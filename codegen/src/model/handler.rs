//! The runtime events a Durable Object class can handle and the shape each
//! handler method must have; [`Handler`] is one checked handler method.
//! Everything about a kind is in the tables of this file; the code that
//! connects a handler to the runtime is generated from them in `crate::handler`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// One kind of runtime event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandlerKind {
    /// `fetch(request)`: an HTTP request sent with `stub.fetch`.
    Fetch,
    /// `alarm(alarmInfo)`: the alarm set with `storage.set_alarm` fired.
    Alarm,
    /// `webSocketMessage(ws, message)`: a message on a hibernatable WebSocket.
    WebSocketMessage,
    /// `webSocketClose(ws, code, reason, wasClean)`: a hibernatable WebSocket closed.
    WebSocketClose,
    /// `webSocketError(ws, error)`: a hibernatable WebSocket failed.
    WebSocketError,
    /// `[onHibernate](info)`: the object is about to hibernate (experimental).
    OnHibernate,
}

/// An argument of a handler: its name, its Rust type in the user's method, and
/// its type in the Wasm glue (what JavaScript passes).
pub(crate) struct Param {
    /// The argument's name.
    pub(crate) name: &'static str,
    /// Its type in the user's method.
    pub(crate) rust: TokenStream,
    /// Its type in the Wasm glue.
    pub(crate) glue: TokenStream,
}

fn param(name: &'static str, rust: TokenStream, glue: TokenStream) -> Param {
    Param { name, rust, glue }
}

impl HandlerKind {
    /// Every kind, in the order they are documented.
    pub const ALL: &'static [HandlerKind] = &[
        HandlerKind::Fetch,
        HandlerKind::Alarm,
        HandlerKind::WebSocketMessage,
        HandlerKind::WebSocketClose,
        HandlerKind::WebSocketError,
        HandlerKind::OnHibernate,
    ];

    /// The Rust method name that selects this handler by convention; also its
    /// name in the build metadata.
    pub fn name(self) -> &'static str {
        match self {
            HandlerKind::Fetch => "fetch",
            HandlerKind::Alarm => "alarm",
            HandlerKind::WebSocketMessage => "web_socket_message",
            HandlerKind::WebSocketClose => "web_socket_close",
            HandlerKind::WebSocketError => "web_socket_error",
            HandlerKind::OnHibernate => "on_hibernate",
        }
    }

    /// The kind whose conventional name is `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// The arguments of the handler after `&self`, in order.
    pub(crate) fn params(self) -> Vec<Param> {
        let js = quote!(::durable::__private::wasm_bindgen::JsValue);
        let socket = || param("ws", quote!(::durable::WebSocket), quote!(::durable::__private::web_sys::WebSocket));
        match self {
            HandlerKind::Fetch => {
                vec![param("request", quote!(::durable::Request), quote!(::durable::__private::web_sys::Request))]
            }
            HandlerKind::Alarm => vec![param("info", quote!(::durable::AlarmInfo), js)],
            HandlerKind::WebSocketMessage => vec![socket(), param("message", quote!(::durable::ws::Message), js)],
            HandlerKind::WebSocketClose => vec![
                socket(),
                param("code", quote!(u16), quote!(u16)),
                param("reason", quote!(::std::string::String), quote!(::std::string::String)),
                param("was_clean", quote!(bool), quote!(bool)),
            ],
            HandlerKind::WebSocketError => vec![socket(), param("error", quote!(::durable::Error), js)],
            HandlerKind::OnHibernate => vec![param("info", quote!(::durable::HibernateInfo), js)],
        }
    }

    /// What the handler's `Result` holds when it succeeds.
    pub(crate) fn output(self) -> TokenStream {
        match self {
            HandlerKind::Fetch => quote!(::durable::Response),
            _ => quote!(()),
        }
    }

    /// How many arguments the handler takes besides `&self`.
    pub fn arity(self) -> usize {
        self.params().len()
    }

    /// The expected signature, for error messages.
    pub fn signature(self) -> &'static str {
        match self {
            HandlerKind::Fetch => "async fn fetch(&self, req: Request) -> Result<Response>",
            HandlerKind::Alarm => "async fn alarm(&self, info: AlarmInfo) -> Result<()>",
            HandlerKind::WebSocketMessage => "async fn web_socket_message(&self, ws: WebSocket, message: ws::Message) -> Result<()>",
            HandlerKind::WebSocketClose => {
                "async fn web_socket_close(&self, ws: WebSocket, code: u16, reason: String, was_clean: bool) -> Result<()>"
            }
            HandlerKind::WebSocketError => "async fn web_socket_error(&self, ws: WebSocket, error: Error) -> Result<()>",
            HandlerKind::OnHibernate => "async fn on_hibernate(&self, info: HibernateInfo) -> Result<()>",
        }
    }

    /// The `durable` trait that a handler of this kind implements.
    pub fn trait_name(self) -> &'static str {
        match self {
            HandlerKind::Fetch => "Fetch",
            HandlerKind::Alarm => "Alarm",
            HandlerKind::WebSocketMessage => "WebSocketMessage",
            HandlerKind::WebSocketClose => "WebSocketClose",
            HandlerKind::WebSocketError => "WebSocketError",
            HandlerKind::OnHibernate => "OnHibernate",
        }
    }
}

/// A method that handles one kind of runtime event.
pub struct Handler {
    /// Which event.
    pub kind: HandlerKind,
    /// The user's method.
    pub method: Ident,
    /// Span of the method's return type (for type errors in the forwarding).
    pub ret_span: Span,
    /// Spans of the types of the arguments after `&self`, in order.
    pub arg_spans: Vec<Span>,
}
