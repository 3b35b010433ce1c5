//! TypeScript declarations, derived from Rust types by their syntax.
//!
//! A class's RPC methods are rendered from their signatures
//! (`increment(amount: number): Promise<number>`); named types used there are
//! declared by `#[derive(durable::TypeScript)]`, which follows the serde
//! attributes that shape the JavaScript value (`rename`, `rename_all`, `skip`,
//! `default`, `skip_serializing_if`, and the four enum representations). Each
//! declaration travels to `durable build` as a metadata record; names that no
//! derive declares become `unknown` there, with a warning.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;

use crate::meta;
use crate::model::ctxt::{to_compile_errors, Ctxt};
use crate::model::name::camel_case;
use crate::model::rpc::{Output, RpcMethod};

/// Renders `ty` as a TypeScript type. Named types that are not built in are
/// added to `refs` (except the names in `params`, the generic parameters in
/// scope).
pub fn ts_type(ty: &syn::Type, params: &[String], refs: &mut BTreeSet<String>) -> String {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else { return "unknown".into() };
            let name = last.ident.to_string();
            let args: Vec<&syn::Type> = match &last.arguments {
                syn::PathArguments::AngleBracketed(a) => a
                    .args
                    .iter()
                    .filter_map(|g| match g {
                        syn::GenericArgument::Type(t) => Some(t),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let arg = |i: usize, refs: &mut BTreeSet<String>| {
                args.get(i).map(|t| ts_type(t, params, refs)).unwrap_or_else(|| "unknown".into())
            };
            match name.as_str() {
                "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128" | "isize"
                | "f32" | "f64" => "number".into(),
                "bool" => "boolean".into(),
                "String" | "str" | "char" => "string".into(),
                "Option" => format!("{} | undefined", arg(0, refs)),
                "Vec" | "VecDeque" | "LinkedList" | "HashSet" | "BTreeSet" | "BinaryHeap" => {
                    format!("Array<{}>", arg(0, refs))
                }
                "HashMap" | "BTreeMap" => format!("Record<string, {}>", arg(1, refs)),
                "Box" | "Rc" | "Arc" | "Cow" => arg(0, refs),
                "ByteBuf" | "Bytes" => "Uint8Array".into(),
                // `durable::rpc::ByteStream`.
                "ByteStream" => "ReadableStream<Uint8Array>".into(),
                "ByteSink" => "WritableStream<Uint8Array>".into(),
                // `durable::rpc::HttpRequest` and friends: the runtime's own.
                "HttpRequest" => "Request".into(),
                "HttpResponse" => "Response".into(),
                "HttpHeaders" => "Headers".into(),
                // `durable::sql::SqlValue`: what `sql.exec` binds (booleans and BigInts as integers).
                "SqlValue" => "null | number | bigint | string | boolean | Uint8Array".into(),
                "JsValue" | "Value" => "unknown".into(),
                // `durable::rpc::Callback<(A, B), R>`: a function (its result may be a promise).
                "Callback" => {
                    let params = match args.first() {
                        Some(syn::Type::Tuple(t)) => {
                            t.elems.iter().enumerate().map(|(i, e)| format!("arg{i}: {}", ts_type(e, params, refs))).collect()
                        }
                        _ => Vec::new(),
                    };
                    let result = arg(1, refs);
                    let result = if result == "null" { "void".to_owned() } else { result };
                    format!("(({}) => {result} | Promise<{result}>)", params.join(", "))
                }
                // `durable::rpc::Capability<Session>` in a value: the caller gets a `Session`.
                "Capability" if args.len() == 1 => arg(0, refs),
                // A typed stub (`CounterStub`, `SessionStub`): its declaration is
                // generated with it (`DurableObjectStub`, or the capability's interface).
                _ if name.len() > 4 && name.ends_with("Stub") && args.is_empty() => {
                    refs.insert(name.clone());
                    name
                }
                _ if params.contains(&name) => name,
                _ => {
                    refs.insert(name.clone());
                    if args.is_empty() {
                        name
                    } else {
                        let rendered: Vec<String> = (0..args.len()).map(|i| arg(i, refs)).collect();
                        format!("{name}<{}>", rendered.join(", "))
                    }
                }
            }
        }
        syn::Type::Tuple(t) if t.elems.is_empty() => "null".into(),
        syn::Type::Tuple(t) => {
            let elems: Vec<String> = t.elems.iter().map(|e| ts_type(e, params, refs)).collect();
            format!("[{}]", elems.join(", "))
        }
        syn::Type::Array(a) => format!("Array<{}>", ts_type(&a.elem, params, refs)),
        syn::Type::Slice(s) => format!("Array<{}>", ts_type(&s.elem, params, refs)),
        syn::Type::Reference(r) => ts_type(&r.elem, params, refs),
        syn::Type::Paren(p) => ts_type(&p.elem, params, refs),
        syn::Type::Group(g) => ts_type(&g.elem, params, refs),
        _ => "unknown".into(),
    }
}

/// The inner type of an `Option<T>`, if `ty` is one.
pub fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else { return None };
    a.args.iter().find_map(|g| match g {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// A TypeScript string literal.
fn lit(s: &str) -> String {
    format!("{:?}", s)
}

/// Renames a Rust identifier per serde's `rename_all` rule.
pub fn rename(name: &str, rule: Option<&str>) -> String {
    let words: Vec<String> = split_words(name);
    let join_cap = |sep: &str, upper_first: bool| -> String {
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i == 0 && !upper_first {
                    w.clone()
                } else {
                    let mut c = w.chars();
                    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
                }
            })
            .collect::<Vec<_>>()
            .join(sep)
    };
    match rule {
        Some("lowercase") => name.to_lowercase(),
        Some("UPPERCASE") => name.to_uppercase(),
        Some("PascalCase") => join_cap("", true),
        Some("camelCase") => join_cap("", false),
        Some("snake_case") => words.join("_"),
        Some("SCREAMING_SNAKE_CASE") => words.join("_").to_uppercase(),
        Some("kebab-case") => words.join("-"),
        Some("SCREAMING-KEBAB-CASE") => words.join("-").to_uppercase(),
        _ => name.to_owned(),
    }
}

/// Lower-case words of a snake_case or PascalCase identifier.
fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    for c in name.chars() {
        if c == '_' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
        } else if c.is_uppercase() && !current.is_empty() {
            words.push(std::mem::take(&mut current));
            current.extend(c.to_lowercase());
        } else {
            current.extend(c.to_lowercase());
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

const RENAME_RULES: &[&str] = &[
    "lowercase", "UPPERCASE", "PascalCase", "camelCase", "snake_case", "SCREAMING_SNAKE_CASE", "kebab-case",
    "SCREAMING-KEBAB-CASE",
];

/// The serde attributes that shape a value's JavaScript form.
#[derive(Default)]
struct Serde {
    rename: Option<String>,
    rename_all: Option<String>,
    tag: Option<String>,
    content: Option<String>,
    untagged: bool,
    skip: bool,
    optional: bool,
    transparent: bool,
}

fn serde_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> Serde {
    let mut out = Serde::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
            let string = |meta: &syn::meta::ParseNestedMeta| -> syn::Result<String> {
                Ok(meta.value()?.parse::<syn::LitStr>()?.value())
            };
            match key.as_str() {
                "rename" => out.rename = Some(string(&meta)?),
                "rename_all" => {
                    let rule = string(&meta)?;
                    if !RENAME_RULES.contains(&rule.as_str()) {
                        return Err(meta.error(format!("unknown rename_all rule `{rule}`")));
                    }
                    out.rename_all = Some(rule);
                }
                "tag" => out.tag = Some(string(&meta)?),
                "content" => out.content = Some(string(&meta)?),
                "untagged" => out.untagged = true,
                "transparent" => out.transparent = true,
                "skip" | "skip_serializing" => out.skip = true,
                "default" | "skip_serializing_if" => {
                    out.optional = true;
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    }
                }
                "flatten" => return Err(meta.error("#[derive(TypeScript)] does not support `flatten` yet")),
                _ => {
                    // Attributes that do not change the JavaScript shape
                    // (deny_unknown_fields, bound, with, ...): skip their value.
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    } else if meta.input.peek(syn::token::Paren) {
                        let content;
                        syn::parenthesized!(content in meta.input);
                        let _: TokenStream = content.parse()?;
                    }
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// The object type of named fields: `{ title: string; year?: number }`.
fn fields_object(
    cx: &Ctxt,
    fields: &syn::FieldsNamed,
    rule: Option<&str>,
    all_optional: bool,
    params: &[String],
    refs: &mut BTreeSet<String>,
) -> String {
    let mut members = Vec::new();
    for field in &fields.named {
        let attrs = serde_attrs(cx, &field.attrs);
        if attrs.skip {
            continue;
        }
        let ident = field.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
        let ident = ident.trim_start_matches("r#");
        let name = attrs.rename.unwrap_or_else(|| rename(ident, rule));
        let (ty, optional) = match option_inner(&field.ty) {
            Some(inner) => (ts_type(inner, params, refs), true),
            None => (ts_type(&field.ty, params, refs), attrs.optional || all_optional),
        };
        members.push(format!("{}{}: {ty}", lit(&name), if optional { "?" } else { "" }));
    }
    format!("{{ {} }}", members.join("; "))
}

fn unnamed(fields: &syn::FieldsUnnamed, params: &[String], refs: &mut BTreeSet<String>) -> String {
    let elems: Vec<String> = fields.unnamed.iter().map(|f| ts_type(&f.ty, params, refs)).collect();
    if elems.len() == 1 {
        elems.into_iter().next().unwrap_or_default()
    } else {
        format!("[{}]", elems.join(", "))
    }
}

/// A Rust parameter's name in a TypeScript signature: camelCase, with `_`
/// after a word JavaScript reserves (`case` is `case_`: `sqlRows(case:
/// string)` is a syntax error in a `.d.ts`). Only the name in the
/// declaration changes; callers pass arguments by position.
pub(crate) fn parameter_name(rust: &str) -> String {
    let name = camel_case(rust);
    if crate::model::name::is_reserved_word(&name) {
        name + "_"
    } else {
        name
    }
}

/// The TypeScript signature of an RPC method, e.g. `increment(amount: number): Promise<number>`.
/// Trailing `Option` arguments are optional. Named types go into `refs`.
pub fn method_signature(method: &RpcMethod, refs: &mut BTreeSet<String>) -> String {
    let required = method.args.iter().rposition(|(_, ty)| option_inner(ty).is_none()).map_or(0, |i| i + 1);
    let params: Vec<String> = method
        .args
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| match option_inner(ty) {
            Some(inner) if i >= required => format!("{}?: {}", parameter_name(&name.to_string()), ts_type(inner, &[], refs)),
            _ => format!("{}: {}", parameter_name(&name.to_string()), ts_type(ty, &[], refs)),
        })
        .collect();
    let result = match &method.output {
        Output::Unit => "void".to_owned(),
        Output::Value(ty) | Output::Result(ty) | Output::Capability { target: ty, .. } => ts_type(ty, &[], refs),
    };
    let result = if result == "null" { "void".to_owned() } else { result };
    format!("{}({}): Promise<{result}>", method.js_name, params.join(", "))
}

/// A type's TypeScript declaration.
pub struct Declaration {
    /// The declared name.
    pub name: String,
    /// `export type Name = ...;`
    pub decl: String,
    /// Named types it refers to.
    pub refs: BTreeSet<String>,
}

/// `#[derive(TypeScript)]`: declares the type's JavaScript shape for `durable build`.
pub fn derive(input: TokenStream) -> TokenStream {
    let input: syn::DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let cx = Ctxt::new();
    let declaration = declare(&cx, &input);
    if let Err(errors) = cx.check() {
        return to_compile_errors(errors);
    }
    let Declaration { name, decl, refs } = declaration;
    meta::emit(&format!("__DURABLE_TS_{}", input.ident), meta::Record::Ts(meta::TsRecord { name, decl, refs }))
}

/// Builds the declaration of `input`, recording problems in `cx`.
pub fn declare(cx: &Ctxt, input: &syn::DeriveInput) -> Declaration {
    let container = serde_attrs(cx, &input.attrs);
    let params: Vec<String> = input.generics.type_params().map(|p| p.ident.to_string()).collect();
    let mut refs = BTreeSet::new();
    let name = container.rename.clone().unwrap_or_else(|| input.ident.to_string());
    let generics = if params.is_empty() { String::new() } else { format!("<{}>", params.join(", ")) };
    let rule = container.rename_all.as_deref();
    let body = match &input.data {
        syn::Data::Struct(s) => match &s.fields {
            syn::Fields::Named(f) if container.transparent => f
                .named
                .first()
                .map(|f| ts_type(&f.ty, &params, &mut refs))
                .unwrap_or_else(|| "unknown".into()),
            // `#[serde(default)]` on the container makes every field optional.
            syn::Fields::Named(f) => fields_object(cx, f, rule, container.optional, &params, &mut refs),
            syn::Fields::Unnamed(f) => unnamed(f, &params, &mut refs),
            syn::Fields::Unit => "null".into(),
        },
        syn::Data::Enum(e) => {
            let mut variants = Vec::new();
            for v in &e.variants {
                let attrs = serde_attrs(cx, &v.attrs);
                if attrs.skip {
                    continue;
                }
                let tag = attrs.rename.clone().unwrap_or_else(|| rename(&v.ident.to_string(), rule));
                let field_rule = attrs.rename_all.as_deref();
                let content = match &v.fields {
                    syn::Fields::Unit => None,
                    syn::Fields::Unnamed(f) => Some(unnamed(f, &params, &mut refs)),
                    syn::Fields::Named(f) => Some(fields_object(cx, f, field_rule, false, &params, &mut refs)),
                };
                let rendered = if container.untagged {
                    content.unwrap_or_else(|| "null".into())
                } else if let Some(tag_field) = &container.tag {
                    match (&container.content, content) {
                        (Some(content_field), Some(c)) => format!("{{ {}: {}; {}: {c} }}", lit(tag_field), lit(&tag), lit(content_field)),
                        (_, None) => format!("{{ {}: {} }}", lit(tag_field), lit(&tag)),
                        (None, Some(c)) => format!("({{ {}: {} }} & {c})", lit(tag_field), lit(&tag)),
                    }
                } else {
                    match content {
                        None => lit(&tag),
                        Some(c) => format!("{{ {}: {c} }}", lit(&tag)),
                    }
                };
                variants.push(rendered);
            }
            if variants.is_empty() {
                "never".into()
            } else {
                variants.join(" | ")
            }
        }
        syn::Data::Union(u) => {
            cx.error_spanned_by(u.union_token, "#[derive(TypeScript)] does not support unions");
            "unknown".into()
        }
    };
    refs.remove(&input.ident.to_string());
    let decl = format!("export type {name}{generics} = {body};");
    Declaration { name, decl, refs }
}

/// `#[durable::typescript]` on a type alias (`pub type OnEvent =
/// Callback<(Event,), ()>;`): the alias unchanged, and its TypeScript
/// declaration for `durable build`, as `#[derive(TypeScript)]` records one
/// for a struct or enum (a derive cannot go on an alias).
pub fn alias(args: TokenStream, item: TokenStream) -> TokenStream {
    if !args.is_empty() {
        return syn::Error::new_spanned(args, "#[durable::typescript] takes no arguments").to_compile_error();
    }
    let alias: syn::ItemType = match syn::parse2(item.clone()) {
        Ok(alias) => alias,
        Err(e) => {
            let message = "#[durable::typescript] declares a type alias (`pub type OnEvent = Callback<(Event,), ()>;`); \
                           on a struct or enum, derive durable::TypeScript instead";
            let mut error = syn::Error::new(e.span(), message);
            error.combine(e);
            let mut out = item;
            out.extend(error.into_compile_error());
            return out;
        }
    };
    let Declaration { name, decl, refs } = declare_alias(&alias);
    let record = meta::emit(&format!("__DURABLE_TS_{}", alias.ident), meta::Record::Ts(meta::TsRecord { name, decl, refs }));
    quote::quote! {
        #alias
        #record
    }
}

/// The declaration of a type alias: `export type Name<T> = ...;`.
fn declare_alias(alias: &syn::ItemType) -> Declaration {
    let params: Vec<String> = alias.generics.type_params().map(|p| p.ident.to_string()).collect();
    let generics = if params.is_empty() { String::new() } else { format!("<{}>", params.join(", ")) };
    let mut refs = BTreeSet::new();
    let body = ts_type(&alias.ty, &params, &mut refs);
    let name = alias.ident.to_string();
    refs.remove(&name);
    Declaration { decl: format!("export type {name}{generics} = {body};"), name, refs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn an_alias_of_a_callback_is_declared_as_its_function_type() {
        let alias: syn::ItemType = syn::parse_quote!(pub type OnEvent = durable::rpc::Callback<(Event,), ()>;);
        let d = declare_alias(&alias);
        assert_eq!(d.decl, "export type OnEvent = ((arg0: Event) => void | Promise<void>);");
        assert_eq!(d.refs.into_iter().collect::<Vec<_>>(), ["Event"]);
        let generic: syn::ItemType = syn::parse_quote!(pub type Pair<T> = (T, Vec<T>););
        assert_eq!(declare_alias(&generic).decl, "export type Pair<T> = [T, Array<T>];");
        let code = alias_tokens(quote!(), quote!(pub type OnEvent = Callback<(Event,), ()>;));
        assert!(code.contains("pub type OnEvent") && code.contains("__DURABLE_TS_OnEvent"), "{code}");
        let misplaced = alias_tokens(quote!(), quote!(pub struct Event { pub name: String }));
        assert!(misplaced.contains("derive durable::TypeScript instead"), "{misplaced}");
    }

    fn alias_tokens(args: TokenStream, item: TokenStream) -> String {
        alias(args, item).to_string()
    }

    fn ty(t: TokenStream) -> (String, BTreeSet<String>) {
        let mut refs = BTreeSet::new();
        (ts_type(&syn::parse2(t).unwrap(), &[], &mut refs), refs)
    }

    #[test]
    fn std_types() {
        assert_eq!(ty(quote!(i64)).0, "number");
        assert_eq!(ty(quote!(Option<String>)).0, "string | undefined");
        assert_eq!(ty(quote!(Vec<(u8, bool)>)).0, "Array<[number, boolean]>");
        assert_eq!(ty(quote!(std::collections::BTreeMap<String, Vec<f64>>)).0, "Record<string, Array<number>>");
        assert_eq!(ty(quote!(durable::rpc::Bytes)).0, "Uint8Array");
        assert_eq!(ty(quote!(Vec<durable::sql::SqlValue>)).0, "Array<null | number | bigint | string | boolean | Uint8Array>");
        let (t, refs) = ty(quote!(Vec<Book>));
        assert_eq!(t, "Array<Book>");
        assert!(refs.contains("Book"));
    }

    #[test]
    fn capabilities_in_values() {
        // A typed stub is declared beside it (`SessionStub = Session`, `CounterStub = DurableObjectStub`).
        let (t, refs) = ty(quote!(Vec<Option<SessionStub>>));
        assert_eq!(t, "Array<SessionStub | undefined>");
        assert!(refs.contains("SessionStub"));
        // `Capability<Session>` in a value is the capability's interface.
        let (t, refs) = ty(quote!(durable::rpc::Capability<Session>));
        assert_eq!(t, "Session");
        assert!(refs.contains("Session") && !refs.contains("Capability"));
    }

    #[test]
    fn parameters_named_like_reserved_words_are_suffixed() {
        assert_eq!(parameter_name("case"), "case_");
        assert_eq!(parameter_name("new"), "new_");
        assert_eq!(parameter_name("arguments"), "arguments_");
        assert_eq!(parameter_name("by_case"), "byCase");
        assert_eq!(parameter_name("amount"), "amount");
    }

    #[test]
    fn rename_rules() {
        assert_eq!(rename("by_genre", Some("camelCase")), "byGenre");
        assert_eq!(rename("ByGenre", Some("snake_case")), "by_genre");
        assert_eq!(rename("Science", Some("lowercase")), "science");
        assert_eq!(rename("by_genre", Some("SCREAMING-KEBAB-CASE")), "BY-GENRE");
        assert_eq!(rename("by_genre", None), "by_genre");
    }

    fn derived(input: TokenStream) -> String {
        let cx = Ctxt::new();
        let declaration = declare(&cx, &syn::parse2(input).unwrap());
        assert!(cx.check().is_ok());
        declaration.decl
    }

    #[test]
    fn struct_with_serde_attributes() {
        let out = derived(quote! {
            #[serde(rename_all = "camelCase")]
            struct Book { title: String, by_genre: Option<u32>, #[serde(skip)] secret: u8, #[serde(rename = "ISBN")] isbn: u64 }
        });
        assert_eq!(out, r#"export type Book = { "title": string; "byGenre"?: number; "ISBN": number };"#);
    }

    #[test]
    fn container_default_makes_fields_optional() {
        let out = derived(quote!(#[serde(default)] struct Options { reverse: bool, limit: Option<u32> }));
        assert_eq!(out, r#"export type Options = { "reverse"?: boolean; "limit"?: number };"#);
    }

    #[test]
    fn enum_representations() {
        let external = derived(quote!(enum Genre { Fiction, Science { field: String }, Other(String) }));
        assert_eq!(external, r#"export type Genre = "Fiction" | { "Science": { "field": string } } | { "Other": string };"#);
        let internal = derived(quote!(#[serde(tag = "type")] enum Shape { Dot, Circle { r: f64 } }));
        assert_eq!(internal, r#"export type Shape = { "type": "Dot" } | ({ "type": "Circle" } & { "r": number });"#);
    }
}
