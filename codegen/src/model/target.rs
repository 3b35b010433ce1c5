//! The model of `#[durable::rpc_target]`: on an impl block, a type whose
//! values are handed out over JS RPC as capabilities; on a trait, the
//! interface of a capability written elsewhere. Both are lists of checked
//! [`RpcMethod`]s, under the names a capability reserves.

use proc_macro2::{Ident, TokenStream};

use crate::model::attr::take_method_attrs;
use crate::model::ctxt::Ctxt;
use crate::model::rpc::RpcMethod;

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

/// A checked `#[durable::rpc_target]` impl block.
pub struct TargetImpl {
    /// The block, with the `#[durable(...)]` helper attributes removed.
    pub item: syn::ItemImpl,
    /// The type's Rust name (last segment of the self type).
    pub ident: Ident,
    /// The callable methods (public `&self` methods), in source order.
    pub methods: Vec<RpcMethod>,
}

impl TargetImpl {
    /// Builds the model, recording every problem in `cx`.
    pub fn from_ast(cx: &Ctxt, args: TokenStream, mut item: syn::ItemImpl) -> Self {
        if !args.is_empty() {
            cx.error_spanned_by(&args, "#[durable::rpc_target] takes no arguments");
        }
        if let Some((_, path, _)) = &item.trait_ {
            cx.error_spanned_by(path, "#[durable::rpc_target] goes on the type's inherent impl block, not on a trait impl");
        }
        if !item.generics.params.is_empty() {
            cx.error_spanned_by(&item.generics, "a capability type cannot be generic: the JavaScript side needs one concrete type");
        }
        let ident = type_ident(cx, &item.self_ty);
        let mut methods: Vec<RpcMethod> = Vec::new();
        for impl_item in &mut item.items {
            let syn::ImplItem::Fn(f) = impl_item else { continue };
            let attrs = take_method_attrs(cx, &mut f.attrs);
            if let Some((_, span)) = attrs.role {
                cx.error_at(span, "a capability has no constructor or handlers: only its public `&self` methods are callable");
            }
            if let Some(span) = attrs.retryable {
                cx.error_at(span, "#[durable(retryable)] marks a Durable Object's RPC method; the runtime retries no capability calls");
            }
            let public = matches!(f.vis, syn::Visibility::Public(_));
            if !public || attrs.skip.is_some() {
                if let Some((_, span)) = attrs.name {
                    cx.error_at(span, "#[durable(name = ..)] names an RPC method, and only `pub` methods without #[durable(skip)] are RPC methods");
                }
                continue;
            }
            if let Some(mut method) = RpcMethod::from_sig_with(cx, &f.sig, attrs.name, reserved) {
                method.docs = crate::model::attr::doc_attrs(&f.attrs);
                crate::model::rpc::push_unique(cx, &mut methods, method, &f.sig.ident);
            }
        }
        TargetImpl { item, ident, methods }
    }
}

/// A checked `#[durable::rpc_target]` trait: a capability written elsewhere.
pub struct TargetTrait {
    /// The trait, with the `#[durable(...)]` helper attributes removed.
    pub item: syn::ItemTrait,
    /// Its methods, in source order.
    pub methods: Vec<RpcMethod>,
}

impl TargetTrait {
    /// Builds the model, recording every problem in `cx`.
    pub fn from_ast(cx: &Ctxt, args: TokenStream, mut item: syn::ItemTrait) -> Self {
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
            let attrs = take_method_attrs(cx, &mut f.attrs);
            if let Some((_, span)) = attrs.role {
                cx.error_at(span, "a capability has no constructor or handlers: only its methods are callable");
            }
            if f.sig.receiver().is_none() {
                cx.error_spanned_by(&f.sig.ident, "a capability interface method takes `&self`: it is called on one capability");
                continue;
            }
            if let Some(mut method) = RpcMethod::from_sig_with(cx, &f.sig, attrs.name, reserved) {
                method.docs = crate::model::attr::doc_attrs(&f.attrs);
                if methods.iter().any(|m| m.js_name == method.js_name) {
                    cx.error_spanned_by(&f.sig.ident, format!("two methods would be the RPC method `{}`", method.js_name));
                } else {
                    methods.push(method);
                }
            }
        }
        TargetTrait { item, methods }
    }
}

fn type_ident(cx: &Ctxt, ty: &syn::Type) -> Ident {
    super::name::self_type_ident(
        cx,
        ty,
        "a capability type cannot be generic: the JavaScript side needs one concrete type",
        "#[durable::rpc_target] expects `impl MyType { .. }` for a named type",
    )
}
