//! The code that connects a handler method to the runtime: the `durable`
//! trait impl forwarding to it, and the glue method the JavaScript class calls.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::model::handler::{Handler, HandlerKind};

/// `impl durable::<Trait> for Type`, forwarding to the user's method. Each
/// argument is spanned at the user's argument type and the result at the
/// user's return type, so a type mismatch is reported where it was written.
pub fn trait_impl(handler: &Handler, self_ty: &syn::Type) -> TokenStream {
    let kind = handler.kind;
    let method = &handler.method;
    let trait_ident = format_ident!("{}", kind.trait_name());
    let fn_ident = format_ident!("{}", kind.name());
    let params = kind.params();
    let decls = params.iter().map(|p| {
        let name = format_ident!("{}", p.name);
        let ty = &p.rust;
        quote!(#name: #ty)
    });
    let args = params.iter().enumerate().map(|(i, p)| {
        Ident::new(p.name, handler.arg_spans.get(i).copied().unwrap_or_else(Span::call_site))
    });
    let output = kind.output();
    let call = quote_spanned! {handler.ret_span=>
        ::core::result::Result::map_err(<#self_ty>::#method(self, #(#args),*).await, ::core::convert::Into::into)
    };
    quote! {
        impl ::durable::#trait_ident for #self_ty {
            async fn #fn_ident(&self, #(#decls),*) -> ::durable::Result<#output> {
                #call
            }
        }
    }
}

/// The method on the Wasm-side glue type that the JavaScript class calls for
/// this event; it hands the raw values to `durable::runtime::Instance`.
pub fn glue_method(kind: HandlerKind) -> TokenStream {
    let fn_ident = format_ident!("{}", kind.name());
    let params = kind.params();
    let decls = params.iter().map(|p| {
        let name = format_ident!("{}", p.name);
        let ty = &p.glue;
        quote!(#name: #ty)
    });
    let names = params.iter().map(|p| format_ident!("{}", p.name));
    quote! {
        pub fn #fn_ident(
            &self,
            #(#decls,)*
            call: u32,
        ) -> ::durable::__private::wasm_bindgen::JsValue {
            // An `Err` goes to the runtime as a value too (`durable::runtime::answer`).
            ::durable::runtime::answer(call, self.instance.#fn_ident(#(#names,)* call))
        }
    }
}
