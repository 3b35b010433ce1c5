//! `#[durable_object]` on a trait: the interface of a Durable Object class
//! written elsewhere (in JavaScript, or in another worker), so that Rust code
//! can call it through a typed stub.
//!
//! ```ignore
//! #[durable_object]
//! pub trait JsCounter {
//!     async fn increment(&self, amount: i64) -> i64;
//!     async fn get_counter_value(&self) -> i64;
//! }
//! // becomes `pub enum JsCounter {}` (for `Namespace<JsCounter>`) and
//! // `pub struct JsCounterStub` with `increment` and `get_counter_value`.
//! ```

use proc_macro2::TokenStream;
use quote::quote;

use crate::attr::take_method_attrs;
use crate::ctxt::Ctxt;
use crate::rpc::{self, RpcMethod};

/// Expands a trait into a marker type and its typed stub.
pub fn expand(args: TokenStream, mut item: syn::ItemTrait) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    if !args.is_empty() {
        cx.error_spanned_by(&args, "#[durable_object] on a trait takes no arguments");
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(&item.generics, "a Durable Object interface cannot be generic");
    }
    let mut methods: Vec<RpcMethod> = Vec::new();
    for trait_item in &mut item.items {
        match trait_item {
            syn::TraitItem::Fn(f) => {
                let attrs = take_method_attrs(&cx, &mut f.attrs);
                if let Some((_, span)) = attrs.role {
                    cx.error_at(span, "an interface lists RPC methods only; handlers and constructors belong to the class");
                }
                if f.sig.receiver().is_none() {
                    cx.error_spanned_by(&f.sig.ident, "an interface method takes `&self`: it is called on one object");
                    continue;
                }
                if let Some(mut method) = RpcMethod::from_sig(&cx, &f.sig, attrs.name) {
                    method.docs = crate::attr::doc_attrs(&f.attrs);
                    if methods.iter().any(|m| m.js_name == method.js_name) {
                        cx.error_spanned_by(&f.sig.ident, format!("two methods would be the RPC method `{}`", method.js_name));
                    } else {
                        methods.push(method);
                    }
                }
            }
            other => cx.error_spanned_by(other, "an interface lists methods only"),
        }
    }
    cx.check()?;

    let vis = &item.vis;
    let ident = &item.ident;
    let attrs = &item.attrs;
    let self_ty: syn::Type = syn::parse_quote!(#ident);
    // The class is written elsewhere: whether it has a `fetch` handler is not
    // known, so the stub offers `fetch`; its binding is the default name.
    let binding = crate::attr::screaming_snake(&ident.to_string());
    let target = rpc::StubClass { self_ty: &self_ty, binding: quote!(#binding), fetch: true };
    let stub = rpc::stub(&methods, ident, &target);
    Ok(quote! {
        #(#attrs)*
        ///
        /// A Durable Object class defined elsewhere, as declared by a
        /// `#[durable_object]` trait: use it as `Namespace<ThisType>` to get a
        /// typed stub.
        #vis enum #ident {}

        #stub
    })
}
