//! `#[durable_object]` on a struct: the class.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::attr::{ClassArgs, StorageBackend};
use crate::ctxt::{to_compile_errors, Ctxt};
use crate::meta;

/// A checked class declaration.
pub struct Class {
    /// The struct as the user wrote it.
    pub item: syn::ItemStruct,
    /// The JavaScript class name.
    pub js_name: String,
    /// `binding = "..."`: its binding name in wrangler.jsonc.
    pub binding: Option<String>,
    /// `renamed_from = "..."`: the class it was renamed from.
    pub renamed_from: Option<String>,
    /// `storage = "..."`: its storage backend, when chosen explicitly.
    pub storage: Option<StorageBackend>,
}

/// The Rust type that carries the class across the Wasm boundary. Derived from
/// the struct's name so that the impl block can find it without coordination.
pub fn glue_ident(rust: &Ident) -> Ident {
    format_ident!("__DurableObject{}", rust)
}

/// The name of the Wasm export behind the JavaScript class.
pub fn export_name(rust: &Ident) -> String {
    format!("__durable_{rust}")
}

impl Class {
    /// Builds the model, recording every problem in `cx`.
    pub fn from_ast(cx: &Ctxt, args: TokenStream, item: syn::ItemStruct) -> Self {
        let args = ClassArgs::parse(cx, args);
        let generics = &item.generics;
        if !generics.params.is_empty() || generics.where_clause.is_some() {
            cx.error_spanned_by(
                generics,
                "a Durable Object class cannot be generic: the runtime constructs it by class name, \
                 so it must be one concrete type (wrap the generic part in a field instead)",
            );
        }
        let rust = item.ident.to_string();
        if rust.starts_with("r#") {
            cx.error_spanned_by(&item.ident, "a Durable Object class name cannot be a raw identifier");
        }
        let js_name = args.name.map(|(name, _)| name).unwrap_or(rust);
        if let Some((from, span)) = &args.renamed_from {
            if *from == js_name {
                cx.error_at(*span, format!("`{js_name}` cannot be renamed from itself: `renamed_from` names the class's previous JavaScript name"));
            }
        }
        Class {
            item,
            js_name,
            binding: args.binding.map(|(b, _)| b),
            renamed_from: args.renamed_from.map(|(r, _)| r),
            storage: args.storage.map(|(s, _)| s),
        }
    }
}

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
        binding: class.binding.as_deref(),
        renamed_from: class.renamed_from.as_deref(),
        storage: class.storage.map(StorageBackend::name),
    };
    let record = meta::class_record(&rust.to_string(), &class.js_name, &export, &deployment);
    let meta_static = meta::emit(&format!("__DURABLE_CLASS_{rust}"), &record);
    let location = meta::emit_location(rust);
    let binding = class.binding.clone().unwrap_or_else(|| crate::attr::screaming_snake(&class.js_name));
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

    fn model(args: TokenStream, item: TokenStream) -> Result<Class, Vec<syn::Error>> {
        let cx = Ctxt::new();
        let class = Class::from_ast(&cx, args, syn::parse2(item).unwrap());
        cx.check().map(|_| class)
    }

    #[test]
    fn name_defaults_to_the_struct() {
        let class = model(quote!(), quote!(struct Counter { n: u8 })).ok().unwrap();
        assert_eq!(class.js_name, "Counter");
    }

    #[test]
    fn name_can_be_chosen() {
        let class = model(quote!(name = "Tally"), quote!(struct Counter;)).ok().unwrap();
        assert_eq!(class.js_name, "Tally");
    }

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

    #[test]
    fn generic_struct_is_refused() {
        let errors = model(quote!(), quote!(struct Counter<T> { t: T })).err().unwrap();
        assert!(errors[0].to_string().contains("cannot be generic"));
    }

    #[test]
    fn all_errors_are_reported_together() {
        let errors = model(quote!(bogus = 1), quote!(struct Counter<T> { t: T })).err().unwrap();
        assert_eq!(errors.len(), 2);
    }
}
