//! `workers-rs-bindgen IN.wasm OUT_DIR`: the JavaScript glue of the workers-rs
//! counter, made by the `wasm-bindgen-cli-support` library with the options
//! `worker-build` 0.8.7 passes to the `wasm-bindgen` CLI for a release build:
//! `--target module --out-name index --no-typescript`
//! `--experimental-reset-state-function --force-enable-abort-handler`
//! (the library and the CLI of one version produce the same output). Writes
//! `OUT_DIR/index.js` and `OUT_DIR/index_bg.wasm`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir] = args.as_slice() else {
        eprintln!("usage: workers-rs-bindgen IN.wasm OUT_DIR");
        return ExitCode::FAILURE;
    };
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen.input_path(input).out_name("index").typescript(false).reset_state_function(true).force_enable_abort_handler(true);
    let generated = bindgen.module(true).and_then(|b| b.generate(out_dir));
    match generated {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("workers-rs-bindgen: {e:#}");
            ExitCode::FAILURE
        }
    }
}
