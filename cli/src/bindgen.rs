//! JavaScript bindings for the compiled module, by the `wasm-bindgen-cli-support`
//! library linked into this tool. Its version is pinned to the `wasm-bindgen`
//! crate's in the workspace, so bindings and Wasm always agree.

use std::path::Path;

/// File name of the bindings module in the output directory.
pub const GLUE_JS: &str = "glue.js";
/// File name of the Wasm module in the output directory.
pub const GLUE_WASM: &str = "glue_bg.wasm";

/// Generates `glue.js`, `glue_bg.wasm` and wasm-bindgen's snippets in `out_dir`.
pub fn generate(wasm: &[u8], out_dir: &Path) -> Result<(), String> {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_bytes("glue", wasm.to_vec())
        .web(true)
        .map_err(|e| format!("wasm-bindgen: {e}"))?
        .typescript(false)
        // Exposes `__wbg_reset_state`, which the runtime calls to instantiate
        // the module afresh after a panic trapped it.
        .reset_state_function(true);
    let mut output = bindgen.generate_output().map_err(|e| format!("wasm-bindgen: {e:#}"))?;
    // The class metadata has been read; the deployed module does not need it.
    let module = output.wasm_mut();
    let ours: Vec<_> = module.customs.iter().filter(|(_, c)| c.name() == crate::classes::SECTION).map(|(id, _)| id).collect();
    for id in ours {
        module.customs.delete(id);
    }
    output.emit(out_dir).map_err(|e| format!("writing bindings to {}: {e:#}", out_dir.display()))?;
    let glue_path = out_dir.join(GLUE_JS);
    let glue = std::fs::read_to_string(&glue_path).map_err(|e| format!("reading {}: {e}", glue_path.display()))?;
    std::fs::write(&glue_path, patch_closures(&glue)?).map_err(|e| format!("writing {}: {e}", glue_path.display()))
}

/// wasm-bindgen's closure wrapper throws when a closure of an earlier instance
/// is called. After a panic, such calls are how other requests' pending work
/// comes back; the runtime's `durable.stale` hook resets the module and fails
/// those requests in their own turn, so the wrapper hands the call to the hook
/// (and treats a poisoned instance like an earlier one).
fn patch_closures(glue: &str) -> Result<String, String> {
    const CHECK: &str = "if (state.instance !== __wbg_instance_id) {";
    const PATCHED: &str = "if (state.instance !== __wbg_instance_id || globalThis[Symbol.for(\"durable.poisoned\")] === true) {\n            if (globalThis[Symbol.for(\"durable.stale\")]?.() === true) return;";
    if !glue.contains(CHECK) {
        return Err(format!(
            "wasm-bindgen's output has no `{CHECK}`: the wasm-bindgen version differs from the one this tool was written for (pinned in the workspace Cargo.toml)"
        ));
    }
    Ok(glue.replace(CHECK, PATCHED))
}
