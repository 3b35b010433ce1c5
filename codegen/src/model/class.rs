//! The model of `#[durable_object]` on a struct: the class.

use proc_macro2::TokenStream;

use crate::model::attr::{ClassArgs, StorageBackend};
use crate::model::ctxt::Ctxt;
use crate::model::name::{class_name_problem, has_generated_prefix, GENERATED_PREFIX};

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
        // The JavaScript name: `name = ".."`, or the struct's. Either must
        // not collide with generated code or be reserved in JavaScript.
        let named_at = args.name.as_ref().map(|(_, span)| *span);
        let js_name = args.name.map(|(name, _)| name).unwrap_or(rust);
        match (class_name_problem(&js_name), named_at) {
            (Some(problem), Some(span)) => cx.error_at(span, problem),
            // A struct with the generated code's prefix would collide with
            // that code on the Rust side too: it needs another name.
            (Some(problem), None) if has_generated_prefix(&js_name) => cx.error_spanned_by(&item.ident, problem),
            (Some(problem), None) => cx.error_spanned_by(
                &item.ident,
                format!("{problem} (or keep the struct's name and choose the class's with #[durable_object(name = \"...\")])"),
            ),
            (None, Some(_)) if has_generated_prefix(&item.ident.to_string()) => cx.error_spanned_by(
                &item.ident,
                format!(
                    "`{}` cannot name a Durable Object struct: names starting with `{GENERATED_PREFIX}` (in any case) are reserved for \
                     the code `#[durable_object]` generates; rename the struct",
                    item.ident
                ),
            ),
            (None, _) => {}
        }
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

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::model::fixtures::class as model;

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
    fn generic_struct_is_refused() {
        let errors = model(quote!(), quote!(struct Counter<T> { t: T })).err().unwrap();
        assert!(errors[0].to_string().contains("cannot be generic"));
    }

    #[test]
    fn a_class_name_of_the_generated_code_or_reserved_in_javascript_is_refused() {
        let errors = model(quote!(name = "default"), quote!(struct Counter;)).err().unwrap();
        assert!(errors[0].to_string().starts_with("`default` cannot name a Durable Object class: it is a reserved word"), "{}", errors[0]);
        let errors = model(quote!(), quote!(struct __durableTest;)).err().unwrap();
        assert!(errors[0].to_string().contains("reserved for the code"), "{}", errors[0]);
        assert!(errors[0].to_string().ends_with("such as `Test`"), "{}", errors[0]);
        let errors = model(quote!(), quote!(struct then;)).err().unwrap();
        assert!(errors[0].to_string().ends_with("(or keep the struct's name and choose the class's with #[durable_object(name = \"...\")])"), "{}", errors[0]);
        let errors = model(quote!(name = "Room"), quote!(struct __DurableObjectRoom;)).err().unwrap();
        assert!(errors[0].to_string().starts_with("`__DurableObjectRoom` cannot name a Durable Object struct"), "{}", errors[0]);
        assert!(model(quote!(), quote!(struct Runtime;)).ok().is_some());
        assert!(model(quote!(name = "DurableObject"), quote!(struct Counter;)).ok().is_some());
    }

    #[test]
    fn all_errors_are_reported_together() {
        let errors = model(quote!(bogus = 1), quote!(struct Counter<T> { t: T })).err().unwrap();
        assert_eq!(errors.len(), 2);
    }
}
