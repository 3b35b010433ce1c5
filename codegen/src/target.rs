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

use crate::model::ctxt::{to_compile_errors, Ctxt};
use crate::model::rpc::RpcMethod;
use crate::model::target::{TargetImpl, TargetTrait};
use crate::{meta, rpc, ts};

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
pub fn expand_trait(args: TokenStream, item: syn::ItemTrait) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    let model = TargetTrait::from_ast(&cx, args, item);
    cx.check()?;
    let TargetTrait { item, methods } = &model;
    let vis = &item.vis;
    let ident = &item.ident;
    let attrs = &item.attrs;
    let name = ident.to_string();
    let stub_ident = format_ident!("{}Stub", ident);
    let stub = stub_struct(ident, methods);
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
pub fn expand(args: TokenStream, item: syn::ItemImpl) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    let model = TargetImpl::from_ast(&cx, args, item);
    cx.check()?;
    Ok(generate(&model.item, &model.ident, &model.methods))
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
    let signatures: Vec<String> = methods.iter().map(|m| format!("  {};", ts::method_signature(m, &mut refs))).collect();
    // `dup()`: every stub has it (a caller passing a stub keeps its own by passing a dup).
    let decl = format!("export interface {name} extends Disposable {{\n  dup(): {name};\n{}\n}}", signatures.join("\n"));
    let record = meta::TsRecord { name: name.clone(), decl, refs };
    let meta_static = meta::emit(&format!("__DURABLE_TS_{ident}"), meta::Record::Ts(record));
    let stub_alias = stub_alias(ident);
    quote! {
        #item

        #stub_alias

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

/// The `.d.ts` name of the typed stub (`SessionStub`, an argument or a
/// field): the capability's interface.
fn stub_alias(ident: &Ident) -> TokenStream {
    let name = format!("{ident}Stub");
    let record = meta::TsRecord { name: name.clone(), decl: format!("export type {name} = {ident};"), refs: [ident.to_string()].into() };
    meta::emit(&format!("__DURABLE_TS_{name}"), meta::Record::Ts(record))
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

        // A capability made here, to pass as an argument or in a result.
        impl ::core::convert::From<::durable::rpc::Capability<#ident>> for #stub {
            fn from(capability: ::durable::rpc::Capability<#ident>) -> Self {
                Self { raw: capability.into() }
            }
        }

        // Crosses RPC as the capability's stub (an argument, or in a result).
        impl ::durable::__private::serde::Serialize for #stub {
            fn serialize<S: ::durable::__private::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                ::durable::__private::serde::Serialize::serialize(&self.raw, serializer)
            }
        }

        impl<'de> ::durable::__private::serde::Deserialize<'de> for #stub {
            fn deserialize<D: ::durable::__private::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                ::durable::rpc::receive(deserializer, #name).map(Self::from)
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
    crate::stub::stub_method(m, &format!("the capability (Rust method `{name}::{}`)", m.ident), false)
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
