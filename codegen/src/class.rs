//! `#[durable_object]` on a struct: the struct, its binding and its metadata
//! record, from the checked [`Class`].

use proc_macro2::TokenStream;
use quote::quote;

use crate::meta;
use crate::model::attr::StorageBackend;
use crate::model::class::Class;
use crate::model::ctxt::{to_compile_errors, Ctxt};
use crate::model::name::export_name;

/// Expands the struct: the struct itself and its metadata record. The Wasm-side
/// glue is generated with the impl block, which knows the handlers.
pub fn expand(args: TokenStream, item: syn::ItemStruct) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    let class = Class::from_ast(&cx, args, item);
    if let Err(errors) = cx.check() {
        let item = &class.item;
        let errors = to_compile_errors(errors);
        // A stand-in binding keeps the impl block's `Class` impl from adding
        // an error of its own; the compile fails on the errors above.
        let rust = &item.ident;
        let stand_in = item.generics.params.is_empty().then(|| {
            quote! { impl #rust { #[doc(hidden)] pub const __DURABLE_BINDING: &'static str = ""; } }
        });
        return Ok(quote! { #item #errors #stand_in });
    }
    Ok(generate(&class))
}

fn generate(class: &Class) -> TokenStream {
    let item = &class.item;
    let rust = &item.ident;
    let export = export_name(rust);
    let deployment = meta::Deployment {
        binding: class.binding.clone(),
        renamed_from: class.renamed_from.clone(),
        storage: match class.storage {
            None | Some(StorageBackend::Sqlite) => meta::Storage::Sqlite,
            Some(StorageBackend::Kv) => meta::Storage::Kv,
        },
    };
    let record = meta::ClassRecord { rust: rust.to_string(), js: class.js_name.clone(), export, deployment };
    let meta_static = meta::emit(&format!("__DURABLE_CLASS_{rust}"), meta::Record::Class(record));
    let location = meta::emit_location(rust);
    let binding = class.binding.clone().unwrap_or_else(|| crate::model::name::screaming_snake(&class.js_name));
    quote! {
        #item

        // The binding name the class declares, for `durable::rpc::Class::BINDING`
        // (implemented with the impl block, which does not see these arguments).
        impl #rust {
            #[doc(hidden)]
            pub const __DURABLE_BINDING: &'static str = #binding;
        }

        // Without a `#[durable_object]` impl block (and its constructor) the
        // class cannot be built: say so at compile time.
        const _: fn() = ::durable::__private::assert_durable_object::<#rust>;

        #meta_static
        #location
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    use crate::model::fixtures::class as model;

    #[test]
    fn the_binding_is_declared_or_derived_from_the_javascript_name() {
        let binding = |args: TokenStream| {
            let class = model(args, quote!(pub struct ChatRoom;)).ok().unwrap();
            let code = generate(&class).to_string();
            let start = code.find("__DURABLE_BINDING").unwrap();
            code[start..].split('"').nth(1).unwrap().to_owned()
        };
        assert_eq!(binding(quote!()), "CHAT_ROOM");
        assert_eq!(binding(quote!(binding = "ROOMS")), "ROOMS");
        assert_eq!(binding(quote!(name = "HTTPRoom")), "HTTP_ROOM");
    }
}
