//! `#[durable::rpc_target]` on an impl block: the type's values can be handed
//! out over JS RPC as capabilities (`durable::rpc::Capability<T>`), live
//! objects whose public `&self` methods the caller calls remotely.
//!
//! ```ignore
//! #[durable::rpc_target]
//! impl Session {
//!     pub fn user(&self) -> String { .. }
//!     pub async fn put(&self, name: String, body: Bytes) -> Result<()> { .. }
//! }
//! // generates: a Wasm-side handle type whose glue methods run those calls
//! // (as a Durable Object's RPC methods run), `impl durable::rpc::Target for
//! // Session`, and the typed stub `SessionStub` a Rust caller receives.
//! ```
//!
//! The JavaScript runtime wraps each handle in an `RpcTarget` whose methods
//! call into the Wasm instance that made it (see `cli/js/runtime.mjs`).
//!
//! On a trait, it declares the interface of a capability written elsewhere
//! (a JavaScript `RpcTarget`), for Rust callers: a marker type for
//! `Capability<T>` in `#[durable_object]` traits, and its typed stub.
//!
//! ```ignore
//! #[durable::rpc_target]
//! pub trait JsSession {
//!     async fn user(&self) -> String;
//! }
//! // becomes `pub enum JsSession {}` (`impl durable::rpc::Target`) and
//! // `pub struct JsSessionStub` with `user`.
//! ```

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::spanned::Spanned;

use crate::attr::take_method_attrs;
use crate::ctxt::{to_compile_errors, Ctxt};
use crate::meta;
use crate::rpc::{self, RpcMethod};

/// Names a capability's method may not take: what every RPC stub has, what
/// awaiting it calls, and the generated code's own.
pub fn reserved(js_name: &str) -> Option<&'static str> {
    if js_name.starts_with("__") {
        return Some("names starting with `__` are the generated code's");
    }
    match js_name {
        "dup" => Some("every RPC stub has its own `dup`, which duplicates the stub"),
        "then" => Some("awaiting a stub would call it"),
        "constructor" => Some("every JavaScript class has one"),
        "free" => Some("wasm-bindgen's method that frees the Rust value"),
        _ => None,
    }
}

/// Entry point of the attribute.
pub fn rpc_target(args: TokenStream, item: TokenStream) -> TokenStream {
    let result = match syn::parse2::<syn::Item>(item) {
        Ok(syn::Item::Impl(item)) => expand(args, item),
        Ok(syn::Item::Trait(item)) => expand_trait(args, item),
        Ok(other) => Err(vec![syn::Error::new(
            other.span(),
            "#[durable::rpc_target] goes on the inherent impl block of a type (`impl Session { .. }`), whose public `&self` \
             methods become callable over RPC, or on a trait declaring a capability written elsewhere",
        )]),
        Err(e) => Err(vec![e]),
    };
    result.unwrap_or_else(to_compile_errors)
}

/// A trait: the interface of a capability written elsewhere, for callers.
pub fn expand_trait(args: TokenStream, mut item: syn::ItemTrait) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    if !args.is_empty() {
        cx.error_spanned_by(&args, "#[durable::rpc_target] takes no arguments");
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(&item.generics, "a capability interface cannot be generic");
    }
    let mut methods: Vec<RpcMethod> = Vec::new();
    for trait_item in &mut item.items {
        let syn::TraitItem::Fn(f) = trait_item else {
            cx.error_spanned_by(trait_item, "a capability interface lists methods only");
            continue;
        };
        let attrs = take_method_attrs(&cx, &mut f.attrs);
        if let Some((_, span)) = attrs.role {
            cx.error_at(span, "a capability has no constructor or handlers: only its methods are callable");
        }
        if f.sig.receiver().is_none() {
            cx.error_spanned_by(&f.sig.ident, "a capability interface method takes `&self`: it is called on one capability");
            continue;
        }
        if let Some(mut method) = RpcMethod::from_sig_with(&cx, &f.sig, attrs.name, reserved) {
            method.docs = crate::attr::doc_attrs(&f.attrs);
            if methods.iter().any(|m| m.js_name == method.js_name) {
                cx.error_spanned_by(&f.sig.ident, format!("two methods would be the RPC method `{}`", method.js_name));
            } else {
                methods.push(method);
            }
        }
    }
    cx.check()?;
    let vis = &item.vis;
    let ident = &item.ident;
    let attrs = &item.attrs;
    let name = ident.to_string();
    let stub_ident = format_ident!("{}Stub", ident);
    let stub = stub_struct(ident, &methods);
    Ok(quote! {
        #(#attrs)*
        ///
        /// A capability written elsewhere, as declared by a
        /// `#[durable::rpc_target]` trait: name it in `Capability<ThisType>`
        /// results of `#[durable_object]` traits to get a typed stub.
        #vis enum #ident {}

        impl ::durable::rpc::Target for #ident {
            type Stub = #stub_ident;
            const NAME: &'static str = #name;
            const METHODS: &'static [(&'static str, &'static str)] = &[];

            fn __into_handle(value: ::std::rc::Rc<Self>) -> ::durable::__private::wasm_bindgen::JsValue {
                match *value {}
            }
        }

        #stub
    })
}

/// Checks the impl block and generates the handle, the `Target` impl and the stub.
pub fn expand(args: TokenStream, mut item: syn::ItemImpl) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    if !args.is_empty() {
        cx.error_spanned_by(&args, "#[durable::rpc_target] takes no arguments");
    }
    if let Some((_, path, _)) = &item.trait_ {
        cx.error_spanned_by(path, "#[durable::rpc_target] goes on the type's inherent impl block, not on a trait impl");
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(&item.generics, "a capability type cannot be generic: the JavaScript side needs one concrete type");
    }
    let ident = type_ident(&cx, &item.self_ty);
    let mut methods: Vec<RpcMethod> = Vec::new();
    for impl_item in &mut item.items {
        let syn::ImplItem::Fn(f) = impl_item else { continue };
        let attrs = take_method_attrs(&cx, &mut f.attrs);
        if let Some((_, span)) = attrs.role {
            cx.error_at(span, "a capability has no constructor or handlers: only its public `&self` methods are callable");
        }
        let public = matches!(f.vis, syn::Visibility::Public(_));
        if !public || attrs.skip.is_some() {
            if let Some((_, span)) = attrs.name {
                cx.error_at(span, "#[durable(name = ..)] names an RPC method, and only `pub` methods without #[durable(skip)] are RPC methods");
            }
            continue;
        }
        if let Some(mut method) = RpcMethod::from_sig_with(&cx, &f.sig, attrs.name, reserved) {
            method.docs = crate::attr::doc_attrs(&f.attrs);
            if let Some(first) = methods.iter().find(|m| m.js_name == method.js_name) {
                cx.error_spanned_by(
                    &f.sig.ident,
                    format!(
                        "`{}` and `{}` would both be the RPC method `{}`: choose another name with #[durable(name = \"..\")]",
                        first.ident, method.ident, method.js_name
                    ),
                );
            } else {
                methods.push(method);
            }
        }
    }
    cx.check()?;
    Ok(generate(&item, &ident, &methods))
}

fn type_ident(cx: &Ctxt, ty: &syn::Type) -> Ident {
    if let syn::Type::Path(p) = ty {
        if p.qself.is_none() {
            if let Some(last) = p.path.segments.last() {
                if !last.arguments.is_empty() {
                    cx.error_spanned_by(&last.arguments, "a capability type cannot be generic: the JavaScript side needs one concrete type");
                }
                return last.ident.clone();
            }
        }
    }
    cx.error_spanned_by(ty, "#[durable::rpc_target] expects `impl MyType { .. }` for a named type");
    Ident::new("__DurableInvalid", ty.span())
}

fn generate(item: &syn::ItemImpl, ident: &Ident, methods: &[RpcMethod]) -> TokenStream {
    let self_ty = &item.self_ty;
    let name = ident.to_string();
    let handle = format_ident!("__DurableTarget{}", ident);
    let export = format!("__durable_target_{ident}");
    let glue_methods = methods.iter().map(|m| rpc::glue_method(m, self_ty));
    let table = methods.iter().map(|m| {
        let js = &m.js_name;
        let glue = m.glue_ident().to_string();
        quote!((#js, #glue))
    });
    let stub_ident = format_ident!("{}Stub", ident);
    let stub = stub_struct(ident, methods);
    // The .d.ts: callers see an interface of the methods, disposable as
    // every RPC stub is.
    let mut refs = std::collections::BTreeSet::new();
    let signatures: Vec<String> = methods.iter().map(|m| format!("  {};", m.ts_signature(&mut refs))).collect();
    let decl = format!("export interface {name} extends Disposable {{\n{}\n}}", signatures.join("\n"));
    let record = meta::ts_record(&name, &decl, &refs);
    let meta_static = meta::emit(&format!("__DURABLE_TS_{ident}"), &record);
    quote! {
        #item

        const _: () = {
            use ::durable::__private::wasm_bindgen;
            use ::durable::__private::wasm_bindgen::prelude::wasm_bindgen;

            // The Wasm side of one handed-out value. The JavaScript runtime
            // keeps it out of reach of callers (it wraps it in an RpcTarget).
            #[doc(hidden)]
            #[wasm_bindgen(wasm_bindgen = ::durable::__private::wasm_bindgen, js_name = #export)]
            pub struct #handle {
                instance: ::durable::rpc::Held<#self_ty>,
            }

            #[wasm_bindgen(wasm_bindgen = ::durable::__private::wasm_bindgen, js_class = #export)]
            impl #handle {
                #(#glue_methods)*
            }

            impl ::durable::rpc::Target for #self_ty {
                type Stub = #stub_ident;
                const NAME: &'static str = #name;
                const METHODS: &'static [(&'static str, &'static str)] = &[#(#table),*];

                fn __into_handle(value: ::std::rc::Rc<Self>) -> wasm_bindgen::JsValue {
                    #handle { instance: ::durable::rpc::Held::new(value) }.into()
                }
            }
        };

        #stub

        #meta_static
    }
}

/// The typed stub `<Name>Stub` a caller holds.
fn stub_struct(ident: &Ident, methods: &[RpcMethod]) -> TokenStream {
    let name = ident.to_string();
    let stub = format_ident!("{}Stub", ident);
    let stub_doc = format!(
        "Typed stub of a [`{name}`] capability held by a caller: the same methods, called remotely. \
         Dropping it disposes the capability on the other side."
    );
    let stub_methods = methods.iter().map(|m| stub_method(m, &name));
    quote! {
        #[doc = #stub_doc]
        #[derive(Debug)]
        pub struct #stub {
            raw: ::durable::rpc::RemoteCapability,
        }

        impl ::core::convert::From<::durable::rpc::RemoteCapability> for #stub {
            fn from(raw: ::durable::rpc::RemoteCapability) -> Self {
                Self { raw }
            }
        }

        #[allow(dead_code)]
        impl #stub {
            /// The untyped capability underneath.
            pub fn raw(&self) -> &::durable::rpc::RemoteCapability {
                &self.raw
            }

            /// A second owner of the same capability: the value lives until
            /// both are dropped.
            pub fn dup(&self) -> ::core::result::Result<Self, ::durable::rpc::RpcError> {
                self.raw.dup().map(Self::from)
            }

            /// Disposes the capability now (what dropping it does).
            pub fn dispose(self) {}

            #(#stub_methods)*
        }
    }
}

fn stub_method(m: &RpcMethod, name: &str) -> TokenStream {
    rpc::stub_method(m, &format!("the capability (Rust method `{name}::{}`)", m.ident), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn errors(item: TokenStream) -> Vec<String> {
        match expand(quote!(), syn::parse2(item).unwrap()) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn methods_become_glue_and_stub_methods() {
        let code = expand(
            quote!(),
            syn::parse2(quote! {
                impl Session {
                    pub fn user(&self) -> String { todo!() }
                    pub async fn name(&self) -> u32 { 0 }
                    fn private(&self) {}
                    pub fn open(&self) -> Capability<Session> { todo!() }
                }
            })
            .unwrap(),
        )
        .ok()
        .unwrap()
        .to_string();
        assert!(code.contains("js_name = \"__durable_target_Session\""), "{code}");
        assert!(code.contains("(\"user\" , \"__rpc_user\")"), "{code}");
        // `name` is no Durable Object stub's property here: a capability may have it.
        assert!(code.contains("(\"name\" , \"__rpc_name\")"), "{code}");
        assert!(!code.contains("__rpc_private"), "{code}");
        assert!(code.contains("pub struct SessionStub"), "{code}");
        assert!(code.contains(":: durable :: rpc :: call_capability :: < Session >"), "{code}");
        assert!(code.contains(":: durable :: rpc :: capability_to_js :: < Session >"), "{code}");
    }

    #[test]
    fn a_trait_declares_a_capability_written_elsewhere() {
        let code = expand_trait(
            quote!(),
            syn::parse2(quote! {
                pub trait JsSession {
                    async fn user(&self) -> String;
                    async fn child(&self) -> Capability<JsSession>;
                }
            })
            .unwrap(),
        )
        .ok()
        .unwrap()
        .to_string();
        assert!(code.contains("pub enum JsSession { }"), "{code}");
        assert!(code.contains("type Stub = JsSessionStub"), "{code}");
        assert!(code.contains("pub struct JsSessionStub"), "{code}");
        assert!(code.contains("pub fn child_pipelined"), "{code}");
        assert!(!code.contains("wasm_bindgen (wasm_bindgen"), "no handle for a capability written elsewhere: {code}");
        let errors = match expand_trait(quote!(), syn::parse2(quote! { pub trait Bad { fn free() -> u32; const X: u32; } }).unwrap()) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(|e| e.to_string()).collect(),
        };
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn misuse_is_named() {
        let e = errors(quote! { impl Session { pub fn set(&mut self) {} } });
        assert!(e[0].contains("takes `&self`, not `&mut self`"), "{e:?}");
        let e = errors(quote! { impl Session { pub fn then(&self) {} } });
        assert!(e[0].contains("awaiting a stub would call it"), "{e:?}");
        let e = errors(quote! { impl<T> Holder<T> { pub fn get(&self) {} } });
        assert!(e[0].contains("cannot be generic"), "{e:?}");
        let e = errors(quote! { impl Clone for Session { fn clone(&self) -> Self { todo!() } } });
        assert!(e[0].contains("not on a trait impl"), "{e:?}");
        let e = errors(quote! { impl Session { #[durable(fetch)] pub async fn fetch(&self) {} } });
        assert!(e[0].contains("no constructor or handlers"), "{e:?}");
    }
}
