//! The checked SQL macros (`durable::query!`, `query_as!`, `execute!`,
//! `migrations!`): the statement is checked at compile time against the
//! schema the crate's migration files create, in a bundled SQLite on the host
//! (never in the Wasm) that refuses what the Durable Objects SQLite refuses.
//!
//! [`migrations`] reads the folder, [`authorizer`] holds workerd's rules,
//! [`check`] applies the migrations and prepares the statement (the checked
//! model), and [`expand`] turns a checked statement into a call of the
//! runtime's one SQL API (`Sql::exec` with `params!`).

pub mod authorizer;
pub mod check;
pub mod expand;
pub mod migrations;

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, LitStr, Token, Type};

/// The folder the query macros read when not told otherwise.
pub const DEFAULT_FOLDER: &str = "migrations";

/// Which macro.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `query!`: rows as an anonymous struct.
    Query,
    /// `query_as!(Row, ..)`: rows as an existing struct, checked field by field.
    QueryAs,
    /// `execute!`: the cursor (for statements whose rows are not read).
    Execute,
}

/// `[migrations = "dir",] [Row,] sql, "SQL" [, arg]*`
pub struct Input {
    pub folder: LitStr,
    pub row: Option<Type>,
    pub sql: Expr,
    pub text: LitStr,
    pub args: Vec<Expr>,
}

fn parse_input(input: ParseStream<'_>, flavor: Flavor) -> syn::Result<Input> {
    let mut folder = LitStr::new(DEFAULT_FOLDER, Span::call_site());
    if input.peek(syn::Ident) && input.peek2(Token![=]) {
        let key: syn::Ident = input.parse()?;
        if key != "migrations" {
            return Err(syn::Error::new(key.span(), "the only option is `migrations = \"folder\"`"));
        }
        input.parse::<Token![=]>()?;
        folder = input.parse()?;
        input.parse::<Token![,]>()?;
    }
    let row = if flavor == Flavor::QueryAs {
        let row: Type = input.parse()?;
        input.parse::<Token![,]>()?;
        Some(row)
    } else {
        None
    };
    let sql: Expr = input.parse()?;
    input.parse::<Token![,]>()?;
    let text: LitStr = input.parse().map_err(|e| {
        syn::Error::new(e.span(), "expected the SQL text as a string literal (for SQL built at run time, use `Sql::exec`)")
    })?;
    let mut args = Vec::new();
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
        args = Punctuated::<Expr, Token![,]>::parse_terminated(input)?.into_iter().collect();
    }
    Ok(Input { folder, row, sql, text, args })
}

fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map(Into::into).unwrap_or_else(|| std::path::PathBuf::from("."))
}

/// `query!`, `query_as!` or `execute!`.
pub fn query(tokens: TokenStream, flavor: Flavor) -> TokenStream {
    let parser = |input: ParseStream<'_>| parse_input(input, flavor);
    let input = match parser.parse2(tokens) {
        Ok(parsed) => parsed,
        Err(e) => return e.to_compile_error(),
    };
    let steps = match migrations::read(&manifest_dir(), &input.folder.value()) {
        Ok(steps) => steps,
        Err(e) => return syn::Error::new(input.folder.span(), e).to_compile_error(),
    };
    let text = input.text.value();
    let several = flavor == Flavor::Execute && input.args.is_empty();
    let checked = match check::statement(&steps, &text, several) {
        Ok(checked) => checked,
        Err(e) => return syn::Error::new(input.text.span(), e).to_compile_error(),
    };
    if checked.params != input.args.len() && !(several && checked.columns.is_empty() && checked.params == 0) {
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        return syn::Error::new(
            input.text.span(),
            format!(
                "the statement has {} (`?`) and {} given",
                plural(checked.params, "parameter"),
                plural(input.args.len(), "argument")
            ),
        )
        .to_compile_error();
    }
    if flavor == Flavor::Execute {
        return expand::execute(&input, &steps);
    }
    expand::rows(&input, &steps, &checked)
}

/// `migrations!("folder")`: the folder's steps as `&[Migration]`, each
/// checked (applied in order under the runtime's rules) at compile time.
pub fn migrations_macro(tokens: TokenStream) -> TokenStream {
    let folder: LitStr = match syn::parse2(tokens) {
        Ok(folder) => folder,
        Err(e) => return syn::Error::new(e.span(), "expected the migrations folder, relative to Cargo.toml: `durable::migrations!(\"migrations\")`").to_compile_error(),
    };
    let steps = match migrations::read(&manifest_dir(), &folder.value()) {
        Ok(steps) => steps,
        Err(e) => return syn::Error::new(folder.span(), e).to_compile_error(),
    };
    if let Err(e) = check::migrations(&steps) {
        return syn::Error::new(folder.span(), e).to_compile_error();
    }
    expand::migrations(&steps)
}
