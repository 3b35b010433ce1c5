//! The runtime events a Durable Object class can handle, and the shape each
//! handler method must have.

/// One kind of runtime event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandlerKind {
    /// `fetch(request)`: an HTTP request sent with `stub.fetch`.
    Fetch,
    /// `alarm(alarmInfo)`: the alarm set with `storage.set_alarm` fired.
    Alarm,
}

impl HandlerKind {
    /// Every kind, in the order they are documented.
    pub const ALL: &'static [HandlerKind] = &[HandlerKind::Fetch, HandlerKind::Alarm];

    /// The Rust method name that selects this handler by convention; also its
    /// name in the build metadata.
    pub fn name(self) -> &'static str {
        match self {
            HandlerKind::Fetch => "fetch",
            HandlerKind::Alarm => "alarm",
        }
    }

    /// The kind whose conventional name is `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// How many arguments the handler takes besides `&self`.
    pub fn arity(self) -> usize {
        match self {
            HandlerKind::Fetch | HandlerKind::Alarm => 1,
        }
    }

    /// The expected signature, for error messages.
    pub fn signature(self) -> &'static str {
        match self {
            HandlerKind::Fetch => "async fn fetch(&self, req: Request) -> Result<Response>",
            HandlerKind::Alarm => "async fn alarm(&self, info: AlarmInfo) -> Result<()>",
        }
    }

    /// The `durable` trait that a handler of this kind implements.
    pub fn trait_name(self) -> &'static str {
        match self {
            HandlerKind::Fetch => "Fetch",
            HandlerKind::Alarm => "Alarm",
        }
    }
}

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::imp::Handler;

/// `impl durable::<Trait> for Type`, forwarding to the user's method. Each
/// argument is spanned at the user's argument type and the result at the
/// user's return type, so a type mismatch is reported where it was written.
pub fn trait_impl(handler: &Handler, self_ty: &syn::Type) -> TokenStream {
    let method = &handler.method;
    let arg = |i: usize, name: &str| -> Ident {
        Ident::new(name, handler.arg_spans.get(i).copied().unwrap_or_else(Span::call_site))
    };
    match handler.kind {
        HandlerKind::Alarm => {
            let info = arg(0, "info");
            let call = quote_spanned! {handler.ret_span=>
                ::core::result::Result::map_err(<#self_ty>::#method(self, #info).await, ::core::convert::Into::into)
            };
            quote! {
                impl ::durable::Alarm for #self_ty {
                    async fn alarm(&self, info: ::durable::AlarmInfo) -> ::durable::Result<()> {
                        #call
                    }
                }
            }
        }
        HandlerKind::Fetch => {
            let request = arg(0, "request");
            let call = quote_spanned! {handler.ret_span=>
                ::core::result::Result::map_err(<#self_ty>::#method(self, #request).await, ::core::convert::Into::into)
            };
            quote! {
                impl ::durable::Fetch for #self_ty {
                    async fn fetch(&self, request: ::durable::Request) -> ::durable::Result<::durable::Response> {
                        #call
                    }
                }
            }
        }
    }
}

/// The method on the Wasm-side glue type that the JavaScript class calls for
/// this event.
pub fn glue_method(kind: HandlerKind) -> TokenStream {
    match kind {
        HandlerKind::Alarm => quote! {
            pub fn alarm(
                &self,
                info: ::durable::__private::wasm_bindgen::JsValue,
                call: u32,
            ) -> ::durable::__private::js_sys::Promise {
                self.instance.alarm(info, call)
            }
        },
        HandlerKind::Fetch => quote! {
            pub fn fetch(
                &self,
                request: ::durable::__private::web_sys::Request,
                call: u32,
            ) -> ::durable::__private::js_sys::Promise {
                self.instance.fetch(request, call)
            }
        },
    }
}
