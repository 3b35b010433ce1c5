//! `durable`: host-side tooling for the durable SDK.
//!
//! ```text
//! durable build [-p PACKAGE] [--out-dir DIR] [--profile PROFILE]
//! ```
//!
//! `build` compiles PACKAGE (a `cdylib` crate using `#[durable_object]`) to
//! `wasm32-unknown-unknown`, reads the classes the macro recorded in the Wasm
//! (see [`classes`]), generates the JavaScript bindings with the
//! `wasm-bindgen-cli-support` library (the same version as the `wasm-bindgen`
//! crate, so the two can never drift) and writes the entry module wrangler
//! loads (`worker.mjs`), in which each class `extends DurableObject`, and the
//! TypeScript declarations of the classes' RPC methods (`classes.d.ts`).

mod bindgen;
mod build;
mod classes;
mod shim;
mod typescript;
mod wasm;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: durable build [-p PACKAGE] [--out-dir DIR] [--profile PROFILE]

  -p, --package PACKAGE   the cdylib crate to build (default: the one in the current directory)
  --out-dir DIR           where to write worker.mjs and its modules (default: dist)
  --profile PROFILE       cargo profile for the Wasm build (default: wasm-release)";

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
        "build" => build::run(&parse_build_options(rest)?),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    }
}

fn parse_build_options(args: &[String]) -> Result<build::Options, String> {
    let mut options = build::Options {
        package: None,
        out_dir: PathBuf::from("dist"),
        profile: "wasm-release".to_owned(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| it.next().cloned().ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"));
        match arg.as_str() {
            "-p" | "--package" => options.package = Some(value(arg)?),
            "--out-dir" => options.out_dir = PathBuf::from(value(arg)?),
            "--profile" => options.profile = value(arg)?,
            other => return Err(format!("unknown option `{other}`\n{USAGE}")),
        }
    }
    Ok(options)
}
