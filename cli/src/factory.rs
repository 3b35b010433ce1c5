//! One Wasm instance per Durable Object: wasm-bindgen's glue, made repeatable.
//!
//! wasm-bindgen's `web` output is an ES module whose top level *is* one
//! instance: `let wasm`, the cached memory views, the closure registry and the
//! exported classes all live in module scope, so a module can only ever drive
//! one Wasm instance. A panic traps that instance, and everything living in it
//! (every object of every class) would go down with it.
//!
//! [`into_factory`] rewrites the module into one exporting
//! `instantiate(module, boundary)`: the whole former top level becomes the
//! body of that function, so each call builds an independent copy of the glue
//! state and its own `WebAssembly.Instance` of the one compiled module. The
//! runtime (`runtime-instance.mjs`) gives every Durable Object its own
//! instance, and a trap costs only the object that trapped. The protocol
//! between the two sides is written down in the SDK's `boundary` module.
//!
//! The returned object holds the former exports, plus `kill()`, which marks the
//! instance dead (wasm-bindgen's reinit counter, `__wbg_instance_id`, which
//! [`crate::bindgen`] asks for explicitly). Three patches make death total:
//! - a closure of a dead instance that the runtime invokes later (a promise
//!   callback, an event listener) returns without entering Wasm;
//! - whatever unwinds out of a closure (a trap, an exception from an import
//!   without `catch`, an `Err` the closure returns) is handed to
//!   `boundary.escaped(error, depth)`, with the executor's depth read before
//!   the closure ran: the runtime decides whether it is a death (a trap, or
//!   an exception that skipped Rust frames) and what the host API that
//!   invoked the closure sees (an exception, so `transactionSync` rolls back;
//!   nothing, for a closure the runtime ran in a microtask, whose death is
//!   logged once already);
//! - `handleError`, through which every `catch` import returns a JavaScript
//!   exception into Rust as an `Err`, rethrows once the instance is dead: no
//!   Rust frame of a dead instance resumes.
//!
//! The rewrite works on the shapes wasm-bindgen 0.2.130 emits (its tests run
//! on glue captured from real output, `cli/tests/fixtures/`); a shape it does
//! not know fails the build with a message naming it.

/// The JavaScript half of the runtime, copied beside the entry module (file
/// name, source): `runtime.mjs`, which the entry imports, and its modules.
pub const RUNTIME_MODULES: &[(&str, &str)] = &[
    ("runtime.mjs", include_str!("../js/runtime.mjs")),
    ("runtime-instance.mjs", include_str!("../js/runtime-instance.mjs")),
    ("runtime-host.mjs", include_str!("../js/runtime-host.mjs")),
    ("runtime-capabilities.mjs", include_str!("../js/runtime-capabilities.mjs")),
    ("runtime-errors.mjs", include_str!("../js/runtime-errors.mjs")),
];

/// Rewrites wasm-bindgen's `web` glue into an instance factory (see the module
/// documentation). Fails with a message naming the construct it did not
/// expect, so a wasm-bindgen upgrade that changes the output's shape fails the
/// build instead of producing a module that shares state again.
pub fn into_factory(glue: &str) -> Result<String, String> {
    let mut imports = String::new();
    let mut body = String::new();
    let mut exported = Vec::new();
    for line in glue.lines() {
        if line.starts_with("import ") {
            imports.push_str(line);
            imports.push('\n');
            continue;
        }
        if let Some(rest) = line.strip_prefix("export ") {
            if rest.starts_with('{') {
                // `export { initSync, __wbg_init as default };`: the loaders
                // this factory replaces (and the reset function, which it
                // never calls).
                if !rest.contains("initSync") {
                    return Err(unexpected(line));
                }
                continue;
            }
            let name = exported_name(rest).ok_or_else(|| unexpected(line))?;
            // wasm-bindgen's own machinery (`__wbg_reset_state`) stays inside.
            if !name.starts_with("__wbg_") {
                exported.push(name.to_owned());
            }
            body.push_str("    ");
            body.push_str(rest);
            body.push('\n');
            continue;
        }
        if !line.is_empty() {
            body.push_str("    ");
            body.push_str(line);
        }
        body.push('\n');
    }
    for (needed, what) in [
        ("function __wbg_get_imports(", "the import object's builder"),
        ("function __wbg_finalize_init(", "the instance's initialisation"),
        ("let __wbg_instance_id", "the reinit counter (`reset_state_function`)"),
    ] {
        if !body.contains(needed) {
            return Err(format!(
                "wasm-bindgen's output has no `{needed}` ({what}): this shape of glue is not one `durable build` \
                 knows how to make into a factory"
            ));
        }
    }
    let body = patch_closures(&body)?;
    let body = patch_handle_error(&body)?;
    let mut out = String::new();
    out.push_str("// wasm-bindgen's bindings, rewritten by `durable build` into a factory: each\n");
    out.push_str("// call of `instantiate` builds an independent Wasm instance and its glue.\n");
    out.push_str(&format!("{EXPORTS_LINE}{}\n", exported.join(", ")));
    out.push_str(&imports);
    out.push_str("\n/**\n * A fresh instance of the compiled `module`. `boundary` is the runtime's side\n");
    out.push_str(" * of it: `imports(object)` sees (and may wrap) the import object before\n");
    out.push_str(" * instantiation; `depth()` reads how deep Rust code of the instance is;\n");
    out.push_str(" * `escaped(error, depth)` is offered what unwinds out of a closure and\n");
    out.push_str(" * returns what to throw (undefined: return nothing).\n */\n");
    out.push_str(MICROTASK);
    out.push_str("export function instantiate(module, boundary) {\n");
    out.push_str("    const queueMicrotask = microtask;\n");
    out.push_str(&body);
    out.push_str("    __wbg_finalize_init(new WebAssembly.Instance(module, boundary.imports(__wbg_get_imports())), module);\n");
    out.push_str("    return {\n");
    for name in &exported {
        out.push_str(&format!("        {name},\n"));
    }
    out.push_str("        /** Marks the instance dead: its closures no longer enter Wasm. */\n");
    out.push_str("        kill() { __wbg_instance_id++; },\n");
    out.push_str("    };\n}\n");
    Ok(out)
}

/// How the glue queues a microtask (`queueMicrotask`, which wasm-bindgen's
/// futures and the SDK's executor call once per wake-up of a task): the
/// global one is shadowed inside `instantiate` by a `then` on a settled
/// promise, which queues the same kind of microtask in the same queue, in
/// the same order, for a fraction of workerd's `queueMicrotask` (about 8 µs
/// of a Rust worker's 80 µs of CPU per awaited RPC call, measured with
/// `bench/profile.mjs`). An exception the callback throws (the closure
/// wrappers have reported it already) goes on to the global
/// `queueMicrotask`, so it is reported exactly as before.
const MICROTASK: &str = "
const settled = Promise.resolve();
/** The glue's `queueMicrotask` (see `durable build`'s factory). */
function microtask(callback) {
    settled.then(callback).catch((error) => globalThis.queueMicrotask(() => { throw error; }));
}
";

/// The line of a factory that lists what `instantiate` returns.
const EXPORTS_LINE: &str = "// exports: ";

/// What the factory's `instantiate` returns (the former exports), read from a
/// factory [`into_factory`] wrote.
pub fn exported(factory: &str) -> Vec<&str> {
    factory
        .lines()
        .find_map(|line| line.strip_prefix(EXPORTS_LINE))
        .map(|names| names.split(", ").filter(|n| !n.is_empty()).collect())
        .unwrap_or_default()
}

fn unexpected(line: &str) -> String {
    format!("wasm-bindgen's output has an export this tool does not know: `{line}`")
}

/// The name an `export class X`, `export function f(` or `export const c`
/// line declares.
fn exported_name(rest: &str) -> Option<&str> {
    let declared = ["class ", "function ", "const ", "let "].iter().find_map(|kw| rest.strip_prefix(kw))?;
    let end = declared.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(declared.len());
    (end > 0).then(|| &declared[..end])
}

/// The closure wrappers wasm-bindgen emits: `makeMutClosure` (`FnMut`, and
/// `FnOnce` through `Closure::once`) and `makeClosure` (`Fn`).
const CLOSURE_MAKERS: [&str; 2] = ["makeMutClosure", "makeClosure"];

/// What a closure of a previous instance does in wasm-bindgen's reinit glue.
const STALE: &str = "throw new Error('Cannot invoke closure from previous WASM instance');";

/// Makes every closure wrapper report what unwinds out of it (see the module
/// documentation).
fn patch_closures(body: &str) -> Result<String, String> {
    let mut lines: Vec<String> = body.lines().map(str::to_owned).collect();
    for maker in CLOSURE_MAKERS {
        let header = format!("function {maker}(");
        let starts: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| l.trim_start().starts_with(&header)).map(|(i, _)| i).collect();
        if starts.len() > 1 {
            return Err(format!("wasm-bindgen's output defines `{maker}` {} times: expected at most once", starts.len()));
        }
        let Some(&start) = starts.first() else { continue };
        // The wrapper's body: up to the first line at its own indentation.
        let indent = indentation(&lines[start]);
        let end = (start + 1..lines.len())
            .find(|&i| !lines[i].trim().is_empty() && indentation(&lines[i]) <= indent)
            .ok_or_else(|| format!("wasm-bindgen's `{maker}` does not end"))?;
        let stale = (start..end).filter(|&i| lines[i].trim() == STALE).collect::<Vec<_>>();
        let [stale] = stale[..] else {
            return Err(format!(
                "wasm-bindgen's `{maker}` has {} checks for a closure of a previous instance (`{STALE}`), expected one: \
                 the glue was generated without the reinit machinery, or in a shape this tool does not know",
                stale.len()
            ));
        };
        lines[stale] = lines[stale].replace(STALE, "return;");
        // `try {` / `return f(..);` / `} finally {`: the call of the Rust closure.
        let call = (start + 1..end - 1)
            .filter(|&i| {
                let line = lines[i].trim();
                line.starts_with("return f(") && line.ends_with(");") && lines[i - 1].trim() == "try {" && lines[i + 1].trim() == "} finally {"
            })
            .collect::<Vec<_>>();
        let [call] = call[..] else {
            return Err(format!(
                "wasm-bindgen's `{maker}` does not call the Rust closure in the shape `try {{ return f(..); }} finally {{` \
                 ({} such calls): the closure wrapper changed shape",
                call.len()
            ));
        };
        let pad = " ".repeat(indentation(&lines[call - 1]));
        let inner = format!("{pad}    ");
        lines[call - 1] = format!("{pad}const depth = boundary.depth();\n{pad}try {{");
        lines[call + 1] = format!(
            "{pad}}} catch (e) {{\n\
             {inner}// A trap, an exception that skipped Rust frames, or the closure's `Err`:\n\
             {inner}// the runtime says what the code that invoked the closure sees.\n\
             {inner}const thrown = boundary.escaped(e, depth);\n\
             {inner}if (thrown === undefined) return;\n\
             {inner}throw thrown;\n\
             {pad}}} finally {{"
        );
    }
    let patched = lines.join("\n") + "\n";
    if patched.contains("Cannot invoke closure from previous WASM instance") {
        return Err("wasm-bindgen's output checks for closures of a previous instance outside `makeMutClosure` and \
                    `makeClosure`: a closure wrapper this tool does not know"
            .to_owned());
    }
    Ok(patched)
}

/// `handleError` (every `catch` import goes through it) rethrows once the
/// instance is dead, instead of returning the exception into Rust as an `Err`.
fn patch_handle_error(body: &str) -> Result<String, String> {
    const HEADER: &str = "function handleError(f, args) {";
    let mut lines: Vec<String> = body.lines().map(str::to_owned).collect();
    let starts: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| l.trim() == HEADER).map(|(i, _)| i).collect();
    match starts[..] {
        [] => {
            if body.contains("handleError(") {
                return Err("wasm-bindgen's output calls `handleError` but defines it in a shape this tool does not know".to_owned());
            }
            Ok(body.to_owned())
        }
        [start] => {
            let catch = (start + 1..lines.len().min(start + 8)).find(|&i| lines[i].trim() == "} catch (e) {").ok_or_else(|| {
                "wasm-bindgen's `handleError` has no `} catch (e) {` in the shape this tool knows".to_owned()
            })?;
            let pad = " ".repeat(indentation(&lines[catch]) + 4);
            lines[catch].push_str(&format!(
                "\n{pad}// A dead instance's Rust frames never resume: the exception unwinds through them.\n\
                 {pad}if (__wbg_instance_id !== 0) throw e;"
            ));
            Ok(lines.join("\n") + "\n")
        }
        _ => Err(format!("wasm-bindgen's output defines `handleError` {} times: expected at most once", starts.len())),
    }
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

#[cfg(test)]
mod tests {
    //! The rewrite runs on glue captured from wasm-bindgen's real output, by
    //! this tool's own bindgen code path ([`crate::build::bindgen::raw_glue`]):
    //! `cli/tests/fixtures/glue-examples.js` is the examples crate's (which
    //! makes closures of every kind: `Fn`, `FnMut`, and `FnOnce` through
    //! `Closure::once`). To regenerate it after a wasm-bindgen upgrade or a
    //! change to the examples, build them (`scripts/build.sh`), then run
    //!
    //! ```text
    //! DURABLE_FIXTURE_WASM=target/wasm32-unknown-unknown/wasm-release/durable_examples.wasm \
    //!     cargo test -p durable-objects-cli -- --ignored regenerate_glue_fixture
    //! ```
    use super::*;

    const EXAMPLES: &str = include_str!("../tests/fixtures/glue-examples.js");

    #[test]
    #[ignore = "regenerates the fixture from a built module: see the module docs"]
    fn regenerate_glue_fixture() {
        let wasm = std::env::var("DURABLE_FIXTURE_WASM").expect("DURABLE_FIXTURE_WASM names the examples' raw .wasm");
        // Relative to the workspace root.
        let wasm = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(wasm);
        let glue = crate::build::bindgen::raw_glue(&std::fs::read(&wasm).unwrap()).unwrap();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/glue-examples.js");
        std::fs::write(path, glue).unwrap();
    }

    #[test]
    fn the_fixture_is_real_output_with_every_closure_kind() {
        // What the rewrite relies on, present in wasm-bindgen's own output.
        for maker in CLOSURE_MAKERS {
            assert_eq!(EXAMPLES.matches(&format!("function {maker}(")).count(), 1, "{maker}");
        }
        assert!(EXAMPLES.contains("let __wbg_instance_id = 0;"));
        assert!(EXAMPLES.contains("export { initSync, __wbg_init as default"), "the loaders of web output");
    }

    #[test]
    fn the_top_level_becomes_the_body_of_instantiate() {
        let out = into_factory(EXAMPLES).unwrap();
        assert!(out.starts_with("// wasm-bindgen's bindings"));
        assert!(out.contains("export function instantiate(module, boundary) {\n"));
        assert_eq!(out.lines().filter(|l| l.starts_with("export ")).count(), 1, "only `instantiate` is exported");
        let names = exported(&out);
        for name in ["__durable_Counter", "__durable_Faults", "__durable_init", "__durable_resume", "__durable_depth", "fetch"] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        assert!(!names.iter().any(|n| n.starts_with("__wbg_")), "wasm-bindgen's machinery stays inside: {names:?}");
        assert!(out.contains("    class __durable_Counter {"));
        assert!(out.contains("kill() { __wbg_instance_id++; }"));
        // The glue's queueMicrotask is the factory's.
        assert!(EXAMPLES.contains("queueMicrotask(arg0);"), "the glue calls queueMicrotask");
        assert!(out.contains("export function instantiate(module, boundary) {\n    const queueMicrotask = microtask;\n"));
        assert!(out.contains("boundary.imports(__wbg_get_imports())"));
        assert!(!out.contains("initSync,"));
    }

    #[test]
    fn every_closure_kind_reports_what_unwinds_out_of_it() {
        let out = into_factory(EXAMPLES).unwrap();
        assert!(!out.contains("Cannot invoke closure"), "a stale closure returns");
        assert_eq!(out.matches("const thrown = boundary.escaped(e, depth);").count(), 2, "makeMutClosure and makeClosure");
        assert_eq!(out.matches("const depth = boundary.depth();").count(), 2);
        for call in ["return f(a, state.b, ...args);", "return f(state.a, state.b, ...args);"] {
            let at = out.find(call).unwrap_or_else(|| panic!("{call}"));
            let after = &out[at..at + 800];
            assert!(after.contains("} catch (e) {") && after.find("catch").unwrap() < after.find("finally").unwrap(), "{after}");
        }
    }

    #[test]
    fn a_dead_instance_never_returns_an_exception_into_rust() {
        let out = into_factory(EXAMPLES).unwrap();
        let at = out.find("function handleError(f, args) {").unwrap();
        assert!(out[at..at + 400].contains("if (__wbg_instance_id !== 0) throw e;"), "{}", &out[at..at + 400]);
    }

    #[test]
    fn the_factory_is_valid_javascript() {
        let out = into_factory(EXAMPLES).unwrap();
        let dir = std::env::temp_dir().join(format!("durable-factory-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("glue.mjs");
        std::fs::write(&path, &out).unwrap();
        let checked = std::process::Command::new("node").arg("--check").arg(&path).output();
        let _ = std::fs::remove_dir_all(&dir);
        let checked = checked.expect("node runs (scripts/setup.sh installs it)");
        assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    }

    #[test]
    fn an_unknown_shape_is_named() {
        let err = into_factory(&EXAMPLES.replacen("export class ", "export default class ", 1)).unwrap_err();
        assert!(err.contains("export default class"), "{err}");
        let err = into_factory(&EXAMPLES.replace("throw new Error('Cannot", "throw Error('Cannot")).unwrap_err();
        assert!(err.contains("`makeMutClosure` has 0 checks for a closure of a previous instance"), "{err}");
        let err = into_factory(&EXAMPLES.replace("return f(state.a, state.b, ...args);", "f(state.a, state.b, ...args);")).unwrap_err();
        assert!(err.contains("`makeClosure` does not call the Rust closure in the shape"), "{err}");
        let err = into_factory(&EXAMPLES.replace("let __wbg_instance_id", "var __wbg_instance_id")).unwrap_err();
        assert!(err.contains("the reinit counter"), "{err}");
        let err = into_factory(&EXAMPLES.replace("function handleError(f, args) {", "function handleError(f, ...args) {")).unwrap_err();
        assert!(err.contains("`handleError`"), "{err}");
        for err in [&err] {
            assert!(!err.contains("version differs"), "{err}");
        }
    }
}
