//! The Durable Object classes a compiled module declares.
//!
//! `#[durable_object]` leaves one record per struct and per impl block in the
//! Wasm custom section [`SECTION`], plus, for each struct, where it is
//! declared; the format is defined once, in [`durable_codegen::meta`], which
//! writes and reads it. This module merges the records into one [`Class`] per
//! struct.

use std::collections::BTreeMap;

use durable_codegen::meta::{self, Entry, Record};
use durable_codegen::model::name::class_name_problem;

pub use durable_codegen::meta::{Deployment, Method, Storage, SECTION};

/// The handler kinds this tool generates JavaScript for.
pub const KNOWN_HANDLERS: &[&str] = &["fetch", "alarm", "web_socket_message", "web_socket_close", "web_socket_error", "on_hibernate"];

/// One Durable Object class, ready for code generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// The JavaScript class name (`class_name` in wrangler.jsonc).
    pub js: String,
    /// The Rust type name.
    pub rust: String,
    /// The wasm-bindgen export the class instantiates.
    pub export: String,
    /// The runtime events it handles (`fetch`, ...).
    pub handlers: Vec<String>,
    /// Its JS RPC methods.
    pub methods: Vec<Method>,
    /// How `wrangler.jsonc` declares it.
    pub deployment: Deployment,
    /// Where the struct is declared (`src/lib.rs:12`), when known.
    pub location: Option<String>,
}

/// `` `Counter` (src/lib.rs:12) ``, or `` `Counter` ``: a struct, for messages.
fn describe(rust: &str, location: Option<&str>) -> String {
    match location {
        Some(at) => format!("`{rust}` ({at})"),
        None => format!("`{rust}`"),
    }
}

/// A TypeScript declaration from `#[derive(TypeScript)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDecl {
    /// The declared name.
    pub name: String,
    /// The declaration.
    pub decl: String,
}

/// Everything the module declares.
#[derive(Debug, Default)]
pub struct Module {
    /// The Durable Object classes.
    pub classes: Vec<Class>,
    /// Declarations of the named types the classes' methods use.
    pub types: Vec<TypeDecl>,
    /// Named types referred to but never declared.
    pub undeclared: Vec<String>,
}

/// Reads the classes from the custom sections' contents.
#[cfg(test)]
pub fn from_sections(sections: &[&[u8]]) -> Result<Vec<Class>, String> {
    read(sections).map(|m| m.classes)
}

/// Reads everything the module declares from the custom sections' contents.
pub fn read(sections: &[&[u8]]) -> Result<Module, String> {
    let mut structs: BTreeMap<String, (String, String, Deployment)> = BTreeMap::new();
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut refs: std::collections::BTreeSet<String> = Default::default();
    let mut impls: BTreeMap<String, (Vec<String>, Vec<Method>)> = BTreeMap::new();
    let mut locations: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for section in sections {
        for entry in meta::read(section)? {
            match entry {
                Entry::Location(at) => locations.entry(at.rust).or_default().push(format!("{}:{}", at.file, at.line)),
                Entry::Record(Record::Class(class)) => {
                    let rust = class.rust;
                    if structs.insert(rust.clone(), (class.js, class.export, class.deployment)).is_some() {
                        let at = locations.get(&rust).map(|l| format!(" ({})", l.join(", "))).unwrap_or_default();
                        return Err(format!("two Durable Object structs are named `{rust}`{at}: rename one"));
                    }
                }
                Entry::Record(Record::Ts(ts)) => {
                    refs.extend(ts.refs);
                    types.insert(ts.name, ts.decl);
                }
                Entry::Record(Record::Impl(imp)) => {
                    let rust = imp.rust;
                    refs.extend(imp.refs);
                    if let Some(h) = imp.handlers.iter().find(|h| !KNOWN_HANDLERS.contains(&h.as_str())) {
                        return Err(format!("`{rust}` handles `{h}`, which this durable tool does not know: use matching versions of the durable crate and tool"));
                    }
                    if let Some(m) = imp.methods.iter().find(|m| !is_identifier(&m.js) || !is_identifier(&m.export)) {
                        return Err(format!("`{rust}` declares an RPC method with an invalid name `{}`", m.js));
                    }
                    let entry = impls.entry(rust).or_default();
                    entry.0.extend(imp.handlers);
                    entry.1.extend(imp.methods);
                }
            }
        }
    }
    if let Some(rust) = impls.keys().find(|r| !structs.contains_key(*r)) {
        return Err(format!("`{rust}` has a #[durable_object] impl block but its struct is not marked #[durable_object]"));
    }
    let mut classes = Vec::new();
    let mut by_js: BTreeMap<String, String> = BTreeMap::new();
    let at = |rust: &str| locations.get(rust).and_then(|l| l.first()).cloned();
    for (rust, (js, export, deployment)) in structs {
        // `#[durable_object]` refuses these names; a module built by another
        // version of it must not get past the build either.
        if let Some(problem) = class_name_problem(&js) {
            return Err(format!("{}: {problem}", describe(&rust, at(&rust).as_deref())));
        }
        if let Some(other) = by_js.insert(js.clone(), rust.clone()) {
            return Err(format!(
                "{} and {} are both exported as the JavaScript class `{js}`: a class name names one class (change `name = \"...\"` on one)",
                describe(&other, at(&other).as_deref()),
                describe(&rust, at(&rust).as_deref())
            ));
        }
        let (handlers, methods) = impls.remove(&rust).ok_or_else(|| {
            format!(
                "{} is marked #[durable_object] but has no #[durable_object] impl block with its constructor",
                describe(&rust, at(&rust).as_deref())
            )
        })?;
        let location = at(&rust);
        classes.push(Class { js, rust, export, handlers, methods, deployment, location });
    }
    let undeclared = refs.into_iter().filter(|r| !types.contains_key(r)).collect();
    let types = types.into_iter().map(|(name, decl)| TypeDecl { name, decl }).collect();
    Ok(Module { classes, types, undeclared })
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNTER: &[u8] = br#"{"v":1,"kind":"class","rust":"Counter","js":"Counter","export":"__durable_Counter"}
{"v":1,"kind":"impl","rust":"Counter","handlers":["fetch"]}
"#;

    #[test]
    fn merges_struct_and_impl() {
        let classes = from_sections(&[COUNTER]).unwrap();
        assert_eq!(
            classes,
            vec![Class {
                js: "Counter".into(),
                rust: "Counter".into(),
                export: "__durable_Counter".into(),
                handlers: vec!["fetch".into()],
                methods: vec![],
                deployment: Deployment::default(),
                location: None,
            }]
        );
    }

    #[test]
    fn reads_deployment_arguments() {
        let kv = br#"{"v":1,"kind":"class","rust":"A","js":"B","export":"__durable_A","binding":"BS","renamed_from":"Old","storage":"kv"}
{"v":1,"kind":"impl","rust":"A","handlers":[]}"#;
        let class = &from_sections(&[kv]).unwrap()[0];
        assert_eq!(
            class.deployment,
            Deployment { binding: Some("BS".into()), renamed_from: Some("Old".into()), storage: Storage::Kv }
        );
    }

    #[test]
    fn locations_name_the_structs_in_errors() {
        let two = br#"{"v":1,"kind":"class","rust":"A","js":"X","export":"__durable_A"}
@A 3 src/a b.rs
{"v":1,"kind":"class","rust":"B","js":"X","export":"__durable_B"}
@B 40 src/lib.rs
{"v":1,"kind":"impl","rust":"A","handlers":[]}
{"v":1,"kind":"impl","rust":"B","handlers":[]}"#;
        let error = from_sections(&[two]).unwrap_err();
        assert!(error.starts_with("`A` (src/a b.rs:3) and `B` (src/lib.rs:40) are both exported as the JavaScript class `X`"), "{error}");
        let one = br#"{"v":1,"kind":"class","rust":"A","js":"A","export":"__durable_A"}
@A 3 src/lib.rs
{"v":1,"kind":"impl","rust":"A","handlers":[]}"#;
        assert_eq!(from_sections(&[one]).unwrap()[0].location.as_deref(), Some("src/lib.rs:3"));
    }

    #[test]
    fn tolerates_padding_between_records() {
        let mut padded = COUNTER.to_vec();
        padded.extend_from_slice(b"\0\0\0");
        assert_eq!(from_sections(&[&padded]).unwrap().len(), 1);
    }

    #[test]
    fn struct_without_impl_is_an_error() {
        let only_struct = br#"{"v":1,"kind":"class","rust":"A","js":"A","export":"__durable_A"}"#;
        assert!(from_sections(&[only_struct]).unwrap_err().contains("no #[durable_object] impl block"));
    }

    #[test]
    fn duplicate_js_names_are_an_error() {
        let two = br#"{"v":1,"kind":"class","rust":"A","js":"X","export":"__durable_A"}
{"v":1,"kind":"class","rust":"B","js":"X","export":"__durable_B"}
{"v":1,"kind":"impl","rust":"A","handlers":[]}
{"v":1,"kind":"impl","rust":"B","handlers":[]}"#;
        assert!(from_sections(&[two]).unwrap_err().contains("both exported as the JavaScript class `X`"));
    }

    #[test]
    fn reads_rpc_methods() {
        let with_methods = br#"{"v":1,"kind":"class","rust":"A","js":"A","export":"__durable_A"}
{"v":1,"kind":"impl","rust":"A","handlers":[],"methods":[{"js":"getValue","export":"__rpc_get_value"}]}"#;
        let classes = from_sections(&[with_methods]).unwrap();
        assert_eq!(classes[0].methods, vec![Method { js: "getValue".into(), export: "__rpc_get_value".into(), ts: String::new(), retryable: false, wire: String::new() }]);
    }

    #[test]
    fn invalid_method_names_are_refused() {
        let bad = br#"{"v":1,"kind":"class","rust":"A","js":"A","export":"__durable_A"}
{"v":1,"kind":"impl","rust":"A","handlers":[],"methods":[{"js":"x(){}//","export":"__rpc_x"}]}"#;
        assert!(from_sections(&[bad]).unwrap_err().contains("invalid name"));
    }

    /// The macro's side of the format (`durable_codegen::meta`) writes what
    /// this side reads: a class with every deployment argument, an impl
    /// block with a handler and a method, a type, and a location.
    #[test]
    fn reads_the_records_the_macro_writes() {
        use durable_codegen::meta::{ClassRecord, ImplRecord, Line, TsRecord};
        let deployment = Deployment { binding: Some("ROOMS".into()), renamed_from: Some("Old".into()), storage: Storage::Kv };
        let method = Method { js: "post".into(), export: "__rpc_post".into(), ts: "post(m: Message): Promise<void>".into(), retryable: false, wire: String::new() };
        let lines = [
            Line::new(Record::Class(ClassRecord { rust: "Room".into(), js: "ChatRoom".into(), export: "__durable_Room".into(), deployment: deployment.clone() })),
            Line::new(Record::Impl(ImplRecord {
                rust: "Room".into(),
                handlers: vec!["fetch".into()],
                methods: vec![method.clone()],
                refs: ["Message".to_owned(), "Missing".to_owned()].into(),
            })),
            Line::new(Record::Ts(TsRecord { name: "Message".into(), decl: "export type Message = string;".into(), refs: Default::default() })),
        ];
        let mut section: String = lines.iter().map(|l| format!("{}\n", l.to_json())).collect();
        section.push_str("@Room 7 src/room.rs\n");
        let module = read(&[section.as_bytes()]).unwrap();
        assert_eq!(
            module.classes,
            vec![Class {
                js: "ChatRoom".into(),
                rust: "Room".into(),
                export: "__durable_Room".into(),
                handlers: vec!["fetch".into()],
                methods: vec![method],
                deployment,
                location: Some("src/room.rs:7".into()),
            }]
        );
        assert_eq!(module.types, vec![TypeDecl { name: "Message".into(), decl: "export type Message = string;".into() }]);
        assert_eq!(module.undeclared, vec!["Missing".to_owned()]);
    }

    #[test]
    fn class_names_the_macro_refuses_are_refused() {
        let reserved = br#"{"v":1,"kind":"class","rust":"A","js":"default","export":"__durable_A"}
@A 3 src/lib.rs
{"v":1,"kind":"impl","rust":"A","handlers":[]}"#;
        let error = from_sections(&[reserved]).unwrap_err();
        assert!(error.starts_with("`A` (src/lib.rs:3): `default` cannot name a Durable Object class: it is a reserved word"), "{error}");
        let generated = br#"{"v":1,"kind":"class","rust":"A","js":"__durable_A","export":"__durable_A"}
{"v":1,"kind":"impl","rust":"A","handlers":[]}"#;
        assert!(from_sections(&[generated]).unwrap_err().contains("are reserved for the code `durable build`"));
    }

    #[test]
    fn newer_format_is_refused() {
        let v2 = br#"{"v":2,"kind":"impl","rust":"A","handlers":[]}"#;
        assert!(from_sections(&[v2]).unwrap_err().contains("version 2"));
    }
}
