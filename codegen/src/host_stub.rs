//! The typed stub outside Wasm: the same methods, whose calls go to the test
//! runtime of `durable::testing` instead of a JavaScript stub (wasm-bindgen's
//! imports cannot run on the host). Arguments are serialized with serde and
//! the driver worker makes the real JavaScript RPC call.

use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::rpc::RpcMethod;

/// The JSON arguments of a call outside Wasm.
fn encode(method: &RpcMethod) -> Vec<TokenStream> {
    let js_name = &method.js_name;
    method
        .args
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| {
            let position = i as u32 + 1;
            let label = name.to_string();
            quote_spanned! {ty.span()=> ::durable::testing::arg_to_json(#js_name, #position, #label, &#name)? }
        })
        .collect()
}

/// The body of a typed stub's method: `wasm` (the JavaScript call) in Wasm,
/// the call through the test runtime elsewhere. `ret` is what the call
/// resolves to; `capability`, the `durable::rpc::Target` type the method
/// hands out, if it returns one.
pub fn method_body(method: &RpcMethod, ret: &TokenStream, capability: Option<&syn::Type>, wasm: TokenStream) -> TokenStream {
    let js_name = &method.js_name;
    let encode = encode(method);
    let call = match capability {
        Some(ty) => quote!(::durable::testing::call_capability::<#ty>(&self.raw, #js_name, args).await),
        None => quote!(::durable::testing::call_stub::<#ret>(&self.raw, #js_name, args).await),
    };
    quote! {
        #[cfg(target_arch = "wasm32")]
        let result = { #wasm };
        #[cfg(not(target_arch = "wasm32"))]
        let result = {
            let args = ::std::vec![#(#encode),*];
            #call
        };
        result
    }
}

/// The body of `<method>_pipelined`: `wasm` in Wasm, the pipelined call
/// through the test runtime elsewhere.
pub fn pipelined_body(method: &RpcMethod, capability: &syn::Type, wasm: TokenStream) -> TokenStream {
    let js_name = &method.js_name;
    let encode = encode(method);
    quote! {
        #[cfg(target_arch = "wasm32")]
        let result = { #wasm };
        #[cfg(not(target_arch = "wasm32"))]
        let result = {
            let args = ::std::vec![#(#encode),*];
            ::durable::testing::call_pipelined::<#capability>(&self.raw, #js_name, args)
        };
        result
    }
}

/// Lets the test harness address the typed stub `stub` (outside Wasm).
pub fn test_stub_impl(stub: &Ident) -> TokenStream {
    quote! {
        #[cfg(not(target_arch = "wasm32"))]
        impl ::durable::testing::TestStub for #stub {
            fn test_stub(&self) -> &::durable::rpc::Stub {
                &self.raw
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_target_gets_its_own_call() {
        let sig: syn::Signature = syn::parse_quote!(async fn increment(&self, amount: i64) -> Result<i64>);
        let cx = crate::model::ctxt::Ctxt::new();
        let method = RpcMethod::from_sig(&cx, &sig, None).unwrap();
        let _ = cx.check();
        let body = method_body(&method, &quote!(i64), None, quote!(wasm_call())).to_string();
        assert!(body.contains("# [cfg (target_arch = \"wasm32\")] let result = { wasm_call () } ;"), "{body}");
        assert!(body.contains("# [cfg (not (target_arch = \"wasm32\"))]"), "{body}");
        assert!(body.contains(":: durable :: testing :: arg_to_json (\"increment\" , 1u32 , \"amount\" , & amount) ?"), "{body}");
        assert!(body.contains(":: durable :: testing :: call_stub :: < i64 > (& self . raw , \"increment\" , args) . await"), "{body}");
    }
}
