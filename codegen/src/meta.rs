//! Build metadata: each class and each impl block leaves one line of JSON in a
//! Wasm custom section. The linker concatenates the lines; `durable-build` reads
//! them from the compiled module (never from source text) to learn which
//! JavaScript classes to emit and which events each one handles.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Name of the Wasm custom section holding the records.
pub const SECTION: &str = "durable_objects";

/// Version of the record format, bumped on incompatible changes.
pub const VERSION: u32 = 1;

/// A record for a struct: the class's Rust name, JavaScript name and the name of
/// its Wasm-side export.
pub fn class_record(rust: &str, js: &str, export: &str) -> String {
    format!(r#"{{"v":{VERSION},"kind":"class","rust":"{rust}","js":"{js}","export":"{export}"}}"#)
}

/// A record for an impl block: the handlers it defines, and its RPC methods
/// as (JavaScript name, glue export) pairs.
pub fn impl_record(rust: &str, handlers: &[&str], methods: &[(String, String)]) -> String {
    let handlers = handlers.iter().map(|h| format!("\"{h}\"")).collect::<Vec<_>>().join(",");
    let methods = methods
        .iter()
        .map(|(js, export)| format!(r#"{{"js":"{js}","export":"{export}"}}"#))
        .collect::<Vec<_>>()
        .join(",");
    format!(r#"{{"v":{VERSION},"kind":"impl","rust":"{rust}","handlers":[{handlers}],"methods":[{methods}]}}"#)
}

/// A `static` that places `record` (plus a newline) in the custom section.
/// Identifiers and class names are checked before they get here, so the JSON
/// needs no escaping.
pub fn emit(static_name: &str, record: &str) -> TokenStream {
    let bytes = format!("{record}\n").into_bytes();
    let len = bytes.len();
    let lit = proc_macro2::Literal::byte_string(&bytes);
    let ident = format_ident!("{}", static_name);
    quote! {
        #[doc(hidden)]
        #[used]
        #[allow(non_upper_case_globals)]
        #[cfg_attr(target_family = "wasm", link_section = "durable_objects")]
        static #ident: [u8; #len] = *#lit;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_json_lines() {
        assert_eq!(
            class_record("Counter", "Counter", "__durable_Counter"),
            r#"{"v":1,"kind":"class","rust":"Counter","js":"Counter","export":"__durable_Counter"}"#
        );
        assert_eq!(
            impl_record("Counter", &["fetch"], &[("getValue".into(), "__rpc_get_value".into())]),
            r#"{"v":1,"kind":"impl","rust":"Counter","handlers":["fetch"],"methods":[{"js":"getValue","export":"__rpc_get_value"}]}"#
        );
    }
}
