//! `durable build`: cargo -> class metadata -> bindings -> entry module.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::config::{self, generate};
use crate::factory;

pub mod bindgen;
pub mod classes;
pub mod optimize;
pub mod shim;
pub mod test_manifest;
pub mod typescript;
pub mod wasm;

/// The test driver of a test build (`--test-hooks`), shipped next to it.
const TESTING_JS: &str = include_str!("../../js/testing.mjs");

/// What to build, and where to.
pub struct Options {
    /// `-p PACKAGE`; `None` builds the package in the current directory.
    pub package: Option<String>,
    /// Output directory for `worker.mjs` and its modules.
    pub out_dir: PathBuf,
    /// Cargo profile of the Wasm build.
    pub profile: String,
    /// The wrangler config whose bindings and migrations must match the
    /// classes (`None`: `wrangler.jsonc` or `wrangler.json`, if present).
    pub config: Option<PathBuf>,
    /// Whether to check that config (`--no-config-check` turns it off).
    pub check_config: bool,
    /// A test build (`--test-hooks`, used by `durable::testing`): the classes
    /// get the hidden hooks the test harness calls, and `test-manifest.json`
    /// describes the bundle. Never deploy one.
    pub test_hooks: bool,
}

/// What to compile: the Wasm part of [`Options`].
pub struct Target<'a> {
    /// `-p PACKAGE`; `None` builds the package in the current directory.
    pub package: Option<&'a str>,
    /// Cargo profile of the Wasm build.
    pub profile: &'a str,
}

/// Compiles the crate and reads what it declares; returns the module's bytes too.
pub fn compile(target: &Target) -> Result<(Vec<u8>, classes::Module), String> {
    let wasm_path = cargo_build(target)?;
    let wasm_bytes = fs::read(&wasm_path).map_err(|e| format!("reading {}: {e}", wasm_path.display()))?;
    let sections = wasm::custom_sections(&wasm_bytes, classes::SECTION)?;
    let module = classes::read(&sections)?;
    Ok((wasm_bytes, module))
}

/// Runs the whole build.
pub fn run(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let (wasm_bytes, module) = compile(&Target { package: options.package.as_deref(), profile: &options.profile })?;
    let classes = &module.classes;
    // wrangler must never see a class without its binding and migration: check
    // them before writing anything it would load.
    if options.check_config {
        match config::locate(options.config.as_deref())? {
            Some(path) => config::sync(&path, classes, &generate::Options::default(), config::Mode::Check)?,
            None => eprintln!("durable: note: no wrangler.jsonc here, so bindings and migrations were not checked (--config FILE names one)"),
        }
    }
    let out = &options.out_dir;
    fs::create_dir_all(out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    // Every profile but `dev` is an optimized build: names stripped, and
    // wasm-opt run when the project has it.
    let optimized = options.profile != "dev";
    let wasm_opt = if optimized { optimize::locate(Path::new("."))? } else { None };
    let stamp = stamp(&wasm_bytes, optimized, wasm_opt.as_deref());
    let stamp_path = out.join(".stamp");
    let fresh = fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str())
        && out.join(bindgen::GLUE_JS).exists()
        && out.join(bindgen::GLUE_WASM).exists();
    if !fresh {
        bindgen::generate(&wasm_bytes, out, optimized && !optimize::keep_names())?;
        match &wasm_opt {
            Some(tool) => {
                let (before, after, seconds) = optimize::run(tool, &out.join(bindgen::GLUE_WASM))?;
                eprintln!("durable: wasm-opt: {} KiB -> {} KiB in {seconds:.1}s", before / 1024, after / 1024);
            }
            None if optimized => eprintln!(
                "durable: note: wasm-opt not found, so the module is not size-optimized \
                 (`npm install --save-dev binaryen@{}` adds it; {}=off silences this)",
                optimize::BINARYEN_VERSION,
                optimize::ENV
            ),
            None => {}
        }
        fs::write(&stamp_path, &stamp).map_err(|e| format!("writing {}: {e}", stamp_path.display()))?;
    }
    // Worker-level handlers (`#[event(fetch)]`) are plain wasm-bindgen exports.
    let glue_js = out.join(bindgen::GLUE_JS);
    let glue_source = fs::read_to_string(&glue_js).map_err(|e| format!("reading {}: {e}", glue_js.display()))?;
    let exported = factory::exported(&glue_source);
    let entry: Vec<String> = shim::ENTRY_HANDLERS
        .iter()
        .filter(|h| exported.contains(h))
        .map(|h| h.to_string())
        .collect();
    for (name, source) in factory::RUNTIME_MODULES {
        write_if_changed(&out.join(name), source)?;
    }
    let entry_source = if options.test_hooks {
        write_if_changed(&out.join(shim::TESTING_JS), TESTING_JS)?;
        shim::test_entry_module(classes, &entry, bindgen::GLUE_JS, bindgen::GLUE_WASM)
    } else {
        shim::entry_module(classes, &entry, bindgen::GLUE_JS, bindgen::GLUE_WASM)
    };
    write_if_changed(&out.join("worker.mjs"), &entry_source)?;
    if options.test_hooks {
        let config = config::locate(options.config.as_deref())?;
        test_manifest::write(out, "worker.mjs", classes, config.as_deref())?;
    } else if out.join(shim::TESTING_JS).exists() {
        // A production build into the directory of a test build: no hooks may stay.
        fs::remove_file(out.join(shim::TESTING_JS)).map_err(|e| format!("removing {}: {e}", out.join(shim::TESTING_JS).display()))?;
        let _ = fs::remove_file(out.join(test_manifest::FILE));
    }
    write_if_changed(&out.join("classes.d.ts"), &typescript::declarations(&module))?;
    for name in &module.undeclared {
        eprintln!("durable: warning: `{name}` is declared `unknown` in classes.d.ts: {}", typescript::how_to_declare(name));
    }

    let size = fs::metadata(out.join(bindgen::GLUE_WASM)).map(|m| m.len()).unwrap_or(0);
    let names: Vec<&str> = classes.iter().map(|c| c.js.as_str()).collect();
    eprintln!(
        "durable: built {} ({} KiB Wasm; classes: {}; worker handlers: {}){} in {:.1}s",
        out.join("worker.mjs").display(),
        size / 1024,
        if names.is_empty() { "none".to_owned() } else { names.join(", ") },
        if entry.is_empty() { "none".to_owned() } else { entry.join(", ") },
        if fresh { ", bindings up to date" } else { "" },
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Builds the cdylib for `wasm32-unknown-unknown`; returns the `.wasm` path.
fn cargo_build(options: &Target) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--lib", "--target", "wasm32-unknown-unknown", "--message-format=json-render-diagnostics"]);
    cmd.args(["--profile", options.profile]);
    if optimize::keep_names() {
        // The linker strips the names section too in a profile that strips
        // debug information (release's default).
        let profile = options.profile.to_uppercase().replace('-', "_");
        cmd.env(format!("CARGO_PROFILE_{profile}_STRIP"), "none");
    }
    if let Some(package) = options.package {
        cmd.args(["--package", package]);
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = cmd.spawn().map_err(|e| format!("running cargo: {e}"))?;
    let stdout = child.stdout.take().ok_or("cargo's output is not readable")?;
    let mut artifact = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading cargo's output: {e}"))?;
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let is_cdylib = message["target"]["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "cdylib"));
        if !is_cdylib {
            continue;
        }
        if let Some(files) = message["filenames"].as_array() {
            if let Some(wasm) = files.iter().filter_map(|f| f.as_str()).find(|f| f.ends_with(".wasm")) {
                artifact = Some(PathBuf::from(wasm));
            }
        }
    }
    let status = child.wait().map_err(|e| format!("waiting for cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build failed (see the errors above)".into());
    }
    artifact.ok_or_else(|| {
        "cargo built no .wasm: the package needs `crate-type = [\"cdylib\"]` under [lib] \
         (and the target: `rustup target add wasm32-unknown-unknown`)"
            .into()
    })
}

/// Identifies the inputs of the bindings: the module, this tool's build, and
/// how the output is optimized.
fn stamp(module: &[u8], optimized: bool, wasm_opt: Option<&Path>) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    module.hash(&mut hasher);
    optimized.hash(&mut hasher);
    optimize::keep_names().hash(&mut hasher);
    wasm_opt.hash(&mut hasher);
    if let Ok(tool) = std::env::current_exe().and_then(fs::read) {
        tool.hash(&mut hasher);
    }
    format!("{}-{:016x}\n", env!("CARGO_PKG_VERSION"), hasher.finish())
}

/// Writes `contents` unless the file already holds them, so that a no-op build
/// does not make `wrangler dev` reload.
fn write_if_changed(path: &Path, contents: &str) -> Result<(), String> {
    if fs::read_to_string(path).ok().as_deref() == Some(contents) {
        return Ok(());
    }
    fs::write(path, contents).map_err(|e| format!("writing {}: {e}", path.display()))
}
