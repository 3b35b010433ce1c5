//! `#[durable_object]` on the class's impl block: the block, the `durable`
//! trait impls, the Wasm-side glue type and the typed stub, from the checked
//! [`ObjectImpl`].

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::ctxt::{to_compile_errors, Ctxt};
use crate::model::handler::HandlerKind;
use crate::model::imp::ObjectImpl;
use crate::model::name::{export_name, glue_ident};
use crate::{handler, meta, rpc, stub, ts};

/// Expands the impl block: the block itself, the `durable` trait impls, the
/// Wasm-side glue methods and the metadata record.
pub fn expand(args: TokenStream, item: syn::ItemImpl) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    let model = ObjectImpl::from_ast(&cx, args, item);
    if let Err(errors) = cx.check() {
        let item = &model.item;
        let self_ty = &item.self_ty;
        let errors = to_compile_errors(errors);
        // A stand-in constructor keeps the struct's "no constructor" check from
        // repeating the errors above; the compile fails on them regardless.
        return Ok(quote! {
            #item
            #errors
            impl ::durable::DurableObject for #self_ty {
                fn new(_: ::durable::State, _: ::durable::Env) -> Self {
                    ::core::unreachable!()
                }
            }
        });
    }
    Ok(generate(&model))
}

fn generate(model: &ObjectImpl) -> TokenStream {
    let item = &model.item;
    let self_ty = &item.self_ty;
    let rust = &model.rust;
    let glue = glue_ident(rust);
    let export = export_name(rust);
    let constructor = model.constructor.as_ref().expect("checked: a constructor exists");

    let trait_impls = model.handlers.iter().map(|h| handler::trait_impl(h, self_ty));
    let glue_methods = model.handlers.iter().map(|h| handler::glue_method(h.kind));
    let rpc_methods = model.rpc.iter().map(|m| rpc::class_glue_method(m, self_ty));
    let target = stub::StubClass {
        self_ty,
        binding: quote!(<#self_ty>::__DURABLE_BINDING),
        fetch: model.handlers.iter().any(|h| h.kind == HandlerKind::Fetch),
    };
    let stub = stub::stub(&model.rpc, rust, &target);
    let handlers = model.handlers.iter().map(|h| h.kind.name().to_owned()).collect();
    let mut refs = std::collections::BTreeSet::new();
    let methods = model
        .rpc
        .iter()
        .map(|m| meta::Method {
            js: m.js_name.clone(),
            export: m.glue_ident().to_string(),
            ts: ts::method_signature(m, &mut refs),
            retryable: m.retryable,
            wire: m.wire_glue_ident().map(|glue| glue.to_string()).unwrap_or_default(),
        })
        .collect();
    let record = meta::ImplRecord { rust: rust.to_string(), handlers, methods, refs };
    let meta_static = meta::emit(&format!("__DURABLE_IMPL_{rust}"), meta::Record::Impl(record));

    quote! {
        #item

        impl ::durable::DurableObject for #self_ty {
            fn new(state: ::durable::State, env: ::durable::Env) -> Self {
                <#self_ty>::#constructor(state, env)
            }
        }

        #(#trait_impls)*

        // The type the JavaScript class instantiates in Wasm. It lives in an
        // anonymous scope: only its Wasm exports are reachable.
        const _: () = {
            use ::durable::__private::wasm_bindgen;
            use ::durable::__private::wasm_bindgen::prelude::wasm_bindgen;

            #[doc(hidden)]
            #[wasm_bindgen(wasm_bindgen = ::durable::__private::wasm_bindgen, js_name = #export)]
            pub struct #glue {
                instance: ::durable::runtime::Instance<#self_ty>,
            }

            #[wasm_bindgen(wasm_bindgen = ::durable::__private::wasm_bindgen, js_class = #export)]
            impl #glue {
                #[wasm_bindgen(constructor)]
                pub fn new(ctx: wasm_bindgen::JsValue, env: wasm_bindgen::JsValue, call: u32) -> #glue {
                    #glue { instance: ::durable::runtime::Instance::new(ctx, env, call) }
                }

                #(#glue_methods)*

                #(#rpc_methods)*
            }
        };

        #stub

        #meta_static
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    use crate::model::fixtures::object_impl as model;

    /// The generated stub's source, from `impl <Class>Stub` on.
    fn stub_code(item: TokenStream) -> String {
        let code = generate(&model(item).ok().unwrap()).to_string();
        let start = code.find("impl CounterStub").unwrap();
        code[start..].to_owned()
    }

    #[test]
    fn stub_methods_carry_the_methods_own_rustdoc() {
        let code = stub_code(quote! {
            impl Counter {
                pub fn new(state: State, env: Env) -> Self { todo!() }
                /// Adds `amount` and answers the new value.
                ///
                /// Fails when the count would overflow.
                pub async fn increment(&self, amount: i64) -> Result<i64> { todo!() }
                pub fn peek(&self) -> i64 { 0 }
            }
        });
        let increment = &code[..code.find("pub async fn increment").unwrap()];
        let docs: Vec<&str> = increment.match_indices("# [doc = ").map(|(i, _)| increment[i..].split('"').nth(1).unwrap()).collect();
        assert_eq!(
            &docs[docs.len() - 5..],
            [
                " Adds `amount` and answers the new value.",
                "",
                " Fails when the count would overflow.",
                "",
                "Calls `increment` on the object (Rust method `Counter::increment`)."
            ]
        );
        // A method without rustdoc gets the generated line only.
        let peek = &code[code.find("pub async fn increment").unwrap()..code.find("pub async fn peek").unwrap()];
        assert_eq!(peek.matches("# [doc = ").count(), 1, "{peek}");
    }

    #[test]
    fn stub_fetch_exists_only_with_a_fetch_handler() {
        let with = stub_code(quote! {
            impl Counter {
                pub fn new(state: State, env: Env) -> Self { todo!() }
                pub async fn fetch(&self, req: Request) -> Result<Response> { todo!() }
            }
        });
        assert!(with.contains("pub async fn fetch (& self , request : :: durable :: Request)"), "{with}");
        assert!(!with.contains("NoFetchHandler"), "{with}");
        let without = stub_code(quote! {
            impl Counter {
                pub fn new(state: State, env: Env) -> Self { todo!() }
            }
        });
        assert_eq!(without.matches(":: durable :: rpc :: NoFetchHandler < Counter >").count(), 3, "{without}");
    }
}
