//! The runtime events a Durable Object class can handle, the shape each
//! handler method must have, and the code that connects one to the runtime.
//! Everything about a kind is in the tables of this file.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::imp::Handler;

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
}

/// An argument of a handler: its name, its Rust type in the user's method, and
/// its type in the Wasm glue (what JavaScript passes).
struct Param {
    name: &'static str,
    rust: TokenStream,
    glue: TokenStream,
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
        }
    }

    /// The kind whose conventional name is `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }

    fn params(self) -> Vec<Param> {
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
        }
    }

    fn output(self) -> TokenStream {
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
        }
    }
}

/// `impl durable::<Trait> for Type`, forwarding to the user's method. Each
/// argument is spanned at the user's argument type and the result at the
/// user's return type, so a type mismatch is reported where it was written.
pub fn trait_impl(handler: &Handler, self_ty: &syn::Type) -> TokenStream {
    let kind = handler.kind;
    let method = &handler.method;
    let trait_ident = format_ident!("{}", kind.trait_name());
    let fn_ident = format_ident!("{}", kind.name());
    let params = kind.params();
    let decls = params.iter().map(|p| {
        let name = format_ident!("{}", p.name);
        let ty = &p.rust;
        quote!(#name: #ty)
    });
    let args = params.iter().enumerate().map(|(i, p)| {
        Ident::new(p.name, handler.arg_spans.get(i).copied().unwrap_or_else(Span::call_site))
    });
    let output = kind.output();
    let call = quote_spanned! {handler.ret_span=>
        ::core::result::Result::map_err(<#self_ty>::#method(self, #(#args),*).await, ::core::convert::Into::into)
    };
    quote! {
        impl ::durable::#trait_ident for #self_ty {
            async fn #fn_ident(&self, #(#decls),*) -> ::durable::Result<#output> {
                #call
            }
        }
    }
}

/// The method on the Wasm-side glue type that the JavaScript class calls for
/// this event; it hands the raw values to `durable::runtime::Instance`.
pub fn glue_method(kind: HandlerKind) -> TokenStream {
    let fn_ident = format_ident!("{}", kind.name());
    let params = kind.params();
    let decls = params.iter().map(|p| {
        let name = format_ident!("{}", p.name);
        let ty = &p.glue;
        quote!(#name: #ty)
    });
    let names = params.iter().map(|p| format_ident!("{}", p.name));
    quote! {
        pub fn #fn_ident(
            &self,
            #(#decls,)*
            call: u32,
        ) -> ::core::result::Result<::durable::__private::wasm_bindgen::JsValue, ::durable::__private::wasm_bindgen::JsValue> {
            self.instance.#fn_ident(#(#names,)* call)
        }
    }
}
