//! The typed stub outside Wasm: the same methods, whose calls go to the test
//! runtime of `durable::testing` instead of a JavaScript stub (wasm-bindgen's
//! imports cannot run on the host). Arguments are serialized with serde and
//! the driver worker makes the real JavaScript RPC call.

use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::rpc::RpcMethod;

/// The body of a typed stub's method: `wasm` (the JavaScript call) in Wasm,
/// the call through the test runtime elsewhere. `ret` is what the call
/// resolves to.
pub fn method_body(method: &RpcMethod, ret: &TokenStream, wasm: TokenStream) -> TokenStream {
    let js_name = &method.js_name;
    let encode = method.args.iter().enumerate().map(|(i, (name, ty))| {
        let position = i as u32 + 1;
        let label = name.to_string();
        quote_spanned! {ty.span()=> ::durable::testing::arg_to_json(#js_name, #position, #label, &#name)? }
    });
    quote! {
        #[cfg(target_arch = "wasm32")]
        let result = { #wasm };
        #[cfg(not(target_arch = "wasm32"))]
        let result = {
            let args = ::std::vec![#(#encode),*];
            ::durable::testing::call_stub::<#ret>(&self.raw, #js_name, args).await
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
