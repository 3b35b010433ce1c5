//! The Wasm-side glue of an RPC method: decodes the arguments, calls the
//! user's method and encodes its result.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
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

/// The glue method the JavaScript wrapper of a capability calls for this
/// RPC method.
pub fn glue_method(method: &RpcMethod, self_ty: &syn::Type) -> TokenStream {
    glue_methods(method, self_ty, false)
}

/// The glue method a Durable Object class calls for this RPC method, and its
/// twin for calls in the wire format (`durable::rpc`'s binary form of a call
/// between two objects of the SDK; none for a method returning a
/// capability): the same checks, the same method and the same errors, with
/// the arguments read from one `Uint8Array` and the result written to one.
/// Both call one function, the method's decoding, call and encoding (so a
/// type error in the signature is reported once).
pub fn class_glue_method(method: &RpcMethod, self_ty: &syn::Type) -> TokenStream {
    glue_methods(method, self_ty, true)
}

fn glue_methods(method: &RpcMethod, self_ty: &syn::Type, with_wire: bool) -> TokenStream {
    // Messages for the caller name the method and its parameters as a
    // JavaScript caller knows them (the class's and the `.d.ts`'s camelCase
    // names), and the Rust names beside them where those differ.
    let rust_name = called(&method.js_name, &method.ident.to_string());
    let arity = method.args.len() as u32;
    let inner = format_ident!("__rpc_run_{}", method.ident);
    let structured = export(method, &method.glue_ident(), quote!(::durable::__private::js_sys::Array), quote! {
        Self::#inner(object, ::durable::rpc::Args::new(#rust_name, #arity, args), false)
    });
    let wire = method.wire_glue_ident().filter(|_| with_wire).map(|glue| {
        export(method, &glue, quote!(::durable::__private::wasm_bindgen::JsValue), quote! {
            Self::#inner(object, ::durable::rpc::Args::wire(#rust_name, #arity, args)?, true)
        })
    });
    let run = run(method, self_ty, &inner);
    quote! {
        #structured
        #wire
        #run
    }
}

/// One exported glue method: `body` runs the method (`object` and `args`
/// in scope), in the call's instance.
fn export(method: &RpcMethod, glue: &syn::Ident, input: TokenStream, body: TokenStream) -> TokenStream {
    let export = glue.to_string();
    let run = if method.is_async {
        quote! { self.instance.rpc(call, move |object| async move { #body.await }) }
    } else {
        // A method that never awaits runs to completion in the call itself.
        quote! { self.instance.rpc_sync(call, move |object| #body) }
    };
    // An `Err` goes to the runtime as a value too (`durable::runtime::answer`).
    quote! {
        #[wasm_bindgen(js_name = #export)]
        pub fn #glue(
            &self,
            args: #input,
            call: u32,
        ) -> ::durable::__private::wasm_bindgen::JsValue {
            ::durable::runtime::answer(call, #run)
        }
    }
}

/// The method's decoding, call and encoding (`wire`: the result in the wire
/// format). Not `pub`, so the glue type's `#[wasm_bindgen]` block does not
/// export it.
fn run(method: &RpcMethod, self_ty: &syn::Type, inner: &syn::Ident) -> TokenStream {
    let ident = &method.ident;
    let rust_name = called(&method.js_name, &method.ident.to_string());
    let decode = method.args.iter().map(|(name, ty)| {
        let rust = name.to_string();
        let js = crate::ts::parameter_name(&rust);
        quote_spanned! {ty.span()=> let #name: #ty = args.next_as(#js, #rust)?; }
    });
    let names = method.args.iter().map(|(name, _)| name);
    let call = quote! { <#self_ty>::#ident(&*object, #(#names),*) };
    let call = if method.is_async { quote!(#call.await) } else { call };
    let encode = match &method.output {
        Output::Unit => quote! { let () = #call; let _ = wire; ::core::result::Result::Ok(::durable::__private::wasm_bindgen::JsValue::UNDEFINED) },
        Output::Value(ty) => quote_spanned! {ty.span()=> ::durable::rpc::encode_value(#rust_name, &#call, wire) },
        // `Ok(())` resolves to `undefined`, as a JavaScript method that returns nothing.
        Output::Result(ty) if is_unit(ty) => quote_spanned! {ty.span()=> { let _ = wire; ::durable::rpc::unit_result_to_js(#call) } },
        Output::Result(ty) => quote_spanned! {ty.span()=> ::durable::rpc::encode_result(#rust_name, #call, wire) },
        Output::Capability { target: ty, in_result: false, .. } => quote_spanned! {ty.span()=> { let _ = wire; ::durable::rpc::capability_to_js::<#ty>(#call) } },
        Output::Capability { target: ty, in_result: true, .. } => {
            quote_spanned! {ty.span()=> { let _ = wire; ::durable::rpc::capability_result_to_js::<#ty, _>(#call) } }
        }
    };
    let (asyncness, object) = if method.is_async {
        (quote!(async), quote!(::std::rc::Rc<#self_ty>))
    } else {
        (quote!(), quote!(&#self_ty))
    };
    quote! {
        #asyncness fn #inner(
            object: #object,
            mut args: ::durable::rpc::Args,
            wire: bool,
        ) -> ::durable::Result<::durable::__private::wasm_bindgen::JsValue> {
            #(#decode)*
            args.finish()?;
            #encode
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
