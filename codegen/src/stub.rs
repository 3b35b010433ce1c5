//! The typed Rust stubs that callers use: `<Name>Stub` of a Durable Object
//! class (with `impl durable::rpc::Class`), and the stub methods shared with
//! the stubs of capabilities.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::rpc::{Output, RpcMethod};

/// What the class behind a typed stub is known to have, beyond its RPC methods.
pub struct StubClass<'a> {
    /// The Rust type named in `Namespace<T>`.
    pub self_ty: &'a syn::Type,
    /// An expression for `durable::rpc::Class::BINDING`.
    pub binding: TokenStream,
    /// Whether the class has a `fetch` handler (unknown, so `true`, for a
    /// class written elsewhere). Without one, the stub's `fetch` methods fail
    /// to compile, saying why.
    pub fetch: bool,
}

/// The typed stub `<Name>Stub`, and `impl durable::rpc::Class`.
pub fn stub(methods: &[RpcMethod], class: &Ident, target: &StubClass) -> TokenStream {
    let self_ty = target.self_ty;
    let binding = &target.binding;
    let stub = format_ident!("{}Stub", class);
    let test_stub = crate::host_stub::test_stub_impl(&stub);
    // The `.d.ts` name of the stub, where a method takes or returns one.
    let ts_name = stub.to_string();
    let ts_record = crate::meta::TsRecord { name: ts_name.clone(), decl: format!("export type {ts_name} = DurableObjectStub;"), refs: Default::default() };
    let ts_alias = crate::meta::emit(&format!("__DURABLE_TS_{ts_name}"), crate::meta::Record::Ts(ts_record));
    let doc = format!(
        "Typed RPC stub for the Durable Object class [`{class}`]: the same methods, called remotely.\n\n\
         Get one from a `durable::rpc::Namespace<{class}>`."
    );
    let methods = methods.iter().map(|m| stub_method(m, &format!("the object (Rust method `{class}::{}`)", m.ident), true));
    let fetch = if target.fetch {
        quote! {
            /// Sends an HTTP request to the object's `fetch` handler.
            pub async fn fetch(&self, request: ::durable::Request) -> ::durable::Result<::durable::Response> {
                self.raw.fetch(request).await
            }

            /// Sends the object's `fetch` handler a request for `url` built
            /// from `init` (method, headers, body): JavaScript's
            /// `stub.fetch(url, init)`.
            pub async fn fetch_url(&self, url: &str, init: &::durable::worker::RequestInit) -> ::durable::Result<::durable::Response> {
                self.raw.fetch_url(url, init).await
            }

            /// Forwards `request` to the object's `fetch` handler at `url`,
            /// with its method, headers and body.
            pub async fn forward(&self, request: ::durable::Request, url: &str) -> ::durable::Result<::durable::Response> {
                self.raw.forward(request, url).await
            }
        }
    } else {
        // Present only to fail with a message naming the missing handler
        // (a missing method would only say "no method named `fetch`").
        let no_fetch = quote!(::durable::rpc::NoFetchHandler<#self_ty>);
        let body = quote!(::core::unreachable!("{} has no fetch handler", ::core::stringify!(#self_ty)));
        // Not `async`: a concrete future type keeps the compiler from
        // repeating the error for the future and the `.await`.
        let ret = quote!(::core::future::Ready<::durable::Result<::durable::Response>>);
        quote! {
            #[doc(hidden)]
            pub fn fetch<R: #no_fetch>(&self, _request: R) -> #ret {
                #body
            }

            #[doc(hidden)]
            pub fn fetch_url<I: #no_fetch>(&self, _url: &str, _init: I) -> #ret {
                #body
            }

            #[doc(hidden)]
            pub fn forward<R: #no_fetch>(&self, _request: R, _url: &str) -> #ret {
                #body
            }
        }
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        pub struct #stub {
            raw: ::durable::rpc::Stub,
        }

        impl ::core::convert::From<::durable::rpc::Stub> for #stub {
            fn from(raw: ::durable::rpc::Stub) -> Self {
                Self { raw }
            }
        }

        #test_stub

        #ts_alias

        // A stub crosses RPC as the JavaScript stub (a method may return one).
        impl ::durable::__private::serde::Serialize for #stub {
            fn serialize<S: ::durable::__private::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                ::durable::__private::serde::Serialize::serialize(&self.raw, serializer)
            }
        }

        impl<'de> ::durable::__private::serde::Deserialize<'de> for #stub {
            fn deserialize<D: ::durable::__private::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                <::durable::rpc::Stub as ::durable::__private::serde::Deserialize<'de>>::deserialize(deserializer).map(Self::from)
            }
        }

        impl ::durable::rpc::Class for #self_ty {
            type Stub = #stub;
            const BINDING: &'static str = #binding;
        }

        #[allow(dead_code)]
        impl #stub {
            /// The untyped stub underneath.
            pub fn raw(&self) -> &::durable::rpc::Stub {
                &self.raw
            }

            #fetch

            #(#methods)*
        }
    }
}

/// One method of a typed stub, whose `raw` field has `call` and `as_raw`
/// (a `durable::rpc::Stub` or `durable::rpc::RemoteCapability`); `callee`
/// says where the call goes, for its rustdoc.
/// One method of a typed stub; `host`: whether it also has the body a
/// `cargo test` outside Wasm runs (Durable Object stubs do; capabilities not).
pub fn stub_method(m: &RpcMethod, callee: &str, host: bool) -> TokenStream {
    let ident = &m.ident;
    let js_name = &m.js_name;
    let params = m.args.iter().map(|(name, ty)| quote! { #name: #ty });
    let encode = m.args.iter().enumerate().map(|(i, (name, ty))| {
        let position = i as u32 + 1;
        let label = name.to_string();
        quote_spanned! {ty.span()=> ::durable::rpc::arg_to_js(#js_name, #position, #label, &#name)? }
    });
    let (ret, call) = match &m.output {
        Output::Unit => (quote!(()), quote!(self.raw.call::<()>(#js_name, args).await)),
        Output::Value(ty) | Output::Result(ty) => (quote!(#ty), quote!(self.raw.call::<#ty>(#js_name, args).await)),
        Output::Capability { target: ty, .. } => (
            quote!(<#ty as ::durable::rpc::Target>::Stub),
            quote! {
                ::durable::rpc::call_capability::<#ty>(self.raw.as_raw(), #js_name, args).await
            },
        ),
    };
    let doc = format!("Calls `{js_name}` on {callee}.");
    let docs = &m.docs;
    // The method's own rustdoc first, then where the call goes.
    let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
    let wasm = match (&m.output, m.wire_method()) {
        // A Durable Object's method: in the wire format (`durable::rpc`'s
        // binary form of a call between two objects of the SDK), or in the
        // structured form where the callee or a value has no binary form.
        (Output::Unit | Output::Value(_) | Output::Result(_), Some(hidden)) if host => {
            let names = m.args.iter().map(|(name, _)| name);
            quote! {
                let mut wire = ::durable::rpc::WireArgs::new();
                #(wire.push(&#names);)*
                self.raw
                    .call_wire::<#ret>(#js_name, #hidden, wire, || ::core::result::Result::Ok(::std::vec![#(#encode),*]))
                    .await
            }
        }
        _ => quote! {
            let args = ::std::vec![#(#encode),*];
            #call
        },
    };
    // Outside Wasm (a `cargo test` with `durable::testing`), every call goes
    // through the test runtime, capabilities too.
    let _ = host;
    let handed_out = match &m.output {
        Output::Capability { target, .. } => Some(target),
        _ => None,
    };
    let body = crate::host_stub::method_body(m, &ret, handed_out, wasm);
    // The type as written (an alias, say) is named in both targets' code.
    let written = match &m.output {
        Output::Capability { written, .. } => Some(quote!(let _: ::core::marker::PhantomData<#written> = ::core::marker::PhantomData;)),
        _ => None,
    };
    let body = quote!(#written #body);
    let method = quote! {
        #(#docs)*
        #separator
        #[doc = #doc]
        pub async fn #ident(&self, #(#params),*) -> ::core::result::Result<#ret, ::durable::rpc::RpcError> {
            #body
        }
    };
    let Output::Capability { target: ty, .. } = &m.output else { return method };
    // Promise pipelining: the capability's stub before the call has answered.
    let pipelined = format_ident!("{}_pipelined", ident);
    let params = m.args.iter().map(|(name, ty)| quote! { #name: #ty });
    let encode = m.args.iter().enumerate().map(|(i, (name, ty))| {
        let position = i as u32 + 1;
        let label = name.to_string();
        quote_spanned! {ty.span()=> ::durable::rpc::arg_to_js(#js_name, #position, #label, &#name)? }
    });
    let wasm = quote! {
        let args = ::std::vec![#(#encode),*];
        ::durable::rpc::call_pipelined::<#ty>(self.raw.as_raw(), #js_name, args)
    };
    let pipelined_body = crate::host_stub::pipelined_body(m, ty, wasm);
    let doc = format!(
        "Calls `{js_name}` on {callee} without waiting for its answer: the stub it returns \
         sends its calls along with this one (promise pipelining, one round trip). If `{js_name}` \
         fails, those calls fail with its error."
    );
    quote! {
        #method

        #[doc = #doc]
        pub fn #pipelined(&self, #(#params),*) -> ::core::result::Result<<#ty as ::durable::rpc::Target>::Stub, ::durable::rpc::RpcError> {
            #pipelined_body
        }
    }
}
