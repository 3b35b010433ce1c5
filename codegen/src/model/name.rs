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

/// Name of the Wasm-side glue method that takes the calls of the RPC method
/// `method` in the wire format (`durable::rpc`'s binary form of a call
/// between two objects of the SDK).
pub fn wire_glue_ident(method: &Ident) -> Ident {
    format_ident!("__rpcw_{}", method)
}

/// The hidden JavaScript method through which a typed stub calls the
/// JavaScript method `js` in the wire format (absent from the `.d.ts`).
pub fn wire_method(js: &str) -> String {
    format!("__durable_wire_{js}")
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

/// The prefix of every top-level name the generated entry module
/// (`worker.mjs`) declares or exports besides the classes (its imports, the
/// runtime, the test hook `__durableTest`), and of the Wasm exports and Rust
/// glue items the macro generates (`__durable_Counter`, `__DurableObjectCounter`).
/// A class name starting with it, in any case, is refused, so that no class
/// can collide with generated code.
pub const GENERATED_PREFIX: &str = "__durable";

/// Words JavaScript reserves in modules (which are strict-mode code), where
/// `export class X` cannot declare them: the reserved words, the words strict
/// mode reserves, and `await` (reserved in modules).
const RESERVED_WORDS: &[&str] = &[
    "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum", "export",
    "extends", "false", "finally", "for", "function", "if", "implements", "import", "in", "instanceof", "interface", "let", "new",
    "null", "package", "private", "protected", "public", "return", "static", "super", "switch", "this", "throw", "true", "try",
    "typeof", "var", "void", "while", "with", "yield",
];

/// Whether `word` is reserved in JavaScript modules (or forbidden as a
/// binding in strict mode), so that it cannot name a parameter of a
/// generated TypeScript signature as it is.
///
/// ```
/// use durable_objects_codegen::model::name::is_reserved_word;
/// assert!(is_reserved_word("case") && is_reserved_word("eval"));
/// assert!(!is_reserved_word("cases"));
/// ```
pub fn is_reserved_word(word: &str) -> bool {
    RESERVED_WORDS.contains(&word) || RESTRICTED_NAMES.contains(&word)
}

/// Names strict mode forbids as a binding (`class eval {}` is a syntax error).
const RESTRICTED_NAMES: &[&str] = &["eval", "arguments"];

/// Names that declare as a class but break what uses it: the global values
/// `undefined`, `NaN` and `Infinity`, which the class would shadow in the
/// bundle wrangler builds, and `then`, which makes the module's namespace
/// object look like a promise to whoever imports it dynamically.
const BREAKING_NAMES: &[&str] = &["undefined", "NaN", "Infinity", "then"];

/// Why `name` cannot name a Durable Object's JavaScript class (the class
/// `durable build` declares as `export class <name> extends DurableObject` in
/// the generated `worker.mjs`, and `class_name` in wrangler.jsonc), with what
/// to write instead; `None` when it can. It checks what every class name must
/// avoid whatever its syntax: the names of the generated code, JavaScript's
/// reserved words and the names that break an exported class (that it is an
/// identifier at all is checked where it is written). `#[durable_object]`
/// refuses such a class at compile time, `durable build` a module that
/// declares one, and `durable new` such a `--class`: all with this function.
///
/// ```
/// use durable_objects_codegen::model::name::class_name_problem;
///
/// assert_eq!(class_name_problem("Runtime"), None);
/// assert!(class_name_problem("default").unwrap().contains("reserved word"));
/// assert!(class_name_problem("__durable_Counter").unwrap().contains("`__durable`"));
/// ```
pub fn class_name_problem(name: &str) -> Option<String> {
    if has_generated_prefix(name) {
        return Some(format!(
            "`{name}` cannot name a Durable Object class: names starting with `{GENERATED_PREFIX}` (in any case) are reserved \
             for the code `durable build` and `#[durable_object]` generate; choose a name without that prefix, such as `{}`",
            instead(name)
        ));
    }
    let why = reason(name)?;
    Some(format!("`{name}` cannot name a Durable Object class: {why}; choose another name, such as `{}`", instead(name)))
}

/// Why JavaScript cannot have a class named `name` exported from a module.
fn reason(name: &str) -> Option<&'static str> {
    if RESERVED_WORDS.contains(&name) {
        Some("it is a reserved word of JavaScript, so `export class` cannot declare it in the generated worker.mjs")
    } else if RESTRICTED_NAMES.contains(&name) {
        Some("strict-mode JavaScript (the generated worker.mjs is a module) forbids it as the name of a class")
    } else if name == "then" {
        Some("a module exporting `then` is taken for a promise when imported dynamically")
    } else if BREAKING_NAMES.contains(&name) {
        Some("the class would shadow that global value of JavaScript in the generated worker.mjs")
    } else {
        None
    }
}

/// Whether `name` starts with [`GENERATED_PREFIX`], in any case: a name of
/// generated code, which no class (nor the struct behind one) may have.
pub fn has_generated_prefix(name: &str) -> bool {
    name.get(..GENERATED_PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(GENERATED_PREFIX))
}

/// A name to suggest instead of `name`: without the generated prefix and
/// capitalized (`default` -> `Default`, `__durable_runtime` -> `Runtime`),
/// with `Object` after it where that is still refused (`NaN` -> `NaNObject`).
fn instead(name: &str) -> String {
    let mut base = name;
    while has_generated_prefix(base) {
        base = &base[GENERATED_PREFIX.len()..];
    }
    let mut chars = base.trim_start_matches(['_', '$']).chars();
    let candidate = match chars.next() {
        Some(first) if first.is_ascii_alphabetic() => format!("{}{}", first.to_ascii_uppercase(), chars.as_str()),
        _ => return "MyObject".to_owned(),
    };
    if has_generated_prefix(&candidate) || reason(&candidate).is_some() {
        format!("{candidate}Object")
    } else {
        candidate
    }
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

    #[test]
    fn class_names_that_collide_or_are_reserved_are_refused_with_what_to_write() {
        for ok in ["Counter", "Runtime", "RustPanic", "DurableObject", "instantiate", "wasmModule", "runtime", "register", "hook", "Durable", "_durable", "$", "Then", "Eval", "constructor", "Object", "Promise"] {
            assert_eq!(class_name_problem(ok), None, "{ok}");
        }
        for generated in ["__durable", "__durable_Counter", "__durableTest", "__DurableObjectCounter", "__DURABLEX"] {
            let problem = class_name_problem(generated).unwrap();
            assert!(problem.contains("names starting with `__durable` (in any case) are reserved"), "{problem}");
        }
        assert_eq!(
            class_name_problem("__durable_Counter").unwrap(),
            "`__durable_Counter` cannot name a Durable Object class: names starting with `__durable` (in any case) are reserved for \
             the code `durable build` and `#[durable_object]` generate; choose a name without that prefix, such as `Counter`"
        );
        for reserved in ["default", "class", "await", "yield", "let", "static", "enum", "implements", "package", "null", "true"] {
            assert!(class_name_problem(reserved).unwrap().contains("is a reserved word of JavaScript"), "{reserved}");
        }
        assert_eq!(
            class_name_problem("default").unwrap(),
            "`default` cannot name a Durable Object class: it is a reserved word of JavaScript, so `export class` cannot declare it \
             in the generated worker.mjs; choose another name, such as `Default`"
        );
        for restricted in ["eval", "arguments"] {
            assert!(class_name_problem(restricted).unwrap().contains("strict-mode JavaScript"), "{restricted}");
        }
        for global in ["undefined", "NaN", "Infinity"] {
            assert!(class_name_problem(global).unwrap().contains("shadow that global value"), "{global}");
        }
        assert!(class_name_problem("then").unwrap().contains("taken for a promise"));
        assert!(class_name_problem("__durable").unwrap().ends_with("such as `MyObject`"));
        assert!(class_name_problem("NaN").unwrap().ends_with("such as `NaNObject`"));
        assert!(class_name_problem("eval").unwrap().ends_with("such as `Eval`"));
    }
}
