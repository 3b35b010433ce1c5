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

use crate::model::ctxt::Ctxt;
use crate::model::interface::Interface;
use crate::stub;

/// Expands a trait into a marker type and its typed stub.
pub fn expand(args: TokenStream, item: syn::ItemTrait) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    let model = Interface::from_ast(&cx, args, item);
    cx.check()?;
    let Interface { item, methods } = &model;

    let vis = &item.vis;
    let ident = &item.ident;
    let attrs = &item.attrs;
    let self_ty: syn::Type = syn::parse_quote!(#ident);
    // The class is written elsewhere: whether it has a `fetch` handler is not
    // known, so the stub offers `fetch`; its binding is the default name.
    let binding = crate::model::name::screaming_snake(&ident.to_string());
    let target = stub::StubClass { self_ty: &self_ty, binding: quote!(#binding), fetch: true };
    let stub = stub::stub(methods, ident, &target);
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
