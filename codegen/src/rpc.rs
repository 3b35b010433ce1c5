//! The Wasm-side glue of an RPC method: decodes the arguments, calls the
//! user's method and encodes its result.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::rpc::{is_unit, Output, RpcMethod};

/// How errors name a method: its JavaScript name, and the Rust one beside it
/// where the two differ (`openSession (Rust `open_session`)`).
pub fn called(js: &str, rust: &str) -> String {
    if js == rust {
        js.to_owned()
    } else {
        format!("{js} (Rust `{rust}`)")
    }
}

/// The glue method the JavaScript class calls for this RPC method.
pub fn glue_method(method: &RpcMethod, self_ty: &syn::Type) -> TokenStream {
    let glue = method.glue_ident();
    let export = glue.to_string();
    let ident = &method.ident;
    // Messages for the caller name the method and its parameters as a
    // JavaScript caller knows them (the class's and the `.d.ts`'s camelCase
    // names), and the Rust names beside them where those differ.
    let rust_name = called(&method.js_name, &ident.to_string());
    let arity = method.args.len() as u32;
    let decode = method.args.iter().map(|(name, ty)| {
        let rust = name.to_string();
        let js = crate::ts::parameter_name(&rust);
        quote_spanned! {ty.span()=> let #name: #ty = args.next_as(#js, #rust)?; }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_javascript_method_and_parameters() {
        assert_eq!(called("weigh", "weigh"), "weigh");
        assert_eq!(called("openSession", "open_session"), "openSession (Rust `open_session`)");
        let sig: syn::Signature = syn::parse_quote!(fn open_session(&self, user: String, on_event: Callback<(u32,), ()>));
        let cx = crate::model::ctxt::Ctxt::new();
        let method = RpcMethod::from_sig(&cx, &sig, None).unwrap();
        cx.check().unwrap();
        let code = glue_method(&method, &syn::parse_quote!(Sessions)).to_string();
        assert!(code.contains(r#"Args :: new ("openSession (Rust `open_session`)" , 2u32"#), "{code}");
        assert!(code.contains(r#"args . next_as ("user" , "user")"#), "{code}");
        assert!(code.contains(r#"args . next_as ("onEvent" , "on_event")"#), "{code}");
    }
}
