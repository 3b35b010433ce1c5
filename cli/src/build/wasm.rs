//! Reading custom sections out of a compiled Wasm module, with `wasmparser`.

use wasmparser::{Encoding, Parser, Payload};

/// The contents of every custom section called `name`, in module order.
///
/// `module` must be a core WebAssembly module (what rustc writes for
/// `wasm32-unknown-unknown`). Anything else, and a module whose sections run
/// past its end, is an error naming the byte offset where reading failed.
pub fn custom_sections<'a>(module: &'a [u8], name: &str) -> Result<Vec<&'a [u8]>, String> {
    let mut found = Vec::new();
    for payload in Parser::new(0).parse_all(module) {
        match payload.map_err(|e| format!("not a valid WebAssembly module: {e}"))? {
            Payload::Version { encoding: Encoding::Component, .. } => {
                return Err("a WebAssembly component, not a core module".into());
            }
            Payload::CustomSection(section) if section.name() == name => found.push(section.data()),
            _ => {}
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module of the given custom sections (name, contents), encoded by hand
    /// (the sizes fit one LEB128 byte).
    fn module_with(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        for (name, body) in sections {
            let mut payload = vec![name.len() as u8];
            payload.extend_from_slice(name.as_bytes());
            payload.extend_from_slice(body);
            m.push(0);
            m.push(payload.len() as u8);
            m.extend(payload);
        }
        m
    }

    #[test]
    fn finds_named_sections_in_order() {
        let m = module_with(&[("a", b"one"), ("other", b"x"), ("a", b"two"), ("a", b"")]);
        assert_eq!(custom_sections(&m, "a").unwrap(), vec![&b"one"[..], &b"two"[..], &b""[..]]);
        assert!(custom_sections(&m, "none").unwrap().is_empty());
        assert!(custom_sections(&module_with(&[]), "a").unwrap().is_empty());
    }

    #[test]
    fn rejects_garbage() {
        let e = custom_sections(b"hello world", "a").unwrap_err();
        assert!(e.starts_with("not a valid WebAssembly module: "), "{e}");
        assert!(custom_sections(b"", "a").is_err());
        assert!(custom_sections(b"\0asm", "a").is_err());
        // A section that runs past the end of the module.
        let mut m = module_with(&[("a", b"one")]);
        m.truncate(m.len() - 1);
        let e = custom_sections(&m, "a").unwrap_err();
        assert!(e.starts_with("not a valid WebAssembly module: "), "{e}");
        // A custom section whose name runs past the section.
        let m = b"\0asm\x01\0\0\0\x00\x02\x05a";
        assert!(custom_sections(m, "a").is_err());
    }

    #[test]
    fn rejects_a_component() {
        let component = b"\0asm\x0d\0\x01\0";
        assert_eq!(custom_sections(component, "a").unwrap_err(), "a WebAssembly component, not a core module");
    }
}
