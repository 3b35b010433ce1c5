//! The command line: its usage text and flag parsing.

pub const USAGE: &str = "\
usage:
  durable build  [-p PACKAGE] [--out-dir DIR] [--profile PROFILE] [--config FILE] [--no-config-check]
  durable config [-p PACKAGE] [--profile PROFILE] [--config FILE] [--check] [--delete CLASS]... [--to-exports]
  durable new PATH [--name NAME] [--class CLASS] [--sdk PATH]
  durable --version

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

/// Command-line flags: `--flag VALUE` options, `--switch`es and positionals.
pub struct Flags {
    values: Vec<(String, String)>,
    switches: Vec<String>,
    pub positional: Vec<String>,
}

impl Flags {
    /// Reads `args`: options in `with_value` take a value (`--x V` or
    /// `--x=V`), `switches` stand alone, and at most `positionals` other
    /// arguments are allowed.
    pub fn parse(args: &[String], with_value: &[&str], switches: &[&str], positionals: usize) -> Result<Self, String> {
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
    pub fn value(&self, names: &[&str]) -> Option<String> {
        self.values.iter().rev().find(|(n, _)| names.contains(&n.as_str())).map(|(_, v)| v.clone())
    }

    /// Every value given for `name`, in order.
    pub fn values(&self, name: &str) -> Vec<String> {
        self.values.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }
}
