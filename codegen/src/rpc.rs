//! Public methods of the impl block as JS RPC methods: the model, the checks,
//! the Wasm-side glue that decodes arguments and encodes results, and the
//! typed Rust stub that callers use.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use std::collections::BTreeSet;

use crate::attr::camel_case;
use crate::ctxt::Ctxt;
use crate::ts;

/// Names an RPC method may not take in JavaScript, and why: the runtime's
/// handler names, what every Durable Object stub already has (a call by that
/// name never reaches the object), and what every object already has.
const RESERVED: &[(&str, &str)] = &[
    ("fetch", "a handler"),
    ("alarm", "a handler"),
    ("webSocketMessage", "a handler"),
    ("webSocketClose", "a handler"),
    ("webSocketError", "a handler"),
    ("connect", "every Durable Object stub has its own `connect`, which opens a TCP socket, so a call would never reach this method"),
    ("dup", "every Durable Object stub has its own `dup`, which duplicates the stub"),
    ("id", "every Durable Object stub has an `id` property (the object's id), so a call would never reach this method"),
    ("name", "every Durable Object stub has a `name` property (the name it was got by), so a call would never reach this method"),
    ("then", "awaiting a stub would call it"),
    ("constructor", "every JavaScript class has one"),
    ("ctx", "every Durable Object has this field"),
    ("env", "every Durable Object has this field"),
    ("free", "wasm-bindgen's method that frees the Rust object"),
];

/// Why the runtime has `js_name`, if it does.
pub fn reserved(js_name: &str) -> Option<&'static str> {
    if js_name.starts_with("__") {
        return Some("names starting with `__` are the generated code's");
    }
    RESERVED.iter().find(|(name, _)| *name == js_name).map(|(_, why)| *why)
}

/// One RPC method.
pub struct RpcMethod {
    /// The Rust method.
    pub ident: Ident,
    /// The JavaScript name.
    pub js_name: String,
    /// Arguments after `&self`: (name, type).
    pub args: Vec<(Ident, syn::Type)>,
    /// Whether the method is `async`.
    pub is_async: bool,
    /// What it returns.
    pub output: Output,
    /// Its rustdoc (`#[doc]` attributes), repeated on the stub's method.
    pub docs: Vec<syn::Attribute>,
}

/// The shape of an RPC method's result, read from its signature.
pub enum Output {
    /// Nothing (`()`).
    Unit,
    /// A plain value.
    Value(syn::Type),
    /// `Result<T, E>` (any type whose last path segment is `Result`): `T` is
    /// what the caller gets; `Err` is thrown with `E`'s message.
    Result(syn::Type),
    /// `Capability<T>`, or `Result<Capability<T>, E>`: a live object of the
    /// `#[durable::rpc_target]` type `T` (see [`crate::target`]).
    Capability {
        /// `T`.
        target: syn::Type,
        /// Whether it is wrapped in a `Result`.
        in_result: bool,
        /// `Capability<T>` as written (so that its import counts as used).
        written: Box<syn::Type>,
    },
}

impl RpcMethod {
    /// Builds and checks the model of a public method; `None` if the method
    /// cannot be an RPC method (the reason is recorded in `cx`).
    pub fn from_sig(cx: &Ctxt, sig: &syn::Signature, js_name: Option<(String, Span)>) -> Option<Self> {
        Self::from_sig_with(cx, sig, js_name, reserved)
    }

    /// [`from_sig`](Self::from_sig) with the names `reserved` says the
    /// callee's kind of stub already has.
    pub fn from_sig_with(
        cx: &Ctxt,
        sig: &syn::Signature,
        js_name: Option<(String, Span)>,
        reserved: fn(&str) -> Option<&'static str>,
    ) -> Option<Self> {
        let name = sig.ident.to_string();
        let mut ok = true;
        match sig.receiver() {
            Some(r) if r.reference.is_some() && r.mutability.is_none() => {}
            Some(r) if r.mutability.is_some() => {
                cx.error_spanned_by(
                    r,
                    format!(
                        "the RPC method `{name}` takes `&self`, not `&mut self`: calls interleave while one awaits, \
                         so keep mutable state in `Cell` or `RefCell` fields (or make the method private)"
                    ),
                );
                ok = false;
            }
            _ => return None, // no `&self`: an associated function, not a method of the object
        }
        if !sig.generics.params.is_empty() {
            cx.error_spanned_by(
                &sig.generics,
                format!("the RPC method `{name}` cannot be generic: its argument and result types must be known to convert them (or make the method private)"),
            );
            ok = false;
        }
        let mut args = Vec::new();
        for (i, input) in sig.inputs.iter().enumerate() {
            let syn::FnArg::Typed(pat_type) = input else { continue };
            let ident = match &*pat_type.pat {
                syn::Pat::Ident(p) => Ident::new(p.ident.to_string().trim_start_matches('_'), p.ident.span()),
                _ => format_ident!("arg{}", i),
            };
            let ident = if ident == "self" || ident.to_string().is_empty() { format_ident!("arg{}", i) } else { ident };
            match &*pat_type.ty {
                syn::Type::Reference(r) => {
                    cx.error_spanned_by(
                        r,
                        format!(
                            "RPC arguments arrive by value: take an owned type here (`String` for `&str`, `Vec<T>` for `&[T]`) in `{name}`"
                        ),
                    );
                    ok = false;
                }
                syn::Type::ImplTrait(t) => {
                    cx.error_spanned_by(t, format!("the RPC method `{name}` cannot take `impl Trait`: name a concrete type"));
                    ok = false;
                }
                _ => {}
            }
            args.push((ident, (*pat_type.ty).clone()));
        }
        let js_name = match js_name {
            Some((js, _)) => js,
            None => camel_case(&name),
        };
        if let Some(why) = reserved(&js_name) {
            cx.error_at(
                sig.ident.span(),
                format!(
                    "the RPC name `{js_name}` of `{name}` is taken by the runtime ({why}): rename the method, choose another name with #[durable(name = \"..\")], or keep it out of RPC with #[durable(skip)]"
                ),
            );
            ok = false;
        }
        let output = match &sig.output {
            syn::ReturnType::Default => Output::Unit,
            syn::ReturnType::Type(_, ty) => classify_output(ty),
        };
        ok.then(|| RpcMethod { ident: sig.ident.clone(), js_name, args, is_async: sig.asyncness.is_some(), output, docs: Vec::new() })
    }

    /// Name of the Wasm-side glue method.
    pub fn glue_ident(&self) -> Ident {
        format_ident!("__rpc_{}", self.ident)
    }

    /// The TypeScript signature, e.g. `increment(amount: number): Promise<number>`.
    /// Trailing `Option` arguments are optional. Named types go into `refs`.
    pub fn ts_signature(&self, refs: &mut BTreeSet<String>) -> String {
        let required = self.args.iter().rposition(|(_, ty)| ts::option_inner(ty).is_none()).map_or(0, |i| i + 1);
        let params: Vec<String> = self
            .args
            .iter()
            .enumerate()
            .map(|(i, (name, ty))| match ts::option_inner(ty) {
                Some(inner) if i >= required => format!("{}?: {}", camel_case(&name.to_string()), ts::ts_type(inner, &[], refs)),
                _ => format!("{}: {}", camel_case(&name.to_string()), ts::ts_type(ty, &[], refs)),
            })
            .collect();
        let result = match &self.output {
            Output::Unit => "void".to_owned(),
            Output::Value(ty) | Output::Result(ty) | Output::Capability { target: ty, .. } => ts::ts_type(ty, &[], refs),
        };
        let result = if result == "null" { "void".to_owned() } else { result };
        format!("{}({}): Promise<{result}>", self.js_name, params.join(", "))
    }
}

/// Whether `ty` is `()`.
fn is_unit(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Tuple(t) if t.elems.is_empty())
}

fn classify_output(ty: &syn::Type) -> Output {
    if is_unit(ty) {
        return Output::Unit;
    }
    if let syn::Type::Path(p) = ty {
        if let Some(last) = p.path.segments.last() {
            if last.ident == "Result" {
                if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                    if let Some(syn::GenericArgument::Type(ok)) = a.args.first() {
                        return match capability_inner(ok) {
                            Some(target) => Output::Capability { target, in_result: true, written: Box::new(ok.clone()) },
                            None => Output::Result(ok.clone()),
                        };
                    }
                }
            }
        }
    }
    match capability_inner(ty) {
        Some(target) => Output::Capability { target, in_result: false, written: Box::new(ty.clone()) },
        None => Output::Value(ty.clone()),
    }
}

/// `T` of `Capability<T>` (any path whose last segment is `Capability`).
fn capability_inner(ty: &syn::Type) -> Option<syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Capability" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else { return None };
    match a.args.first()? {
        syn::GenericArgument::Type(target) if a.args.len() == 1 => Some(target.clone()),
        _ => None,
    }
}

/// The glue method the JavaScript class calls for this RPC method.
pub fn glue_method(method: &RpcMethod, self_ty: &syn::Type) -> TokenStream {
    let glue = method.glue_ident();
    let export = glue.to_string();
    let ident = &method.ident;
    let rust_name = ident.to_string();
    let arity = method.args.len() as u32;
    let decode = method.args.iter().map(|(name, ty)| {
        let label = name.to_string();
        quote_spanned! {ty.span()=> let #name: #ty = args.next(#label)?; }
    });
    let names = method.args.iter().map(|(name, _)| name);
    let call = quote! { <#self_ty>::#ident(&*object, #(#names),*) };
    let call = if method.is_async { quote!(#call.await) } else { call };
    let encode = match &method.output {
        Output::Unit => quote! { let () = #call; ::core::result::Result::Ok(::durable::__private::wasm_bindgen::JsValue::UNDEFINED) },
        Output::Value(ty) => quote_spanned! {ty.span()=> ::durable::rpc::value_to_js(#rust_name, &#call) },
        // `Ok(())` resolves to `undefined`, as a JavaScript method that returns nothing.
        Output::Result(ty) if is_unit(ty) => quote_spanned! {ty.span()=> ::durable::rpc::unit_result_to_js(#call) },
        Output::Result(ty) => quote_spanned! {ty.span()=> ::durable::rpc::result_to_js(#rust_name, #call) },
        Output::Capability { target: ty, in_result: false, .. } => quote_spanned! {ty.span()=> ::durable::rpc::capability_to_js::<#ty>(#call) },
        Output::Capability { target: ty, in_result: true, .. } => quote_spanned! {ty.span()=> ::durable::rpc::capability_result_to_js::<#ty, _>(#call) },
    };
    if !method.is_async {
        // A method that never awaits runs to completion in the call itself.
        return quote! {
            #[wasm_bindgen(js_name = #export)]
            pub fn #glue(
                &self,
                args: ::durable::__private::js_sys::Array,
                call: u32,
            ) -> ::core::result::Result<::durable::__private::wasm_bindgen::JsValue, ::durable::__private::wasm_bindgen::JsValue> {
                self.instance.rpc_sync(call, move |object| {
                    let mut args = ::durable::rpc::Args::new(#rust_name, #arity, args);
                    #(#decode)*
                    args.finish()?;
                    #encode
                })
            }
        };
    }
    quote! {
        #[wasm_bindgen(js_name = #export)]
        pub fn #glue(
            &self,
            args: ::durable::__private::js_sys::Array,
            call: u32,
        ) -> ::core::result::Result<::durable::__private::wasm_bindgen::JsValue, ::durable::__private::wasm_bindgen::JsValue> {
            self.instance.rpc(call, move |object| async move {
                let mut args = ::durable::rpc::Args::new(#rust_name, #arity, args);
                #(#decode)*
                args.finish()?;
                #encode
            })
        }
    }
}

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
        Output::Capability { target: ty, written, .. } => (
            quote!(<#ty as ::durable::rpc::Target>::Stub),
            quote! {
                let _: ::core::marker::PhantomData<#written> = ::core::marker::PhantomData;
                ::durable::rpc::call_capability::<#ty>(self.raw.as_raw(), #js_name, args).await
            },
        ),
    };
    let doc = format!("Calls `{js_name}` on {callee}.");
    let docs = &m.docs;
    // The method's own rustdoc first, then where the call goes.
    let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
    let wasm = quote! {
        let args = ::std::vec![#(#encode),*];
        #call
    };
    // Outside Wasm (a `cargo test` with `durable::testing`), a plain value
    // goes through the test runtime; capabilities are Wasm-only.
    let body = match &m.output {
        Output::Capability { .. } => wasm,
        _ if !host => wasm,
        _ => crate::host_stub::method_body(m, &ret, wasm),
    };
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
    let doc = format!(
        "Calls `{js_name}` on {callee} without waiting for its answer: the stub it returns \
         sends its calls along with this one (promise pipelining, one round trip). If `{js_name}` \
         fails, those calls fail with its error."
    );
    quote! {
        #method

        #[doc = #doc]
        pub fn #pipelined(&self, #(#params),*) -> ::core::result::Result<<#ty as ::durable::rpc::Target>::Stub, ::durable::rpc::RpcError> {
            let args = ::std::vec![#(#encode),*];
            ::durable::rpc::call_pipelined::<#ty>(self.raw.as_raw(), #js_name, args)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reserved;
    use crate::handler::HandlerKind;

    #[test]
    fn reserved_names() {
        for name in ["fetch", "alarm", "webSocketMessage", "webSocketClose", "webSocketError"] {
            assert_eq!(reserved(name), Some("a handler"), "{name}");
        }
        // Every handler's JavaScript name is reserved.
        for kind in HandlerKind::ALL {
            assert_eq!(reserved(&crate::attr::camel_case(kind.name())), Some("a handler"), "{kind:?}");
        }
        assert!(reserved("connect").unwrap().contains("TCP socket"));
        for name in ["dup", "id", "name", "then", "constructor", "ctx", "env", "free", "__rpc_increment", "__wbg_ptr"] {
            assert!(reserved(name).is_some(), "{name}");
        }
        for name in ["increment", "getCounterValue", "connectTo", "Connect", "_connect", "fetchAll", "getName", "idOf"] {
            assert_eq!(reserved(name), None, "{name}");
        }
    }
}
