//! Build metadata: each class and each impl block leaves one line of JSON in a
//! Wasm custom section. The linker concatenates the lines; `durable-build` reads
//! them from the compiled module (never from source text) to learn which
//! JavaScript classes to emit and which events each one handles.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Name of the Wasm custom section holding the records.
pub const SECTION: &str = "durable_objects";

/// Version of the record format, bumped on incompatible changes.
pub const VERSION: u32 = 1;

/// What `durable config` needs to know of a class to write its binding and
/// migration: optional fields, left out of the record when unset.
#[derive(Debug, Default)]
pub struct Deployment<'a> {
    /// `binding = "..."`.
    pub binding: Option<&'a str>,
    /// `renamed_from = "..."`.
    pub renamed_from: Option<&'a str>,
    /// `storage = "..."`.
    pub storage: Option<&'a str>,
}

/// A record for a struct: the class's Rust name, JavaScript name, the name of
/// its Wasm-side export and how it is deployed.
pub fn class_record(rust: &str, js: &str, export: &str, deployment: &Deployment) -> String {
    let mut extra = String::new();
    for (key, value) in [("binding", deployment.binding), ("renamed_from", deployment.renamed_from), ("storage", deployment.storage)] {
        if let Some(value) = value {
            extra.push_str(&format!(",\"{key}\":{}", json_string(value)));
        }
    }
    format!(r#"{{"v":{VERSION},"kind":"class","rust":"{rust}","js":"{js}","export":"{export}"{extra}}}"#)
}

/// One RPC method in an impl record.
pub struct MethodRecord {
    /// The JavaScript name.
    pub js: String,
    /// The glue method on the Wasm-side class.
    pub export: String,
    /// Its TypeScript signature, `name(args): Promise<T>`.
    pub ts: String,
}

/// A record for an impl block: the handlers it defines, its RPC methods, and
/// the named types their TypeScript signatures refer to.
pub fn impl_record(rust: &str, handlers: &[&str], methods: &[MethodRecord], refs: &BTreeSet<String>) -> String {
    let handlers = handlers.iter().map(|h| json_string(h)).collect::<Vec<_>>().join(",");
    let methods = methods
        .iter()
        .map(|m| format!(r#"{{"js":{},"export":{},"ts":{}}}"#, json_string(&m.js), json_string(&m.export), json_string(&m.ts)))
        .collect::<Vec<_>>()
        .join(",");
    let refs = refs.iter().map(|r| json_string(r)).collect::<Vec<_>>().join(",");
    format!(r#"{{"v":{VERSION},"kind":"impl","rust":"{rust}","handlers":[{handlers}],"methods":[{methods}],"refs":[{refs}]}}"#)
}

/// A record for a `#[derive(TypeScript)]` type.
pub fn ts_record(name: &str, decl: &str, refs: &BTreeSet<String>) -> String {
    let refs = refs.iter().map(|r| json_string(r)).collect::<Vec<_>>().join(",");
    format!(r#"{{"v":{VERSION},"kind":"ts","name":{},"decl":{},"refs":[{refs}]}}"#, json_string(name), json_string(decl))
}

/// `s` as a JSON string literal (one line: newlines are escaped).
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A record of where a class is declared: `@Counter 12 src/lib.rs`, one line,
/// not JSON (a file name may hold characters JSON would need escaped). The line
/// and file are the compiler's (`line!()`, `file!()` at the struct's name), so
/// the build tool can point at the struct in its messages.
pub fn emit_location(rust: &syn::Ident) -> TokenStream {
    let prefix = format!("@{rust} ");
    quote::quote_spanned! {rust.span()=>
        const _: () = {
            const RECORD: &str = ::core::concat!(#prefix, ::core::line!(), " ", ::core::file!(), "\n");
            #[used]
            #[cfg_attr(target_family = "wasm", link_section = "durable_objects")]
            static LOCATION: [u8; RECORD.len()] = ::durable::__private::record_bytes(RECORD);
        };
    }
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
            class_record("Counter", "Counter", "__durable_Counter", &Deployment::default()),
            r#"{"v":1,"kind":"class","rust":"Counter","js":"Counter","export":"__durable_Counter"}"#
        );
        let deployment = Deployment { binding: Some("COUNTERS"), renamed_from: Some("Tally"), storage: Some("kv") };
        assert_eq!(
            class_record("Counter", "Counter", "__durable_Counter", &deployment),
            r#"{"v":1,"kind":"class","rust":"Counter","js":"Counter","export":"__durable_Counter","binding":"COUNTERS","renamed_from":"Tally","storage":"kv"}"#
        );
        let method = MethodRecord { js: "getValue".into(), export: "__rpc_get_value".into(), ts: "getValue(): Promise<Value>".into() };
        let refs = BTreeSet::from(["Value".to_owned()]);
        assert_eq!(
            impl_record("Counter", &["fetch"], &[method], &refs),
            r#"{"v":1,"kind":"impl","rust":"Counter","handlers":["fetch"],"methods":[{"js":"getValue","export":"__rpc_get_value","ts":"getValue(): Promise<Value>"}],"refs":["Value"]}"#
        );
        assert_eq!(json_string("a \"b\"\n\\"), r#""a \"b\"\n\\""#);
    }
}
