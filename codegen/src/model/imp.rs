//! The model of `#[durable_object]` on the class's impl block: constructor,
//! handlers and RPC methods, and their checks.

use std::collections::HashMap;

use proc_macro2::{Ident, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;

use crate::model::attr::{take_method_attrs, MethodRole};
use crate::model::ctxt::Ctxt;
use crate::model::handler::{Handler, HandlerKind};
use crate::model::rpc::RpcMethod;

/// A checked impl block.
pub struct ObjectImpl {
    /// The block, with the `#[durable(...)]` helper attributes removed.
    pub item: syn::ItemImpl,
    /// The class's Rust name (last segment of the self type).
    pub rust: Ident,
    /// The constructor method.
    pub constructor: Option<Ident>,
    /// The handlers, in source order.
    pub handlers: Vec<Handler>,
    /// The RPC methods (public `&self` methods), in source order.
    pub rpc: Vec<RpcMethod>,
}

const CONSTRUCTOR: &str = "pub fn new(state: State, env: Env) -> Self";

impl ObjectImpl {
    /// Builds the model, recording every problem in `cx`.
    pub fn from_ast(cx: &Ctxt, args: TokenStream, mut item: syn::ItemImpl) -> Self {
        if !args.is_empty() {
            cx.error_spanned_by(
                &args,
                "#[durable_object] on an impl block takes no arguments; class arguments such as `name = \"..\"` go on the struct",
            );
        }
        if let Some((_, path, _)) = &item.trait_ {
            cx.error_spanned_by(
                path,
                "#[durable_object] goes on the class's inherent impl block (`impl MyObject { .. }`), not on a trait impl",
            );
        }
        if !item.generics.params.is_empty() {
            cx.error_spanned_by(&item.generics, "a Durable Object class cannot be generic: remove the impl's generic parameters");
        }
        let rust = class_ident(cx, &item.self_ty);

        let mut constructor: Option<Ident> = None;
        let mut handlers: Vec<Handler> = Vec::new();
        let mut seen: HashMap<HandlerKind, Ident> = HashMap::new();
        let mut rpc: Vec<RpcMethod> = Vec::new();
        for impl_item in &mut item.items {
            let syn::ImplItem::Fn(f) = impl_item else { continue };
            let attrs = take_method_attrs(cx, &mut f.attrs);
            let name = f.sig.ident.to_string();
            let role = attrs.role.map(|(role, _)| role).or_else(|| {
                if name == "new" {
                    Some(MethodRole::Constructor)
                } else {
                    HandlerKind::from_name(&name).map(MethodRole::Handler)
                }
            });
            if let (Some(_), Some(span)) = (role, attrs.retryable) {
                cx.error_at(span, "#[durable(retryable)] marks an RPC method: the runtime retries a constructor or handler on its own terms");
            }
            match role {
                Some(MethodRole::Constructor) => {
                    check_constructor(cx, &f.sig);
                    if let Some(first) = &constructor {
                        cx.error_spanned_by(
                            &f.sig.ident,
                            format!("a second constructor: `{first}` is already this class's constructor"),
                        );
                    } else {
                        constructor = Some(f.sig.ident.clone());
                    }
                }
                Some(MethodRole::Handler(kind)) => {
                    check_handler(cx, kind, &f.sig);
                    if let Some(first) = seen.get(&kind) {
                        cx.error_spanned_by(
                            &f.sig.ident,
                            format!(
                                "a second `{name}` handler: `{first}` is already this class's `{name}` handler; \
                                 a class has at most one handler of each kind",
                                name = kind.name(),
                            ),
                        );
                        continue;
                    }
                    seen.insert(kind, f.sig.ident.clone());
                    let ret_span = match &f.sig.output {
                        syn::ReturnType::Type(_, ty) => ty.span(),
                        syn::ReturnType::Default => f.sig.ident.span(),
                    };
                    let arg_spans = f
                        .sig
                        .inputs
                        .iter()
                        .filter_map(|arg| match arg {
                            syn::FnArg::Typed(t) => Some(t.ty.span()),
                            syn::FnArg::Receiver(_) => None,
                        })
                        .collect();
                    handlers.push(Handler { kind, method: f.sig.ident.clone(), ret_span, arg_spans });
                }
                None => {
                    let public = matches!(f.vis, syn::Visibility::Public(_));
                    if !public || attrs.skip.is_some() {
                        if let Some((_, span)) = attrs.name {
                            cx.error_at(span, "#[durable(name = ..)] names an RPC method, and only `pub` methods without #[durable(skip)] are RPC methods");
                        }
                        if let Some(span) = attrs.retryable {
                            cx.error_at(span, "#[durable(retryable)] marks an RPC method, and only `pub` methods without #[durable(skip)] are RPC methods");
                        }
                        continue;
                    }
                    if let Some(mut method) = RpcMethod::from_sig(cx, &f.sig, attrs.name) {
                        method.docs = crate::model::attr::doc_attrs(&f.attrs);
                        method.retryable = attrs.retryable.is_some();
                        crate::model::rpc::push_unique(cx, &mut rpc, method, &f.sig.ident);
                    }
                }
            }
        }
        if constructor.is_none() && item.trait_.is_none() {
            cx.error_spanned_by(
                &item.self_ty,
                format!("this Durable Object has no constructor: add `{CONSTRUCTOR}` to this impl block"),
            );
        }
        ObjectImpl { item, rust, constructor, handlers, rpc }
    }
}

fn class_ident(cx: &Ctxt, ty: &syn::Type) -> Ident {
    super::name::self_type_ident(
        cx,
        ty,
        "a Durable Object class cannot be generic",
        "#[durable_object] expects `impl MyObject { .. }` for a struct marked #[durable_object]",
    )
}

fn check_constructor(cx: &Ctxt, sig: &syn::Signature) {
    if let Some(a) = &sig.asyncness {
        cx.error_spanned_by(
            a,
            format!(
                "the constructor is synchronous, as in JavaScript: `{CONSTRUCTOR}`; \
                 load state with `state.block_concurrency_while(async move {{ .. }})` inside it"
            ),
        );
    }
    if let Some(receiver) = sig.receiver() {
        cx.error_spanned_by(receiver, format!("the constructor takes no `self`: `{CONSTRUCTOR}`"));
    } else if sig.inputs.len() != 2 {
        cx.error_spanned_by(
            &sig.inputs,
            format!("the constructor takes the object's state and env: `{CONSTRUCTOR}`"),
        );
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(&sig.generics, "the constructor cannot be generic");
    }
    if matches!(sig.output, syn::ReturnType::Default) {
        cx.error_spanned_by(&sig.ident, format!("the constructor returns `Self`: `{CONSTRUCTOR}`"));
    }
}

fn check_handler(cx: &Ctxt, kind: HandlerKind, sig: &syn::Signature) {
    let expected = kind.signature();
    let name = kind.name();
    if sig.asyncness.is_none() {
        cx.error_spanned_by(sig.fn_token, format!("the `{name}` handler must be async: `{expected}`"));
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(&sig.generics, format!("the `{name}` handler cannot be generic: `{expected}`"));
    }
    match sig.receiver() {
        Some(r) if r.reference.is_some() && r.mutability.is_none() => {}
        Some(r) if r.mutability.is_some() => cx.error_spanned_by(
            r,
            format!(
                "the `{name}` handler takes `&self`, not `&mut self`: another event may run while this one awaits, \
                 so keep mutable state in `Cell` or `RefCell` fields"
            ),
        ),
        Some(r) => cx.error_spanned_by(r, format!("the `{name}` handler takes `&self`: `{expected}`")),
        None => cx.error_spanned_by(&sig.ident, format!("the `{name}` handler takes `&self`: `{expected}`")),
    }
    let args = sig.inputs.len().saturating_sub(usize::from(sig.receiver().is_some()));
    if sig.receiver().is_some() && args != kind.arity() {
        let span_tokens = if sig.inputs.is_empty() { sig.ident.to_token_stream() } else { sig.inputs.to_token_stream() };
        cx.error_spanned_by(
            span_tokens,
            format!("the `{name}` handler takes {} argument(s) after `&self`, found {args}: `{expected}`", kind.arity()),
        );
    }
    if matches!(sig.output, syn::ReturnType::Default) {
        cx.error_spanned_by(&sig.ident, format!("the `{name}` handler returns a `Result`: `{expected}`"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    use crate::model::fixtures::object_impl as model;

    #[test]
    fn finds_constructor_and_fetch() {
        let m = model(quote! {
            impl Counter {
                pub fn new(state: State, env: Env) -> Self { todo!() }
                pub async fn fetch(&self, req: Request) -> Result<Response> { todo!() }
                pub fn helper(&self) {}
            }
        })
        .ok()
        .unwrap();
        assert_eq!(m.constructor.unwrap(), "new");
        assert_eq!(m.handlers.len(), 1);
        assert_eq!(m.handlers[0].kind, HandlerKind::Fetch);
    }

    #[test]
    fn on_hibernate_is_a_handler_not_an_rpc_method() {
        let m = model(quote! {
            impl Room {
                pub fn new(state: State, env: Env) -> Self { todo!() }
                pub async fn on_hibernate(&self, info: HibernateInfo) -> Result<()> { todo!() }
            }
        })
        .ok()
        .unwrap();
        assert_eq!(m.handlers.len(), 1);
        assert_eq!(m.handlers[0].kind, HandlerKind::OnHibernate);
        assert!(m.rpc.is_empty(), "not callable over RPC");
        // A synchronous one is refused with the expected signature.
        let errors = model(quote! {
            impl Room {
                pub fn new(state: State, env: Env) -> Self { todo!() }
                pub fn on_hibernate(&self, info: HibernateInfo) -> Result<()> { todo!() }
            }
        })
        .err()
        .unwrap();
        assert!(errors.iter().any(|e| e.contains("the `on_hibernate` handler must be async: `async fn on_hibernate(&self, info: HibernateInfo) -> Result<()>`")), "{errors:?}");
    }

    #[test]
    fn explicit_roles() {
        let m = model(quote! {
            impl Counter {
                #[durable(constructor)]
                pub fn create(state: State, env: Env) -> Self { todo!() }
                #[durable(fetch)]
                pub async fn serve(&self, req: Request) -> Result<Response> { todo!() }
            }
        })
        .ok()
        .unwrap();
        assert_eq!(m.constructor.unwrap(), "create");
        assert_eq!(m.handlers[0].method, "serve");
        assert!(m.item.items.iter().all(|i| match i {
            syn::ImplItem::Fn(f) => f.attrs.is_empty(),
            _ => true,
        }));
    }

    #[test]
    fn retryable_marks_rpc_methods_only() {
        let m = model(quote! {
            impl Counter {
                pub fn new(state: State, env: Env) -> Self { todo!() }
                #[durable(retryable)]
                pub async fn reset(&self) -> Result<()> { todo!() }
                pub async fn increment(&self) -> Result<u64> { todo!() }
            }
        })
        .ok()
        .unwrap();
        let marks: Vec<(&str, bool)> = m.rpc.iter().map(|r| (r.js_name.as_str(), r.retryable)).collect();
        assert_eq!(marks, [("reset", true), ("increment", false)]);
        let errors = model(quote! {
            impl Counter {
                pub fn new(state: State, env: Env) -> Self { todo!() }
                #[durable(retryable)]
                pub async fn fetch(&self, req: Request) -> Result<Response> { todo!() }
                #[durable(retryable)]
                fn private(&self) {}
            }
        })
        .err()
        .unwrap();
        assert!(errors.iter().any(|e| e.contains("#[durable(retryable)] marks an RPC method: the runtime retries a constructor or handler")), "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("only `pub` methods without #[durable(skip)] are RPC methods")), "{errors:?}");
    }

    #[test]
    fn missing_constructor() {
        let errors = model(quote!(impl Counter {})).err().unwrap();
        assert!(errors[0].contains("has no constructor"));
    }

    #[test]
    fn sync_fetch_and_mut_self_are_refused_together() {
        let errors = model(quote! {
            impl Counter {
                pub fn new(state: State, env: Env) -> Self { todo!() }
                pub fn fetch(&mut self, req: Request) -> Result<Response> { todo!() }
            }
        })
        .err()
        .unwrap();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("must be async"));
        assert!(errors[1].contains("not `&mut self`"));
    }

    #[test]
    fn two_fetch_handlers() {
        let errors = model(quote! {
            impl Counter {
                pub fn new(state: State, env: Env) -> Self { todo!() }
                pub async fn fetch(&self, req: Request) -> Result<Response> { todo!() }
                #[durable(fetch)]
                pub async fn other(&self, req: Request) -> Result<Response> { todo!() }
            }
        })
        .err()
        .unwrap();
        assert!(errors[0].contains("a second `fetch` handler"));
    }
}
