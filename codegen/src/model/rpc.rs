//! Public methods as JS RPC methods: the model read from a method's
//! signature ([`RpcMethod`], [`Output`]) and its checks, among them the names
//! the runtime reserves.

use proc_macro2::{Ident, Span};
use quote::format_ident;

use crate::model::ctxt::Ctxt;
use crate::model::name::{camel_case, rpc_glue_ident};

/// Names an RPC method may not take in JavaScript, and why: the runtime's
/// handler names, what every Durable Object stub already has (a call by that
/// name never reaches the object), and what every object already has.
const RESERVED: &[(&str, &str)] = &[
    ("fetch", "a handler"),
    ("alarm", "a handler"),
    ("webSocketMessage", "a handler"),
    ("webSocketClose", "a handler"),
    ("webSocketError", "a handler"),
    ("onHibernate", "a handler"),
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
    /// `#[durable(retryable)]`: registered with the runtime's `retryable()`.
    pub retryable: bool,
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
    /// `#[durable::rpc_target]` type `T` (see [`crate::model::target`]).
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
                ty if capability_inner(ty).is_some() => {
                    let target = capability_inner(ty).map(|t| quote::quote!(#t).to_string()).unwrap_or_default();
                    cx.error_spanned_by(
                        ty,
                        format!(
                            "a capability argument arrives as a stub, not as the value: take `{target}Stub` here in `{name}` \
                             (a caller passes `Capability::new(value).into()`, or a stub it holds)"
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
        ok.then(|| RpcMethod { ident: sig.ident.clone(), js_name, args, is_async: sig.asyncness.is_some(), output, docs: Vec::new(), retryable: false })
    }

    /// Name of the Wasm-side glue method.
    pub fn glue_ident(&self) -> Ident {
        rpc_glue_ident(&self.ident)
    }

    /// Name of the Wasm-side glue method for calls in the wire format; none
    /// for a method returning a capability (a JavaScript handle: its calls
    /// stay structured), and none for a method whose arguments and result
    /// are all scalars ([`is_scalar`]): the structured call carries those in
    /// a crossing each, for less than one `Uint8Array` costs the runtime
    /// (about 10 µs a call, measured on workerd), and the twin's code would
    /// only grow the module.
    pub fn wire_glue_ident(&self) -> Option<Ident> {
        let result = match &self.output {
            Output::Capability { .. } => return None,
            Output::Unit => None,
            Output::Value(ty) | Output::Result(ty) => Some(ty),
        };
        let all_scalars = self.args.iter().map(|(_, ty)| ty).chain(result).all(is_scalar);
        (!all_scalars).then(|| crate::model::name::wire_glue_ident(&self.ident))
    }

    /// The hidden JavaScript method of [`wire_glue_ident`](Self::wire_glue_ident).
    pub fn wire_method(&self) -> Option<String> {
        self.wire_glue_ident().map(|_| crate::model::name::wire_method(&self.js_name))
    }
}

/// Whether `ty` is written as a scalar: `()`, a primitive number, `bool`,
/// `char`, `String`, `&str`, or an `Option` of one. (As written: an alias of
/// one is not recognized, and only costs its method a twin it does not need.)
pub fn is_scalar(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Tuple(t) => t.elems.is_empty(),
        syn::Type::Reference(r) => matches!(&*r.elem, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident("str")),
        syn::Type::Group(g) => is_scalar(&g.elem),
        syn::Type::Paren(p) => is_scalar(&p.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else { return false };
            let name = last.ident.to_string();
            match &last.arguments {
                syn::PathArguments::None => matches!(
                    name.as_str(),
                    "i8" | "i16" | "i32" | "i64" | "isize" | "u8" | "u16" | "u32" | "u64" | "usize" | "f32" | "f64" | "bool" | "char" | "String"
                ),
                syn::PathArguments::AngleBracketed(a) if name == "Option" && a.args.len() == 1 => {
                    matches!(a.args.first(), Some(syn::GenericArgument::Type(inner)) if is_scalar(inner))
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether `ty` is `()`.
pub fn is_unit(ty: &syn::Type) -> bool {
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

/// Adds `method` to `methods`, or reports (at `ident`) that another method
/// already has its JavaScript name.
pub fn push_unique(cx: &crate::model::ctxt::Ctxt, methods: &mut Vec<RpcMethod>, method: RpcMethod, ident: &proc_macro2::Ident) {
    match methods.iter().find(|m| m.js_name == method.js_name) {
        Some(first) => cx.error_spanned_by(
            ident,
            format!(
                "`{}` and `{}` would both be the RPC method `{}`: choose another name with #[durable(name = \"..\")]",
                first.ident, method.ident, method.js_name
            ),
        ),
        None => methods.push(method),
    }
}

#[cfg(test)]
mod tests {
    use super::reserved;
    use crate::model::handler::HandlerKind;

    #[test]
    fn reserved_names() {
        for name in ["fetch", "alarm", "webSocketMessage", "webSocketClose", "webSocketError", "onHibernate"] {
            assert_eq!(reserved(name), Some("a handler"), "{name}");
        }
        // Every handler's JavaScript name is reserved.
        for kind in HandlerKind::ALL {
            assert_eq!(reserved(&crate::model::name::camel_case(kind.name())), Some("a handler"), "{kind:?}");
        }
        assert!(reserved("connect").unwrap().contains("TCP socket"));
        for name in ["dup", "id", "name", "then", "constructor", "ctx", "env", "free", "__rpc_increment", "__wbg_ptr"] {
            assert!(reserved(name).is_some(), "{name}");
        }
        for name in ["increment", "getCounterValue", "connectTo", "Connect", "_connect", "fetchAll", "getName", "idOf"] {
            assert_eq!(reserved(name), None, "{name}");
        }
    }

    #[test]
    fn only_methods_carrying_more_than_scalars_have_a_wire_twin() {
        let twin = |sig: &str| {
            let sig: syn::Signature = syn::parse_str(sig).unwrap();
            let cx = crate::model::ctxt::Ctxt::new();
            let method = super::RpcMethod::from_sig(&cx, &sig, None).expect("an RPC method");
            cx.check().unwrap();
            method.wire_method()
        };
        for scalar in [
            "fn nop(&self)",
            "fn increment(&self, amount: i64) -> i64",
            "async fn get(&self, key: String, fallback: Option<u32>) -> Result<Option<String>, Error>",
            "fn flags(&self, a: bool, b: char, c: f64, d: usize) -> ()",
        ] {
            assert_eq!(twin(scalar), None, "{scalar}");
        }
        assert_eq!(twin("fn weigh(&self, batch: Batch) -> u32").as_deref(), Some("__durable_wire_weigh"));
        assert_eq!(twin("fn list(&self) -> Vec<String>").as_deref(), Some("__durable_wire_list"));
        assert_eq!(twin("fn put(&self, pairs: Vec<(String, i64)>)").as_deref(), Some("__durable_wire_put"));
        assert_eq!(twin("fn get(&self, key: String) -> Result<Option<Item>, Error>").as_deref(), Some("__durable_wire_get"));
        assert_eq!(twin("fn big(&self, n: Option<Vec<u8>>)").as_deref(), Some("__durable_wire_big"));
    }
}
