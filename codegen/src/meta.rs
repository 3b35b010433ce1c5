//! The build metadata: what `#[durable_object]` and `#[derive(TypeScript)]`
//! tell `durable build`, and the one definition of its format.
//!
//! Each class, each impl block and each TypeScript declaration leaves one line
//! of JSON, a [`Line`], in the Wasm custom section [`SECTION`]; each class
//! also leaves a line saying where its struct is declared (a [`Location`],
//! `@Counter 12 src/lib.rs`: not JSON, as the compiler fills in the line and
//! file). The linker concatenates the lines of every crate; `durable build`
//! reads them from the compiled module (never from source text) with
//! [`read`], to learn which JavaScript classes to emit and which events each
//! one handles. The macro writes with [`Line::to_json`] and [`emit`], the tool
//! reads with [`read`]: both sides use the types of this module, so the
//! format cannot drift between them.
//!
//! ```text
//! {"v":1,"kind":"class","rust":"Counter","js":"Counter","export":"__durable_Counter"}
//! @Counter 12 src/lib.rs
//! {"v":1,"kind":"impl","rust":"Counter","handlers":["fetch"],"methods":[],"refs":[]}
//! ```

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde::{Deserialize, Serialize};

/// Name of the Wasm custom section holding the records.
pub const SECTION: &str = "durable_objects";

/// Version of the record format, bumped on incompatible changes. A reader
/// refuses lines of any other version with a message saying so.
pub const VERSION: u32 = 1;

/// One JSON line of the section: the format version and a [`Record`].
///
/// ```
/// use durable_objects_codegen::meta::{ClassRecord, Deployment, Line, Record};
///
/// let line = Line::new(Record::Class(ClassRecord {
///     rust: "Counter".into(),
///     js: "Counter".into(),
///     export: "__durable_Counter".into(),
///     deployment: Deployment::default(),
/// }));
/// assert_eq!(line.to_json(), r#"{"v":1,"kind":"class","rust":"Counter","js":"Counter","export":"__durable_Counter"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// The format version, [`VERSION`] when written.
    pub v: u32,
    /// What the line declares.
    #[serde(flatten)]
    pub record: Record,
}

impl Line {
    /// A line of the current [`VERSION`].
    pub fn new(record: Record) -> Self {
        Line { v: VERSION, record }
    }

    /// The line as one line of JSON (newlines in strings are escaped), without
    /// the final newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a record is plain data: strings, lists and one number")
    }
}

/// What one line declares, by its `"kind"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Record {
    /// `#[durable_object]` on a struct.
    Class(ClassRecord),
    /// `#[durable_object]` on the struct's impl block.
    Impl(ImplRecord),
    /// `#[derive(TypeScript)]` (or an RPC target's interface).
    Ts(TsRecord),
}

/// A class: the struct's Rust name, its JavaScript name, the name of its
/// Wasm-side export and how it is deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassRecord {
    /// The Rust type name.
    pub rust: String,
    /// The JavaScript class name (`class_name` in wrangler.jsonc).
    pub js: String,
    /// The wasm-bindgen export the JavaScript class instantiates.
    pub export: String,
    /// The deployment arguments, each left out of the line when unset.
    #[serde(flatten)]
    pub deployment: Deployment,
}

/// What `durable config` writes for a class: the arguments of
/// `#[durable_object(...)]` on the struct.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// `binding = "..."`: the binding name to give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    /// `renamed_from = "..."`: its previous class name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// `storage = "..."`: its storage backend (left out when SQLite).
    #[serde(default, skip_serializing_if = "Storage::is_default")]
    pub storage: Storage,
}

/// The storage backend of a class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    /// SQLite-backed (`new_sqlite_classes`), the default.
    #[default]
    Sqlite,
    /// The legacy key-value backend (`new_classes`).
    Kv,
}

impl Storage {
    fn is_default(&self) -> bool {
        *self == Storage::Sqlite
    }
}

/// An impl block: the handlers it defines, its RPC methods, and the named
/// types their TypeScript signatures refer to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImplRecord {
    /// The Rust type the block is for.
    pub rust: String,
    /// The runtime events it handles (`fetch`, `alarm`, ...).
    pub handlers: Vec<String>,
    /// Its RPC methods.
    #[serde(default)]
    pub methods: Vec<Method>,
    /// The named types the methods' signatures use.
    #[serde(default)]
    pub refs: BTreeSet<String>,
}

/// One RPC method of a class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Method {
    /// The name JavaScript callers use.
    pub js: String,
    /// The glue method on the Wasm-side class.
    pub export: String,
    /// Its TypeScript signature, `name(args): Promise<T>`.
    #[serde(default)]
    pub ts: String,
    /// `#[durable(retryable)]`: the class registers it with the runtime's
    /// `retryable()`. Left out of the line when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retryable: bool,
    /// The glue method that takes the method's calls in the wire format
    /// (`durable::rpc`'s binary form of a call between two objects of the
    /// SDK), which the class exposes as the hidden method
    /// [`wire_method`](crate::model::name::wire_method); empty for none.
    /// Left out of the line when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub wire: String,
}

/// A TypeScript declaration of a named type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TsRecord {
    /// The declared name.
    pub name: String,
    /// The declaration.
    pub decl: String,
    /// The named types the declaration uses.
    #[serde(default)]
    pub refs: BTreeSet<String>,
}

/// Where a class's struct is declared: the line `@Counter 12 src/lib.rs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The struct's Rust name.
    pub rust: String,
    /// Its line.
    pub line: String,
    /// Its file, as the compiler names it (it may hold spaces).
    pub file: String,
}

/// One line of the section, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A JSON line.
    Record(Record),
    /// A location line.
    Location(Location),
}

/// Reads the lines of one custom section's contents. Lines are separated by
/// newlines; the zero bytes a linker may pad sections with are skipped. A
/// line of another [`VERSION`] is refused with a message saying so, before
/// its shape is looked at.
///
/// ```
/// use durable_objects_codegen::meta::{read, Entry, Record};
///
/// let section = b"{\"v\":1,\"kind\":\"impl\",\"rust\":\"Counter\",\"handlers\":[\"fetch\"]}\n@Counter 3 src/lib.rs\n";
/// let entries = read(section).unwrap();
/// assert!(matches!(&entries[0], Entry::Record(Record::Impl(i)) if i.handlers == ["fetch"]));
/// assert!(matches!(&entries[1], Entry::Location(l) if l.file == "src/lib.rs"));
/// ```
pub fn read(section: &[u8]) -> Result<Vec<Entry>, String> {
    let text = std::str::from_utf8(section).map_err(|e| format!("class metadata is not UTF-8: {e}"))?;
    let mut entries = Vec::new();
    for line in text.split(['\n', '\0']).map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(location) = line.strip_prefix('@') {
            let mut parts = location.splitn(3, ' ');
            if let (Some(rust), Some(line), Some(file)) = (parts.next(), parts.next(), parts.next()) {
                entries.push(Entry::Location(Location { rust: rust.to_owned(), line: line.to_owned(), file: file.to_owned() }));
            }
            continue;
        }
        #[derive(Deserialize)]
        struct Version {
            v: u32,
        }
        let version: Version = serde_json::from_str(line).map_err(|e| format!("bad class metadata `{line}`: {e}"))?;
        if version.v != VERSION {
            return Err(format!(
                "class metadata version {} is not understood by this durable tool (expects {VERSION}): \
                 use matching versions of the durable crate and tool",
                version.v
            ));
        }
        let line: Line = serde_json::from_str(line).map_err(|e| format!("bad class metadata `{line}`: {e}"))?;
        entries.push(Entry::Record(line.record));
    }
    Ok(entries)
}

/// The statement that puts the [`Location`] line of the struct `rust` in the
/// custom section. The line and file are the compiler's (`line!()`,
/// `file!()` at the struct's name), so the build tool can point at the
/// struct in its messages.
pub fn emit_location(rust: &syn::Ident) -> TokenStream {
    let prefix = format!("@{rust} ");
    quote::quote_spanned! {rust.span()=>
        const _: () = {
            const RECORD: &str = ::core::concat!(#prefix, ::core::line!(), " ", ::core::file!(), "\n");
            // Not `#[used]`: see `emit`.
            #[allow(dead_code)]
            #[cfg_attr(target_family = "wasm", link_section = #SECTION)]
            static LOCATION: [u8; RECORD.len()] = ::durable::__private::record_bytes(RECORD);
        };
    }
}

/// A `static` named `static_name` that places `record`, as one [`Line`] and
/// a newline, in the custom section.
///
/// The static is deliberately not `#[used]`: on wasm32 a `link_section`
/// static reaches the custom section without it (from dependencies too),
/// while `#[used]` also keeps a copy in the data section, which every
/// instance copies into its memory (15 KB of records in the examples).
pub fn emit(static_name: &str, record: Record) -> TokenStream {
    let bytes = format!("{}\n", Line::new(record).to_json()).into_bytes();
    let len = bytes.len();
    let lit = proc_macro2::Literal::byte_string(&bytes);
    let ident = format_ident!("{}", static_name);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #[cfg_attr(target_family = "wasm", link_section = #SECTION)]
        static #ident: [u8; #len] = *#lit;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(deployment: Deployment) -> Record {
        Record::Class(ClassRecord { rust: "Counter".into(), js: "Counter".into(), export: "__durable_Counter".into(), deployment })
    }

    /// The bytes the hand-written format of version 1 produced: still
    /// produced, byte for byte.
    #[test]
    fn lines_are_the_json_of_version_1() {
        assert_eq!(
            Line::new(class(Deployment::default())).to_json(),
            r#"{"v":1,"kind":"class","rust":"Counter","js":"Counter","export":"__durable_Counter"}"#
        );
        let deployment = Deployment { binding: Some("COUNTERS".into()), renamed_from: Some("Tally".into()), storage: Storage::Kv };
        assert_eq!(
            Line::new(class(deployment)).to_json(),
            r#"{"v":1,"kind":"class","rust":"Counter","js":"Counter","export":"__durable_Counter","binding":"COUNTERS","renamed_from":"Tally","storage":"kv"}"#
        );
        let method = Method { js: "getValue".into(), export: "__rpc_get_value".into(), ts: "getValue(): Promise<Value>".into(), retryable: false, wire: String::new() };
        let record = Record::Impl(ImplRecord {
            rust: "Counter".into(),
            handlers: vec!["fetch".into()],
            methods: vec![method],
            refs: BTreeSet::from(["Value".to_owned()]),
        });
        assert_eq!(
            Line::new(record).to_json(),
            r#"{"v":1,"kind":"impl","rust":"Counter","handlers":["fetch"],"methods":[{"js":"getValue","export":"__rpc_get_value","ts":"getValue(): Promise<Value>"}],"refs":["Value"]}"#
        );
        let record = Record::Ts(TsRecord { name: "Value".into(), decl: "type Value = {\n  \"a\\b\": number;\n};".into(), refs: BTreeSet::new() });
        assert_eq!(Line::new(record).to_json(), r#"{"v":1,"kind":"ts","name":"Value","decl":"type Value = {\n  \"a\\b\": number;\n};","refs":[]}"#);
    }

    /// What the macro writes, the tool reads back unchanged: every kind of
    /// record, with every optional part set and unset, as the bytes of a
    /// section (the `static`'s literal), padding and a location included.
    #[test]
    fn records_round_trip_through_the_section_bytes() {
        let records = vec![
            class(Deployment::default()),
            class(Deployment { binding: Some("B".into()), renamed_from: None, storage: Storage::Kv }),
            class(Deployment { binding: None, renamed_from: Some("Old".into()), storage: Storage::Sqlite }),
            Record::Impl(ImplRecord { rust: "Counter".into(), handlers: vec![], methods: vec![], refs: BTreeSet::new() }),
            Record::Impl(ImplRecord {
                rust: "Counter".into(),
                handlers: vec!["fetch".into(), "alarm".into()],
                methods: vec![Method { js: "get".into(), export: "__rpc_get".into(), ts: "get(key: string): Promise<Map<string, \"x\">>".into(), retryable: false, wire: String::new() }],
                refs: BTreeSet::from(["A".to_owned(), "B".to_owned()]),
            }),
            Record::Ts(TsRecord { name: "T".into(), decl: "type T = \"\u{1}\t\u{e9}\u{1F600}\";".into(), refs: BTreeSet::from(["U".to_owned()]) }),
        ];
        let mut section = Vec::new();
        for (i, record) in records.iter().enumerate() {
            // The bytes `emit` puts in its literal.
            let tokens = emit(&format!("R{i}"), record.clone()).to_string();
            let literal: syn::LitByteStr = syn::parse_str(tokens.split("= *").nth(1).unwrap().trim_end_matches(';').trim()).unwrap();
            section.extend(literal.value());
            section.extend(b"\0\0");
        }
        section.extend(b"@Counter 12 src/my lib.rs\n");
        let mut expected: Vec<Entry> = records.into_iter().map(Entry::Record).collect();
        expected.push(Entry::Location(Location { rust: "Counter".into(), line: "12".into(), file: "src/my lib.rs".into() }));
        assert_eq!(read(&section).unwrap(), expected);
    }

    #[test]
    fn other_versions_and_bad_lines_are_refused_with_what_they_are() {
        let v2 = br#"{"v":2,"kind":"impl","shape":"new"}"#;
        assert_eq!(
            read(v2).unwrap_err(),
            "class metadata version 2 is not understood by this durable tool (expects 1): use matching versions of the durable crate and tool"
        );
        assert!(read(br#"{"v":1,"kind":"struct"}"#).unwrap_err().starts_with("bad class metadata `{\"v\":1,\"kind\":\"struct\"}`: "));
        assert!(read(b"not json").unwrap_err().starts_with("bad class metadata `not json`"));
        assert!(read(b"\xff").unwrap_err().starts_with("class metadata is not UTF-8"));
    }

    #[test]
    fn the_section_name_is_the_one_the_statics_name() {
        let tokens = emit("X", class(Deployment::default())).to_string();
        assert!(tokens.contains(&format!("link_section = \"{SECTION}\"")), "{tokens}");
        let location = emit_location(&format_ident!("Counter")).to_string();
        assert!(location.contains(&format!("link_section = \"{SECTION}\"")), "{location}");
    }

    #[test]
    fn no_record_is_kept_in_the_data_section_too() {
        // `#[used]` would put a second copy of each record into the module's
        // data, copied into every object's memory (see `emit`).
        for tokens in [emit("X", class(Deployment::default())).to_string(), emit_location(&format_ident!("Counter")).to_string()] {
            assert!(!tokens.contains("used"), "{tokens}");
        }
    }
}
