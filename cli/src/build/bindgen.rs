//! JavaScript bindings for the compiled module, by the `wasm-bindgen-cli-support`
//! library linked into this tool. Its version is pinned to the `wasm-bindgen`
//! crate's in the workspace, so bindings and Wasm always agree.

use std::path::Path;

/// File name of the bindings module in the output directory.
pub const GLUE_JS: &str = "glue.js";
/// File name of the Wasm module in the output directory.
pub const GLUE_WASM: &str = "glue_bg.wasm";

/// Generates `glue.js` (an instance factory: see [`crate::factory`]),
/// `glue_bg.wasm` and wasm-bindgen's snippets in `out_dir`.
///
/// `optimized` drops the name section (function names, for stack traces of
/// traps) and the producers section: debug builds keep them.
pub fn generate(wasm: &[u8], out_dir: &Path, optimized: bool) -> Result<(), String> {
    let mut output = bindings(wasm, optimized)?;
    // The class metadata has been read; the deployed module does not need it.
    let module = output.wasm_mut();
    let ours: Vec<_> = module.customs.iter().filter(|(_, c)| c.name() == crate::build::classes::SECTION).map(|(id, _)| id).collect();
    for id in ours {
        module.customs.delete(id);
    }
    output.emit(out_dir).map_err(|e| format!("writing bindings to {}: {e:#}", out_dir.display()))?;
    let glue_path = out_dir.join(GLUE_JS);
    let glue = std::fs::read_to_string(&glue_path).map_err(|e| format!("reading {}: {e}", glue_path.display()))?;
    let factory = crate::factory::into_factory(&glue)?;
    std::fs::write(&glue_path, factory).map_err(|e| format!("writing {}: {e}", glue_path.display()))
}

/// wasm-bindgen's output for `wasm`, with the options the factory needs.
fn bindings(wasm: &[u8], optimized: bool) -> Result<wasm_bindgen_cli_support::Output, String> {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_bytes("glue", wasm.to_vec())
        .web(true)
        .map_err(|e| format!("wasm-bindgen: {e}"))?
        .typescript(false)
        // The reinit machinery (`__wbg_instance_id`, and closures that check
        // it) is what `kill()` in the factory relies on: asked for here, not
        // left to whether some crate happens to use `schedule_reinit`.
        .reset_state_function(true)
        .remove_name_section(optimized)
        .remove_producers_section(optimized);
    bindgen.generate_output().map_err(|e| format!("wasm-bindgen: {e:#}"))
}

/// wasm-bindgen's glue for `wasm` before [`crate::factory`] rewrites it:
/// what the factory's tests run on (`cli/tests/fixtures/`).
#[cfg(test)]
pub fn raw_glue(wasm: &[u8]) -> Result<String, String> {
    Ok(bindings(wasm, false)?.js().to_owned())
}
