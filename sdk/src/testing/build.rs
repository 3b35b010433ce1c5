//! Finding the tools and building the user's crate for the test runtime:
//! `durable build --test-hooks` of the package under test, and the workerd
//! binary of the project's npm packages.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde::Deserialize;

/// What `durable build --test-hooks` wrote: the bundle's directory and its manifest.
#[derive(Debug)]
pub(crate) struct Bundle {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// How long the build took.
    pub seconds: f64,
}

/// `test-manifest.json` (see the CLI's `test_manifest`).
#[derive(Debug, Deserialize)]
pub(crate) struct Manifest {
    pub compatibility_date: String,
    #[serde(default)]
    pub compatibility_flags: Vec<String>,
    pub classes: Vec<String>,
    #[serde(default)]
    pub bindings: Vec<Binding>,
    #[serde(default)]
    pub vars: serde_json::Map<String, serde_json::Value>,
    pub modules: Vec<Module>,
}

/// A binding of one of the worker's own classes.
#[derive(Debug, Deserialize)]
pub(crate) struct Binding {
    pub name: String,
    pub class: String,
}

/// One module of the bundle.
#[derive(Debug, Deserialize)]
pub(crate) struct Module {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl Manifest {
    /// The JavaScript class bound as `binding`.
    pub fn class_of(&self, binding: &str) -> Option<&str> {
        self.bindings.iter().find(|b| b.name == binding).map(|b| b.class.as_str())
    }
}

/// The profile of the test build's Wasm: unoptimized, so that it builds fast
/// (`DURABLE_TEST_PROFILE` chooses another).
const PROFILE: &str = "dev";

/// Builds `package` (whose manifest is in `manifest_dir`) with
/// `durable build --test-hooks` into `<target>/durable-test/<package>`.
pub(crate) fn build(manifest_dir: &Path, package: &str) -> Result<Bundle, String> {
    let started = Instant::now();
    let profile = env::var("DURABLE_TEST_PROFILE").unwrap_or_else(|_| PROFILE.to_owned());
    // Straight to stderr: the test harness captures `print!`/`eprint!` of a
    // test's thread, and the first build is a minute or more of silence.
    // The time it took follows in the line the runtime's start reports.
    let _ = announce(&mut std::io::stderr(), package, &profile);
    let cli = cli(manifest_dir)?;
    let target = target_dir(manifest_dir);
    let out = target.join("durable-test").join(package);
    // `durable build` reads wrangler.jsonc from its working directory: the
    // package's, or the nearest above it (a workspace's examples).
    let config_dir = manifest_dir.ancestors().find(|d| d.join("wrangler.jsonc").exists() || d.join("wrangler.json").exists());
    let mut command = Command::new(&cli);
    command
        .args(["build", "--test-hooks", "-p", package, "--profile", &profile, "--out-dir"])
        .arg(&out)
        .current_dir(config_dir.unwrap_or(manifest_dir))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if config_dir.is_none() {
        command.arg("--no-config-check");
    }
    let output = command.output().map_err(|e| format!("running {} build: {e}", cli.display()))?;
    if !output.status.success() {
        return Err(format!(
            "`durable build --test-hooks -p {package}` failed, so there is nothing to test:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let path = out.join("test-manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e} (is the durable CLI older than the SDK?)", path.display()))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Bundle { dir: out, manifest, seconds: started.elapsed().as_secs_f64() })
}

/// Writes the line that says what the test build builds, before it starts.
fn announce(out: &mut impl std::io::Write, package: &str, profile: &str) -> std::io::Result<()> {
    writeln!(
        out,
        "durable::testing: building {package} for the test runtime (`durable build --test-hooks`, profile {profile}): \
         the first build of a project takes a minute or two, later ones a few seconds"
    )
}

/// The `durable` CLI: `DURABLE_CLI`; else, when the SDK is a checkout (a
/// path dependency), that checkout's `cli/`, built with cargo, so that the
/// tool and the SDK are always the same version; else `durable` on `PATH`.
fn cli(manifest_dir: &Path) -> Result<PathBuf, String> {
    if let Ok(path) = env::var("DURABLE_CLI") {
        let path = PathBuf::from(path);
        return if path.exists() { Ok(path) } else { Err(format!("DURABLE_CLI={}: no such file", path.display())) };
    }
    let checkout_cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/Cargo.toml");
    if checkout_cli.exists() {
        return build_cli(&checkout_cli, manifest_dir);
    }
    let name = format!("durable{}", env::consts::EXE_SUFFIX);
    env::var_os("PATH")
        .and_then(|paths| env::split_paths(&paths).map(|p| p.join(&name)).find(|p| p.is_file()))
        .ok_or_else(|| "the durable CLI was not found: install it (`cargo install durable-objects-cli`) or set DURABLE_CLI to its path".to_owned())
}

/// Builds the CLI of an SDK checkout (a no-op when it is up to date) and
/// returns the binary cargo reports.
fn build_cli(manifest: &Path, cwd: &Path) -> Result<PathBuf, String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args(["build", "--release", "--bin", "durable", "--message-format=json-render-diagnostics", "--manifest-path"])
        .arg(manifest)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running {cargo} to build the durable CLI: {e}"))?;
    if !output.status.success() {
        return Err(format!("building the durable CLI ({}) failed:\n{}", manifest.display(), String::from_utf8_lossy(&output.stderr)));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "durable")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo built the durable CLI ({}) but named no executable", manifest.display()))
}

/// The cargo target directory the package builds into: `CARGO_TARGET_DIR`,
/// else the one that holds the running test binary, else `target` of the
/// nearest workspace root above `dir`.
fn target_dir(dir: &Path) -> PathBuf {
    if let Ok(dir) = env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    // <target>/<profile>/deps/<test binary>
    if let Some(target) = env::current_exe().ok().and_then(|exe| exe.parent()?.parent()?.parent().map(Path::to_path_buf)) {
        if target.join("CACHEDIR.TAG").exists() {
            return target;
        }
    }
    let root = dir
        .ancestors()
        .filter(|d| d.join("Cargo.lock").exists())
        .last()
        .or_else(|| dir.ancestors().find(|d| d.join("Cargo.toml").exists()))
        .unwrap_or(dir);
    root.join("target")
}

/// The workerd binary: `DURABLE_WORKERD`, else the one wrangler brought into
/// the nearest `node_modules` above `manifest_dir`.
pub(crate) fn workerd(manifest_dir: &Path) -> Result<PathBuf, String> {
    if let Ok(path) = env::var("DURABLE_WORKERD") {
        let path = PathBuf::from(path);
        return if path.exists() { Ok(path) } else { Err(format!("DURABLE_WORKERD={}: no such file", path.display())) };
    }
    let platform = match (env::consts::OS, env::consts::ARCH) {
        ("linux", "x86_64") => "linux-64",
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "x86_64") => "darwin-64",
        ("macos", "aarch64") => "darwin-arm64",
        ("windows", "x86_64") => "windows-64",
        (os, arch) => return Err(format!("workerd has no build for {os}/{arch}")),
    };
    let relative = Path::new("node_modules/@cloudflare").join(format!("workerd-{platform}")).join("bin").join(format!("workerd{}", env::consts::EXE_SUFFIX));
    manifest_dir.ancestors().map(|d| d.join(&relative)).find(|p| p.exists()).ok_or_else(|| {
        format!(
            "workerd (the local Workers runtime) was not found in node_modules above {}: run `npm install` there \
             (wrangler brings workerd), or set DURABLE_WORKERD to its path",
            manifest_dir.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_workerd_says_what_to_run() {
        if env::var_os("DURABLE_WORKERD").is_some() {
            return;
        }
        let dir = env::temp_dir().join(format!("durable-no-workerd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let error = workerd(&dir).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(error.contains("run `npm install` there") && error.contains("DURABLE_WORKERD"), "{error}");
    }

    #[test]
    fn the_build_says_what_it_builds_before_it_starts() {
        let mut out = Vec::new();
        announce(&mut out, "job-board", "dev").unwrap();
        let line = String::from_utf8(out).unwrap();
        assert!(line.starts_with("durable::testing: building job-board for the test runtime"), "{line}");
        assert!(line.contains("profile dev") && line.ends_with("a few seconds\n"), "{line}");
    }

    #[test]
    fn the_manifest_names_the_class_of_a_binding() {
        let manifest: Manifest = serde_json::from_str(
            r#"{ "compatibility_date": "2025-09-01", "classes": ["Counter"],
                 "bindings": [{ "name": "COUNTER", "class": "Counter" }],
                 "modules": [{ "name": "worker.mjs", "type": "esModule" }] }"#,
        )
        .unwrap();
        assert_eq!(manifest.class_of("COUNTER"), Some("Counter"));
        assert_eq!(manifest.class_of("OTHER"), None);
    }
}
