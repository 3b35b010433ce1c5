//! Just enough of the Wasm binary format to read custom sections.

/// The contents of every custom section called `name`, in module order.
pub fn custom_sections<'a>(module: &'a [u8], name: &str) -> Result<Vec<&'a [u8]>, String> {
    let mut found = Vec::new();
    for body in sections(module, 0)? {
        let mut p = 0;
        let name_len = read_leb_u32(body, &mut p)? as usize;
        let name_end = p.checked_add(name_len).filter(|&e| e <= body.len()).ok_or("custom section name runs past its section")?;
        if &body[p..name_end] == name.as_bytes() {
            found.push(&body[name_end..]);
        }
    }
    Ok(found)
}

/// The bodies of every section with the given id.
fn sections(module: &[u8], wanted: u8) -> Result<Vec<&[u8]>, String> {
    check_header(module)?;
    let mut found = Vec::new();
    let mut pos = 8;
    while pos < module.len() {
        let id = module[pos];
        pos += 1;
        let size = read_leb_u32(module, &mut pos)? as usize;
        let end = pos.checked_add(size).filter(|&e| e <= module.len()).ok_or("section runs past the end of the module")?;
        if id == wanted {
            found.push(&module[pos..end]);
        }
        pos = end;
    }
    Ok(found)
}

fn check_header(module: &[u8]) -> Result<(), String> {
    if module.len() < 8 || &module[..4] != b"\0asm" {
        return Err("not a WebAssembly module (bad magic number)".into());
    }
    Ok(())
}

fn read_leb_u32(bytes: &[u8], pos: &mut usize) -> Result<u32, String> {
    let mut result: u32 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*pos).ok_or("truncated LEB128 number")?;
        *pos += 1;
        result |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(result);
        }
    }
    Err("LEB128 number too long".into())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let m = module_with(&[("a", b"one"), ("other", b"x"), ("a", b"two")]);
        assert_eq!(custom_sections(&m, "a").unwrap(), vec![&b"one"[..], &b"two"[..]]);
        assert!(custom_sections(&m, "none").unwrap().is_empty());
    }

    #[test]
    fn rejects_garbage() {
        assert!(custom_sections(b"hello world", "a").is_err());
        let mut m = module_with(&[("a", b"one")]);
        m.truncate(m.len() - 1);
        assert!(custom_sections(&m, "a").is_err());
    }
}
