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
//! (see [`build::classes`]), checks that the wrangler config binds and migrates each
//! of them (see [`config::generate`]), generates the JavaScript bindings with the
//! `wasm-bindgen-cli-support` library (the same version as the `wasm-bindgen`
//! crate, so the two can never drift) and writes the entry module wrangler
//! loads (`worker.mjs`), in which each class `extends DurableObject`, and the
//! TypeScript declarations of the classes' RPC methods (`classes.d.ts`).
//!
//! `config` writes those bindings and migrations into the wrangler config;
//! `new` creates a project that builds, serves and deploys as it is.
//!
//! One folder per tool: [`build`] (cargo, the class metadata, wasm-bindgen,
//! wasm-opt, the generated entry module and TypeScript declarations),
//! [`config`] (the JSONC editor and everything that plans the wrangler
//! config's bindings and lifecycle) and [`scaffold`] (`durable new`); [`args`]
//! is the command line. [`factory`], the rewrite of wasm-bindgen's glue into
//! an instance factory, belongs to the build.

mod args;
mod build;
mod config;
mod factory;
mod scaffold;

use std::path::PathBuf;
use std::process::ExitCode;

use args::{Flags, USAGE};

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

/// What `durable --version` prints: the tool's name and its version (the
/// SDK's: the workspace releases the two together).
fn version_line() -> String {
    format!("durable {}", env!("CARGO_PKG_VERSION"))
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
            let options = config::generate::Options { delete: flags.values("--delete"), to_exports: flags.has("--to-exports") };
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
        "-V" | "--version" | "version" => {
            println!("{}", version_line());
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_flags_print_the_version() {
        for flag in ["--version", "-V", "version"] {
            assert_eq!(run(&[flag.to_owned()]), Ok(()), "{flag}");
        }
        assert_eq!(version_line(), format!("durable {}", env!("CARGO_PKG_VERSION")));
        assert!(USAGE.contains("--version"));
    }
}
