//! `#[durable::test]`: an async test function taking a
//! `durable::testing::TestEnv`, run by the test harness as a plain `#[test]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

/// Expands `#[durable::test]` (or `#[durable::test(private)]`) on `item`.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    match try_expand(args, item) {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
}

fn try_expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let private = parse_args(args)?;
    let mut function: syn::ItemFn = syn::parse2(item)?;
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(sig.fn_token.span(), "#[durable::test] goes on an `async fn` taking a `durable::testing::TestEnv`"));
    }
    if sig.inputs.len() != 1 || !matches!(sig.inputs.first(), Some(syn::FnArg::Typed(_))) {
        return Err(syn::Error::new(
            sig.inputs.span(),
            "a #[durable::test] function takes one argument, the `durable::testing::TestEnv` (`env: TestEnv`)",
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new(sig.generics.span(), "a #[durable::test] function cannot be generic"));
    }
    let name = sig.ident.clone();
    let attrs = std::mem::take(&mut function.attrs);
    let vis = function.vis.clone();
    let private = if private { quote!(true) } else { quote!(false) };
    Ok(quote! {
        #[cfg(not(target_arch = "wasm32"))]
        #[::core::prelude::v1::test]
        #(#attrs)*
        #vis fn #name() {
            #function
            ::durable::testing::__run(::core::env!("CARGO_MANIFEST_DIR"), ::core::env!("CARGO_PKG_NAME"), #private, #name)
        }
    })
}

/// `private` or nothing.
fn parse_args(args: TokenStream) -> syn::Result<bool> {
    if args.is_empty() {
        return Ok(false);
    }
    let ident: syn::Ident = syn::parse2(args.clone())
        .map_err(|_| syn::Error::new(args.span(), "#[durable::test] takes no arguments, or `private` (a runtime of the test's own, which may restart)"))?;
    if ident != "private" {
        return Err(syn::Error::new(ident.span(), "#[durable::test] takes no arguments, or `private` (a runtime of the test's own, which may restart)"));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::expand;
    use quote::quote;

    #[test]
    fn wraps_the_async_body_in_a_test() {
        let out = expand(quote!(), quote!(async fn counts(env: TestEnv) -> durable::Result<()> { Ok(()) })).to_string();
        assert!(out.contains("fn counts ()"), "{out}");
        assert!(out.contains("durable :: testing :: __run"), "{out}");
        assert!(out.contains("false , counts"), "{out}");
        let private = expand(quote!(private), quote!(async fn restarts(env: TestEnv) {})).to_string();
        assert!(private.contains("true , restarts"), "{private}");
    }

    #[test]
    fn refuses_what_it_cannot_run() {
        assert!(expand(quote!(), quote!(fn sync(env: TestEnv) {})).to_string().contains("async fn"));
        assert!(expand(quote!(), quote!(async fn none() {})).to_string().contains("one argument"));
        assert!(expand(quote!(shared), quote!(async fn a(env: TestEnv) {})).to_string().contains("`private`"));
    }
}
