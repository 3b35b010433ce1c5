//! Arguments of `#[durable_object(...)]` on a struct, and the `#[durable(...)]`
//! helper attributes on methods of the impl block.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;

use crate::model::ctxt::Ctxt;
use crate::model::handler::HandlerKind;

/// Arguments accepted on the struct:
/// `#[durable_object(name = "Counter", binding = "COUNTERS", renamed_from = "Tally", storage = "kv")]`.
#[derive(Debug, Default)]
pub struct ClassArgs {
    /// The JavaScript class name, when it differs from the Rust one.
    pub name: Option<(String, Span)>,
    /// The binding name `durable config` gives the class in `wrangler.jsonc`.
    pub binding: Option<(String, Span)>,
    /// The class this one was renamed from: `durable config` writes a
    /// `renamed_classes` migration, which keeps the stored objects.
    pub renamed_from: Option<(String, Span)>,
    /// The storage backend: SQLite (default) or the legacy key-value one.
    pub storage: Option<(StorageBackend, Span)>,
}

/// The storage backend a new class is created with (`new_sqlite_classes` or
/// `new_classes` in its migration). It cannot change once the class exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageBackend {
    /// `storage = "sqlite"`, the default: SQL and the key-value API.
    Sqlite,
    /// `storage = "kv"`: the legacy key-value backend (no SQL), for a class
    /// that already exists as key-value-backed. Since July 2026 Cloudflare
    /// refuses new key-value-backed classes on accounts that have none, and
    /// `durable config` refuses to declare a new one.
    Kv,
}

impl StorageBackend {
    /// The name used in the attribute and in the build metadata.
    pub fn name(self) -> &'static str {
        match self {
            StorageBackend::Sqlite => "sqlite",
            StorageBackend::Kv => "kv",
        }
    }
}

const CLASS_ARGS_HELP: &str =
    "expected `name = \"ClassName\"`, `binding = \"BINDING\"`, `renamed_from = \"OldClassName\"` or `storage = \"sqlite\" | \"kv\"`";

/// Parses a string argument that must be a JavaScript identifier.
fn identifier_value(meta: &syn::meta::ParseNestedMeta, what: &str) -> syn::Result<(String, Span)> {
    let lit: syn::LitStr = meta.value()?.parse()?;
    let value = lit.value();
    if !is_js_identifier(&value) {
        return Err(syn::Error::new(
            lit.span(),
            format!("`{value}` is not a valid {what}: use letters, digits, `_` or `$`, not starting with a digit"),
        ));
    }
    Ok((value, lit.span()))
}

impl ClassArgs {
    /// Parses the attribute's arguments, recording problems in `cx`.
    pub fn parse(cx: &Ctxt, args: TokenStream) -> Self {
        let mut out = ClassArgs::default();
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("name") {
                out.name = Some(identifier_value(&meta, "JavaScript class name")?);
                Ok(())
            } else if meta.path.is_ident("binding") {
                out.binding = Some(identifier_value(&meta, "binding name")?);
                Ok(())
            } else if meta.path.is_ident("renamed_from") {
                out.renamed_from = Some(identifier_value(&meta, "class name to rename from")?);
                Ok(())
            } else if meta.path.is_ident("storage") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                let backend = match lit.value().as_str() {
                    "sqlite" => StorageBackend::Sqlite,
                    "kv" => StorageBackend::Kv,
                    other => {
                        return Err(syn::Error::new(
                            lit.span(),
                            format!("unknown storage backend `{other}`: expected `\"sqlite\"` (the default) or `\"kv\"` (the legacy key-value backend)"),
                        ))
                    }
                };
                out.storage = Some((backend, lit.span()));
                Ok(())
            } else if meta.path.is_ident("transferred_from") {
                Err(meta.error(
                    "`durable config` does not generate transfers between scripts: write the \
                     `transferred_classes` migration in wrangler.jsonc by hand (`durable config` then treats the class as existing)",
                ))
            } else {
                let name = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_else(|| "this".into());
                Err(meta.error(format!("unknown argument `{name}` for #[durable_object] on a struct: {CLASS_ARGS_HELP}")))
            }
        });
        if let Err(e) = parser.parse2(args) {
            cx.syn_error(e);
        }
        out
    }
}

/// What a `#[durable(...)]` attribute on a method asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodRole {
    /// `#[durable(constructor)]`.
    Constructor,
    /// `#[durable(fetch)]` and the other handler kinds.
    Handler(HandlerKind),
}

/// Everything `#[durable(...)]` attributes say about one method.
#[derive(Debug, Default)]
pub struct MethodAttrs {
    /// `constructor` or a handler kind.
    pub role: Option<(MethodRole, Span)>,
    /// `skip`: a public method that is not exposed over RPC.
    pub skip: Option<Span>,
    /// `name = "jsName"`: the RPC method's JavaScript name.
    pub name: Option<(String, Span)>,
    /// `retryable`: the runtime may retry the RPC method after it may have
    /// started (`retryable()` from `cloudflare:durable-objects`).
    pub retryable: Option<Span>,
}

/// Reads and removes the `#[durable(...)]` attributes of a method.
pub fn take_method_attrs(cx: &Ctxt, attrs: &mut Vec<syn::Attribute>) -> MethodAttrs {
    let mut out = MethodAttrs::default();
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("durable") {
            kept.push(attr);
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.get_ident().map(|i| i.span()).unwrap_or_else(Span::call_site);
            if meta.path.is_ident("skip") {
                out.skip = Some(span);
                return Ok(());
            }
            if meta.path.is_ident("retryable") {
                out.retryable = Some(span);
                return Ok(());
            }
            if meta.path.is_ident("name") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                if !is_js_identifier(&lit.value()) {
                    return Err(syn::Error::new(lit.span(), format!("`{}` is not a valid JavaScript method name", lit.value())));
                }
                out.name = Some((lit.value(), lit.span()));
                return Ok(());
            }
            let found = if meta.path.is_ident("constructor") {
                MethodRole::Constructor
            } else if let Some(kind) = meta.path.get_ident().and_then(|i| HandlerKind::from_name(&i.to_string())) {
                MethodRole::Handler(kind)
            } else {
                return Err(meta.error(format!(
                    "unknown #[durable(...)] argument: expected `constructor`, a handler ({}), `skip`, `retryable` or `name = \"jsName\"`",
                    HandlerKind::ALL.iter().map(|k| format!("`{}`", k.name())).collect::<Vec<_>>().join(", ")
                )));
            };
            if out.role.is_some() {
                return Err(meta.error("a method has one role: remove the extra #[durable(...)] argument"));
            }
            out.role = Some((found, span));
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    *attrs = kept;
    out
}

/// The `#[doc]` attributes of an item (its rustdoc), to repeat them on
/// generated items.
pub fn doc_attrs(attrs: &[syn::Attribute]) -> Vec<syn::Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("doc")).cloned().collect()
}

/// Whether `s` can be used as a JavaScript class name.
pub fn is_js_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn js_identifiers() {
        assert!(is_js_identifier("Counter"));
        assert!(is_js_identifier("_x$1"));
        assert!(!is_js_identifier("1x"));
        assert!(!is_js_identifier("a-b"));
        assert!(!is_js_identifier(""));
    }

    #[test]
    fn class_name_argument() {
        let cx = Ctxt::new();
        let args = ClassArgs::parse(&cx, quote!(name = "Renamed"));
        assert!(cx.check().is_ok());
        assert_eq!(args.name.unwrap().0, "Renamed");
    }

    #[test]
    fn deployment_arguments() {
        let cx = Ctxt::new();
        let args = ClassArgs::parse(&cx, quote!(binding = "ROOMS", renamed_from = "Room", storage = "kv"));
        assert!(cx.check().is_ok());
        assert_eq!(args.binding.unwrap().0, "ROOMS");
        assert_eq!(args.renamed_from.unwrap().0, "Room");
        assert_eq!(args.storage.unwrap().0, StorageBackend::Kv);
    }

    #[test]
    fn unknown_storage_backend_is_an_error() {
        let cx = Ctxt::new();
        ClassArgs::parse(&cx, quote!(storage = "postgres"));
        assert!(cx.check().unwrap_err()[0].to_string().contains("unknown storage backend `postgres`"));
    }

    #[test]
    fn unknown_class_argument_is_an_error() {
        let cx = Ctxt::new();
        ClassArgs::parse(&cx, quote!(colour = "red"));
        let errors = cx.check().unwrap_err();
        assert!(errors[0].to_string().contains("unknown argument `colour`"));
    }

    #[test]
    fn method_role_is_taken_out() {
        let cx = Ctxt::new();
        let mut attrs: Vec<syn::Attribute> = vec![syn::parse_quote!(#[durable(fetch)]), syn::parse_quote!(#[inline])];
        let found = take_method_attrs(&cx, &mut attrs);
        assert!(cx.check().is_ok());
        assert_eq!(found.role.unwrap().0, MethodRole::Handler(HandlerKind::Fetch));
        assert_eq!(attrs.len(), 1);
    }

    #[test]
    fn rpc_name_and_skip() {
        let cx = Ctxt::new();
        let mut attrs: Vec<syn::Attribute> = vec![syn::parse_quote!(#[durable(name = "peek", skip)])];
        let found = take_method_attrs(&cx, &mut attrs);
        assert!(cx.check().is_ok());
        assert_eq!(found.name.unwrap().0, "peek");
        assert!(found.skip.is_some());
    }

}
