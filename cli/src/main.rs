//! `durable`: host-side tooling for the durable SDK.
//!
//! ```text
//! durable build  [-p PACKAGE] [--out-dir DIR] [--profile PROFILE] [--config FILE] [--no-config-check]
//! durable config [-p PACKAGE] [--profile PROFILE] [--config FILE] [--check] [--delete CLASS]... [--to-exports]
//! durable new PATH [--name NAME] [--class CLASS] [--sdk PATH]
//! ```
//!
//! `build` compiles PACKAGE (a `cdylib` crate using `#[durable_object]`) to
//! `wasm32-unknown-unknown`, reads the classes the macro recorded in the Wasm
//! (see [`classes`]), checks that the wrangler config binds and migrates each
//! of them (see [`generate`]), generates the JavaScript bindings with the
//! `wasm-bindgen-cli-support` library (the same version as the `wasm-bindgen`
//! crate, so the two can never drift) and writes the entry module wrangler
//! loads (`worker.mjs`), in which each class `extends DurableObject`, and the
//! TypeScript declarations of the classes' RPC methods (`classes.d.ts`).
//!
//! `config` writes those bindings and migrations into the wrangler config;
//! `new` creates a project that builds, serves and deploys as it is.

mod bindgen;
mod build;
mod classes;
mod config;
mod diff;
mod exports;
mod factory;
mod generate;
mod history;
mod jsonc;
mod optimize;
mod problem;
mod scaffold;
mod shim;
mod test_manifest;
mod typescript;
mod wasm;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage:
  durable build  [-p PACKAGE] [--out-dir DIR] [--profile PROFILE] [--config FILE] [--no-config-check]
  durable config [-p PACKAGE] [--profile PROFILE] [--config FILE] [--check] [--delete CLASS]... [--to-exports]
  durable new PATH [--name NAME] [--class CLASS] [--sdk PATH]

build   compiles the crate to Wasm and writes the worker wrangler loads (DIR/worker.mjs),
        after checking that the wrangler config binds and migrates every class
config  writes the Durable Object bindings and lifecycle (the `exports` map, or
        `migrations` in a config that uses them) of the wrangler config from the classes
        the code declares; --check only verifies them (exit 1 and a diff when out of date)
new     creates a project: one Durable Object, a worker calling it by typed RPC,
        wrangler.jsonc and a test

  -p, --package PACKAGE   the cdylib crate to build (default: the one in the current directory)
  --out-dir DIR           where to write worker.mjs and its modules (default: dist)
  --profile PROFILE       cargo profile for the Wasm build (default: wasm-release)
  -c, --config FILE       the wrangler config (default: wrangler.jsonc, or wrangler.json)
  --no-config-check       build without checking the config's bindings and migrations
  --test-hooks            a test build for `durable::testing` (`cargo test`): hidden hooks in each
                          class and test-manifest.json; never deploy it
  --check                 change nothing; fail with a diff if the config is out of date
  --delete CLASS          allow deleting CLASS and ALL ITS STORED DATA
  --to-exports            convert the config's `migrations` into the `exports` map that
                          declares the same classes (checked before it is written)
  --name NAME             the new crate's and worker's name (default: PATH's last part)
  --class CLASS           the Durable Object class's name, in UpperCamelCase (default: Counter)
  --sdk PATH              depend on the SDK checkout at PATH (its sdk/ crate) instead of
                          the published durable-objects of this tool's version";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("durable: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let Some((command, rest)) = args.split_first() else {
        return Err(format!("no command given\n{USAGE}"));
    };
    match command.as_str() {
        "build" => {
            let flags = Flags::parse(rest, &["-p", "--package", "--out-dir", "--profile", "-c", "--config"], &["--no-config-check", "--test-hooks"], 0)?;
            build::run(&build::Options {
                package: flags.value(&["-p", "--package"]),
                out_dir: PathBuf::from(flags.value(&["--out-dir"]).unwrap_or_else(|| "dist".into())),
                profile: flags.value(&["--profile"]).unwrap_or_else(|| "wasm-release".into()),
                config: flags.value(&["-c", "--config"]).map(PathBuf::from),
                check_config: !flags.has("--no-config-check"),
                test_hooks: flags.has("--test-hooks"),
            })
        }
        "config" => {
            let flags = Flags::parse(rest, &["-p", "--package", "--profile", "-c", "--config", "--delete"], &["--check", "--to-exports"], 0)?;
            let package = flags.value(&["-p", "--package"]);
            let profile = flags.value(&["--profile"]).unwrap_or_else(|| "wasm-release".into());
            let named = flags.value(&["-c", "--config"]).map(PathBuf::from);
            let path = config::locate(named.as_deref())?
                .ok_or("no wrangler.jsonc here: run this where it is, or pass --config FILE (`durable new` creates a project with one)")?;
            let (_, module) = build::compile(&build::Target { package: package.as_deref(), profile: &profile })?;
            let options = generate::Options { delete: flags.values("--delete"), to_exports: flags.has("--to-exports") };
            let mode = if flags.has("--check") { config::Mode::Check } else { config::Mode::Write };
            config::sync(&path, &module.classes, &options, mode)
        }
        "new" => {
            let flags = Flags::parse(rest, &["--name", "--class", "--sdk"], &[], 1)?;
            let [path] = flags.positional.as_slice() else {
                return Err(format!("`new` takes one PATH: the directory to create\n{USAGE}"));
            };
            scaffold::run(&scaffold::Options {
                path: PathBuf::from(path),
                name: flags.value(&["--name"]),
                class: flags.value(&["--class"]),
                sdk: flags.value(&["--sdk"]).map(PathBuf::from),
            })
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    }
}

/// Command-line flags: `--flag VALUE` options, `--switch`es and positionals.
struct Flags {
    values: Vec<(String, String)>,
    switches: Vec<String>,
    positional: Vec<String>,
}

impl Flags {
    /// Reads `args`: options in `with_value` take a value (`--x V` or
    /// `--x=V`), `switches` stand alone, and at most `positionals` other
    /// arguments are allowed.
    fn parse(args: &[String], with_value: &[&str], switches: &[&str], positionals: usize) -> Result<Self, String> {
        let mut flags = Flags { values: Vec::new(), switches: Vec::new(), positional: Vec::new() };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
                _ => (arg.as_str(), None),
            };
            if with_value.contains(&name) {
                let value = match inline {
                    Some(value) => value,
                    None => it.next().cloned().ok_or_else(|| format!("`{name}` needs a value\n{USAGE}"))?,
                };
                flags.values.push((name.to_owned(), value));
            } else if switches.contains(&name) && inline.is_none() {
                flags.switches.push(name.to_owned());
            } else if arg.starts_with('-') {
                return Err(format!("unknown option `{arg}`\n{USAGE}"));
            } else {
                flags.positional.push(arg.clone());
            }
        }
        if let Some(extra) = flags.positional.get(positionals) {
            return Err(format!("unexpected argument `{extra}`\n{USAGE}"));
        }
        Ok(flags)
    }

    /// The last value given for any of `names`.
    fn value(&self, names: &[&str]) -> Option<String> {
        self.values.iter().rev().find(|(n, _)| names.contains(&n.as_str())).map(|(_, v)| v.clone())
    }

    /// Every value given for `name`, in order.
    fn values(&self, name: &str) -> Vec<String> {
        self.values.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
    }

    fn has(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }
}
