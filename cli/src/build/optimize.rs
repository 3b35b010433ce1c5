//! Size optimization of the deployed module by binaryen's `wasm-opt`.
//!
//! `wasm-opt` comes from the npm package `binaryen` (pinned in the project's
//! `package.json`, installed by `npm install`; it is a Node script, so no
//! platform binary and nothing downloaded at build time). It is looked up as
//! `node_modules/.bin/wasm-opt` in the current directory or the nearest
//! ancestor that has one; `DURABLE_WASM_OPT` names another executable, or
//! `off` to skip the step. Optimized builds (every profile but `dev`) run it;
//! debug builds stay fast and keep their function names.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The `binaryen` version this tool is tested with (and `durable new` pins).
pub const BINARYEN_VERSION: &str = "132.0.0";

/// The environment variable that overrides where `wasm-opt` is (or `off`).
pub const ENV: &str = "DURABLE_WASM_OPT";

/// The environment variable that keeps the module's function names in an
/// optimized build (`DURABLE_KEEP_NAMES=1`): for profiling (`bench/profile.mjs`),
/// not for deploying (the names section is about a fifth of the module).
pub const KEEP_NAMES: &str = "DURABLE_KEEP_NAMES";

/// Whether [`KEEP_NAMES`] is set (to anything but `0` or nothing).
pub fn keep_names() -> bool {
    std::env::var(KEEP_NAMES).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// What `wasm-opt` is asked to do: optimize for size (`-Os`), and drop what
/// the runtime never reads.
const FLAGS: &[&str] = &["-Os", "--strip-debug", "--strip-producers", "--strip-target-features"];

/// Where `wasm-opt` is, if anywhere; `Err` if `DURABLE_WASM_OPT` names a file
/// that does not exist.
pub fn locate(start: &Path) -> Result<Option<PathBuf>, String> {
    match std::env::var(ENV) {
        Ok(value) if value == "off" || value == "0" => return Ok(None),
        Ok(value) if !value.is_empty() => {
            let path = PathBuf::from(&value);
            return if path.exists() { Ok(Some(path)) } else { Err(format!("{ENV}={value}: no such file")) };
        }
        _ => {}
    }
    Ok(start.ancestors().map(|dir| dir.join("node_modules").join(".bin").join("wasm-opt")).find(|p| p.exists()))
}

/// Rewrites `wasm` (a file) in place, optimized. Returns the sizes before and
/// after, and how long it took.
pub fn run(wasm_opt: &Path, wasm: &Path) -> Result<(u64, u64, f64), String> {
    let started = Instant::now();
    let before = std::fs::metadata(wasm).map(|m| m.len()).unwrap_or(0);
    let tmp = wasm.with_extension("opt.wasm");
    // wasm-opt drops the names section unless told to keep it (`-g`).
    let flags = FLAGS.iter().filter(|f| !(keep_names() && **f == "--strip-debug"));
    let output = Command::new(wasm_opt)
        .args(flags)
        .args(keep_names().then_some("-g"))
        .arg(wasm)
        .arg("-o")
        .arg(&tmp)
        .output()
        .map_err(|e| format!("running {}: {e}", wasm_opt.display()))?;
    if !output.status.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "{} failed ({}):\n{}{}",
            wasm_opt.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    std::fs::rename(&tmp, wasm).map_err(|e| format!("replacing {}: {e}", wasm.display()))?;
    let after = std::fs::metadata(wasm).map(|m| m.len()).unwrap_or(0);
    Ok((before, after, started.elapsed().as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_in_the_nearest_node_modules() {
        let root = std::env::temp_dir().join(format!("durable-opt-{}", std::process::id()));
        let bin = root.join("node_modules/.bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("wasm-opt"), "").unwrap();
        let nested = root.join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        // Not set in the test environment: the lookup walks up.
        if std::env::var(ENV).is_err() {
            assert_eq!(locate(&nested).unwrap(), Some(bin.join("wasm-opt")));
        }
        std::fs::remove_dir_all(&root).unwrap();
    }
}
