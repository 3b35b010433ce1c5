//! Code for a checked statement: the same `Sql::exec(text, &params![..])` an
//! unchecked call makes, its cursor wrapped in `durable::sql::Query<Row>`,
//! plus the compile-time pieces: the row struct (`query!`) or the check of
//! the given one (`query_as!`), and an `include_bytes!` of each migration
//! file so that editing one rebuilds the crate.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::check::{Checked, Column, Kind, Null};
use super::migrations::Step;
use super::Input;

/// `const _` items that make rustc track the migration files.
fn tracked(steps: &[Step]) -> TokenStream {
    let paths = steps.iter().map(|s| s.path.to_string_lossy().into_owned());
    quote! { #( const _: &[u8] = ::core::include_bytes!(#paths); )* }
}

fn call(input: &Input) -> TokenStream {
    let Input { sql, text, args, .. } = input;
    quote! { ::durable::sql::Sql::exec(&#sql, #text, &::durable::params![#(#args),*]) }
}

/// `execute!`: the cursor.
pub fn execute(input: &Input, steps: &[Step]) -> TokenStream {
    let tracked = tracked(steps);
    let call = call(input);
    quote! {{ #tracked #call }}
}

fn field_ident(column: &Column, span: Span) -> Result<syn::Ident, String> {
    let name = &column.name;
    let ok = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_') && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !ok {
        return Err(format!("the result column `{name}` needs a name that is a Rust identifier: add `AS some_name`"));
    }
    let mut ident = syn::parse_str::<syn::Ident>(name).unwrap_or_else(|_| syn::Ident::new_raw(name, span));
    ident.set_span(span);
    Ok(ident)
}

fn marker(kind: Kind) -> TokenStream {
    match kind {
        Kind::Integer => quote!(::durable::sql::column::Integer),
        Kind::Real => quote!(::durable::sql::column::Real),
        Kind::Text => quote!(::durable::sql::column::Text),
        Kind::Blob => quote!(::durable::sql::column::Blob),
        Kind::Any => quote!(::durable::sql::column::Any),
    }
}

/// `query!` and `query_as!`: the rows.
pub fn rows(input: &Input, steps: &[Step], checked: &Checked) -> TokenStream {
    let span = input.text.span();
    let tracked = tracked(steps);
    let call = call(input);
    let mut fields = Vec::new();
    for column in &checked.columns {
        match field_ident(column, span) {
            Ok(ident) => fields.push((ident, column)),
            Err(e) => return syn::Error::new(span, e).to_compile_error(),
        }
    }
    if let Some(name) = duplicate(&checked.columns) {
        return syn::Error::new(span, format!("two result columns are named `{name}`: rename one with `AS`")).to_compile_error();
    }
    match &input.row {
        None => {
            let decls = fields.iter().map(|(ident, column)| {
                let ty = match column.kind {
                    Kind::Integer => quote!(i64),
                    Kind::Real => quote!(f64),
                    Kind::Text => quote!(::std::string::String),
                    Kind::Blob => quote!(::durable::rpc::Bytes),
                    Kind::Any => quote!(::durable::sql::SqlValue),
                };
                let ty = match (column.kind, column.null) {
                    (Kind::Any, _) | (_, Null::Never) => ty,
                    _ => quote!(::core::option::Option<#ty>),
                };
                quote_spanned!(span=> #ident: #ty)
            });
            let row = format_ident!("Row", span = span);
            quote! {{
                #tracked
                #[derive(::core::fmt::Debug, ::core::clone::Clone, ::durable::__private::serde::Deserialize)]
                #[serde(crate = "::durable::__private::serde")]
                #[allow(non_snake_case)]
                struct #row { #(#decls),* }
                #call.map(::durable::sql::Query::<#row>::new)
            }}
        }
        Some(row) => {
            let names: Vec<&syn::Ident> = fields.iter().map(|(ident, _)| ident).collect();
            let checks = fields.iter().filter(|(_, column)| column.kind != Kind::Any).map(|(ident, column)| {
                let marker = marker(column.kind);
                let check = if column.null == Null::Maybe { quote!(nullable) } else { quote!(value) };
                quote_spanned!(span=> ::durable::sql::column::#check::<#marker, _>(&#ident);)
            });
            // A closure never called: rustc checks that the struct has these
            // fields (the pattern), no others (the struct expression, which
            // must name every field), and that each field's type decodes the
            // column's SQLite type.
            let pattern = quote_spanned!(span=> #row { #(#names,)* .. });
            let rebuilt = quote_spanned!(span=> #row { #(#names),* });
            quote! {{
                #tracked
                #[allow(unreachable_code, clippy::redundant_field_names)]
                let _ = |row: #row| -> #row {
                    let #pattern = row;
                    #(#checks)*
                    #rebuilt
                };
                #call.map(::durable::sql::Query::<#row>::new)
            }}
        }
    }
}

fn duplicate(columns: &[Column]) -> Option<&str> {
    columns.iter().enumerate().find(|(i, c)| columns[..*i].iter().any(|d| d.name == c.name)).map(|(_, c)| c.name.as_str())
}

/// `migrations!`: the steps as `&[Migration]`, their text embedded with
/// `include_str!` (edits rebuild the crate).
pub fn migrations(steps: &[Step]) -> TokenStream {
    let items = steps.iter().map(|s| {
        let version = s.version;
        let name = &s.name;
        let path = s.path.to_string_lossy().into_owned();
        quote! { ::durable::sql::Migration { version: #version, name: #name, sql: ::core::include_str!(#path) } }
    });
    quote! { &[#(#items),*] }
}
