//! The model of `#[durable_object]` on a trait: the interface of a Durable
//! Object class written elsewhere, a list of checked [`RpcMethod`]s.

use proc_macro2::TokenStream;

use crate::model::attr::take_method_attrs;
use crate::model::ctxt::Ctxt;
use crate::model::rpc::RpcMethod;

/// A checked interface.
pub struct Interface {
    /// The trait, with the `#[durable(...)]` helper attributes removed.
    pub item: syn::ItemTrait,
    /// Its RPC methods, in source order.
    pub methods: Vec<RpcMethod>,
}

impl Interface {
    /// Builds the model, recording every problem in `cx`.
    pub fn from_ast(cx: &Ctxt, args: TokenStream, mut item: syn::ItemTrait) -> Self {
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
                    let attrs = take_method_attrs(cx, &mut f.attrs);
                    if let Some((_, span)) = attrs.role {
                        cx.error_at(span, "an interface lists RPC methods only; handlers and constructors belong to the class");
                    }
                    if let Some(span) = attrs.retryable {
                        cx.error_at(span, "#[durable(retryable)] belongs on the class's own method: the class written in JavaScript marks it with retryable()");
                    }
                    if f.sig.receiver().is_none() {
                        cx.error_spanned_by(&f.sig.ident, "an interface method takes `&self`: it is called on one object");
                        continue;
                    }
                    if let Some(mut method) = RpcMethod::from_sig(cx, &f.sig, attrs.name) {
                        method.docs = crate::model::attr::doc_attrs(&f.attrs);
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
        Interface { item, methods }
    }
}
