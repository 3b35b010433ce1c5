//! The Wasm-side glue of an RPC method: decodes the arguments, calls the
//! user's method and encodes its result.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::rpc::{is_unit, Output, RpcMethod};

/// The glue method the JavaScript class calls for this RPC method.
pub fn glue_method(method: &RpcMethod, self_ty: &syn::Type) -> TokenStream {
    let glue = method.glue_ident();
    let export = glue.to_string();
    let ident = &method.ident;
    let rust_name = ident.to_string();
    let arity = method.args.len() as u32;
    let decode = method.args.iter().map(|(name, ty)| {
        let label = name.to_string();
        quote_spanned! {ty.span()=> let #name: #ty = args.next(#label)?; }
    });
    let names = method.args.iter().map(|(name, _)| name);
    let call = quote! { <#self_ty>::#ident(&*object, #(#names),*) };
    let call = if method.is_async { quote!(#call.await) } else { call };
    let encode = match &method.output {
        Output::Unit => quote! { let () = #call; ::core::result::Result::Ok(::durable::__private::wasm_bindgen::JsValue::UNDEFINED) },
        Output::Value(ty) => quote_spanned! {ty.span()=> ::durable::rpc::value_to_js(#rust_name, &#call) },
        // `Ok(())` resolves to `undefined`, as a JavaScript method that returns nothing.
        Output::Result(ty) if is_unit(ty) => quote_spanned! {ty.span()=> ::durable::rpc::unit_result_to_js(#call) },
        Output::Result(ty) => quote_spanned! {ty.span()=> ::durable::rpc::result_to_js(#rust_name, #call) },
        Output::Capability { target: ty, in_result: false, .. } => quote_spanned! {ty.span()=> ::durable::rpc::capability_to_js::<#ty>(#call) },
        Output::Capability { target: ty, in_result: true, .. } => quote_spanned! {ty.span()=> ::durable::rpc::capability_result_to_js::<#ty, _>(#call) },
    };
    if !method.is_async {
        // A method that never awaits runs to completion in the call itself.
        return quote! {
            #[wasm_bindgen(js_name = #export)]
            pub fn #glue(
                &self,
                args: ::durable::__private::js_sys::Array,
                call: u32,
            ) -> ::core::result::Result<::durable::__private::wasm_bindgen::JsValue, ::durable::__private::wasm_bindgen::JsValue> {
                self.instance.rpc_sync(call, move |object| {
                    let mut args = ::durable::rpc::Args::new(#rust_name, #arity, args);
                    #(#decode)*
                    args.finish()?;
                    #encode
                })
            }
        };
    }
    quote! {
        #[wasm_bindgen(js_name = #export)]
        pub fn #glue(
            &self,
            args: ::durable::__private::js_sys::Array,
            call: u32,
        ) -> ::core::result::Result<::durable::__private::wasm_bindgen::JsValue, ::durable::__private::wasm_bindgen::JsValue> {
            self.instance.rpc(call, move |object| async move {
                let mut args = ::durable::rpc::Args::new(#rust_name, #arity, args);
                #(#decode)*
                args.finish()?;
                #encode
            })
        }
    }
}
