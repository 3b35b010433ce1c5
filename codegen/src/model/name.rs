//! Naming: the JavaScript and binding names derived from Rust names, and the
//! names of the Wasm exports and glue items the generated code defines.

use proc_macro2::Ident;
use quote::format_ident;

/// `get_counter_value` -> `getCounterValue`: the default JavaScript name of an
/// RPC method.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for (i, c) in snake.trim_start_matches('_').chars().enumerate() {
        if c == '_' {
            upper = i > 0;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `ChatRoom` -> `CHAT_ROOM`, `HTTPServer` -> `HTTP_SERVER`: the default
/// binding name of a class (of its JavaScript name). `durable config` uses
/// this same function, so `Namespace::from_env_default` finds the binding it
/// writes.
pub fn screaming_snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_uppercase());
    }
    out
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

/// Name of the Wasm-side glue method of the RPC method `method`.
pub fn rpc_glue_ident(method: &Ident) -> Ident {
    format_ident!("__rpc_{}", method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_names() {
        assert_eq!(camel_case("get_counter_value"), "getCounterValue");
        assert_eq!(camel_case("increment"), "increment");
        assert_eq!(camel_case("to_u64_now"), "toU64Now");
    }
}

/// The name of the type an impl block is for (`impl Name { .. }`): its last
/// path segment. A generic type is reported with `generic`; anything that is
/// not a plain path with `not_a_path` (then a placeholder name is returned,
/// so that the checks can go on).
pub fn self_type_ident(cx: &super::ctxt::Ctxt, ty: &syn::Type, generic: &str, not_a_path: &str) -> proc_macro2::Ident {
    if let syn::Type::Path(p) = ty {
        if p.qself.is_none() {
            if let Some(last) = p.path.segments.last() {
                if !last.arguments.is_empty() {
                    cx.error_spanned_by(&last.arguments, generic);
                }
                return last.ident.clone();
            }
        }
    }
    cx.error_spanned_by(ty, not_a_path);
    proc_macro2::Ident::new("__DurableInvalid", syn::spanned::Spanned::span(ty))
}
