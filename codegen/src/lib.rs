//! Code generation behind `#[durable_object]`.
//!
//! Data flows one way: user tokens are parsed into a small checked model
//! ([`model`]: [`model::class::Class`] for the struct, [`model::imp::ObjectImpl`]
//! for the impl block), every problem found on the way is collected in one
//! [`model::ctxt::Ctxt`] and reported together with its span, and only a model
//! that passed all checks is turned into code by the generation modules
//! ([`class::expand`], [`imp::expand`], ...), which import the model and never
//! the reverse.
//!
//! The generated code talks to the `durable` runtime library only through its
//! traits (`DurableObject`, `Fetch`) and `durable::runtime::Instance`; each class
//! also leaves a line of JSON in the Wasm custom section [`meta::SECTION`], from
//! which `durable-build` learns which JavaScript classes to emit.

pub mod model;

pub mod class;
pub mod handler;
pub mod host_stub;
pub mod imp;
pub mod interface;
pub mod meta;
pub mod rpc;
pub mod sql;
pub mod stub;
pub mod test_attr;
pub mod target;
pub mod ts;

/// The attribute parsing of the model under its former path, with the naming
/// helpers that lived there: `durable config` names a class's default binding
/// with [`attr::screaming_snake`].
pub mod attr {
    pub use crate::model::attr::*;
    pub use crate::model::name::{camel_case, screaming_snake};
}

use proc_macro2::TokenStream;
use syn::spanned::Spanned;

/// Entry point of the attribute: dispatches on the annotated item.
pub fn durable_object(args: TokenStream, item: TokenStream) -> TokenStream {
    let item: syn::Item = match syn::parse2(item) {
        Ok(item) => item,
        Err(e) => return e.to_compile_error(),
    };
    let result = match item {
        syn::Item::Struct(s) => class::expand(args, s),
        syn::Item::Impl(i) => imp::expand(args, i),
        syn::Item::Trait(t) => interface::expand(args, t),
        other => Err(vec![syn::Error::new(
            item_span(&other),
            format!(
                "#[durable_object] goes on a struct (the object's state) and on that struct's impl block, \
                 or on a trait declaring a class written elsewhere; not on {}",
                describe(&other)
            ),
        )]),
    };
    result.unwrap_or_else(model::ctxt::to_compile_errors)
}

fn item_span(item: &syn::Item) -> proc_macro2::Span {
    match item {
        syn::Item::Enum(e) => e.ident.span(),
        syn::Item::Fn(f) => f.sig.ident.span(),
        syn::Item::Union(u) => u.ident.span(),
        syn::Item::Trait(t) => t.ident.span(),
        other => other.span(),
    }
}

fn describe(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Enum(_) => "an enum",
        syn::Item::Fn(_) => "a function",
        syn::Item::Union(_) => "a union",
        syn::Item::Trait(_) => "a trait",
        syn::Item::Mod(_) => "a module",
        _ => "this item",
    }
}
