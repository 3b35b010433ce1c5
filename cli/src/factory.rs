//! One Wasm instance per Durable Object: wasm-bindgen's glue, made repeatable.
//!
//! wasm-bindgen's `web` output is an ES module whose top level *is* one
//! instance: `let wasm`, the cached memory views, the closure registry and the
//! exported classes all live in module scope, so a module can only ever drive
//! one Wasm instance. A panic traps that instance, and everything living in it
//! (every object of every class) would go down with it.
//!
//! [`into_factory`] rewrites the module into one exporting
//! `instantiate(module, wrapImports, onTrap)`: the whole former top level becomes the
//! body of that function, so each call builds an independent copy of the glue
//! state and its own `WebAssembly.Instance` of the one compiled module. The
//! runtime (`runtime.mjs`) gives every Durable Object its own instance, and a
//! trap costs only the object that trapped.
//!
//! The returned object holds the former exports, plus `kill()`, which marks the
//! instance dead. Two small patches make a dead instance inert instead of
//! noisy (the runtime has already failed its calls and logged the panic):
//! - a closure of a dead instance (a promise callback, an event listener) that
//!   the runtime invokes later returns without entering Wasm;
//! - the trap itself, unwinding out of a closure (the futures of a call are
//!   polled from closures, in microtasks), is handed to `onTrap`, and not
//!   rethrown into the runtime's microtask queue where it would hang the call
//!   and be logged again as an uncaught error. A panic has killed the
//!   instance before its trap unwinds; a trap no panic announced (a stack
//!   overflow, `unreachable`) is recognised by `onTrap`, which kills it.

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
                // this factory replaces.
                if !rest.contains("initSync") {
                    return Err(unexpected(line));
                }
                continue;
            }
            let name = exported_name(rest).ok_or_else(|| unexpected(line))?;
            exported.push(name.to_owned());
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
    let body = patch_closures(&body)?;
    for needed in ["function __wbg_get_imports(", "function __wbg_finalize_init(", "let __wbg_instance_id"] {
        if !body.contains(needed) {
            return Err(format!(
                "wasm-bindgen's output has no `{needed}`: the wasm-bindgen version differs from the one this tool \
                 was written for (pinned in the workspace Cargo.toml)"
            ));
        }
    }
    let mut out = String::new();
    out.push_str("// wasm-bindgen's bindings, rewritten by `durable build` into a factory: each\n");
    out.push_str("// call of `instantiate` builds an independent Wasm instance and its glue.\n");
    out.push_str(&format!("{EXPORTS_LINE}{}\n", exported.join(", ")));
    out.push_str(&imports);
    out.push_str("\n/**\n * A fresh instance of the compiled `module`. `wrapImports` sees (and may wrap)\n");
    out.push_str(" * the import object before instantiation; `onTrap(error)` is offered what\n");
    out.push_str(" * unwinds out of a closure, and returns true if it was a trap it handled.\n */\n");
    out.push_str("export function instantiate(module, wrapImports, onTrap) {\n");
    out.push_str(&body);
    out.push_str("    __wbg_finalize_init(new WebAssembly.Instance(module, wrapImports(__wbg_get_imports())), module);\n");
    out.push_str("    return {\n");
    for name in &exported {
        out.push_str(&format!("        {name},\n"));
    }
    out.push_str("        /** Marks the instance dead: its closures no longer enter Wasm. */\n");
    out.push_str("        kill() { __wbg_instance_id++; },\n");
    out.push_str("    };\n}\n");
    Ok(out)
}

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
    format!(
        "wasm-bindgen's output has an export this tool does not know: `{line}` (the wasm-bindgen version differs \
         from the one this tool was written for, pinned in the workspace Cargo.toml)"
    )
}

/// The name an `export class X`, `export function f(` or `export const c`
/// line declares.
fn exported_name(rest: &str) -> Option<&str> {
    let declared = ["class ", "function ", "const ", "let "].iter().find_map(|kw| rest.strip_prefix(kw))?;
    let end = declared.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(declared.len());
    (end > 0).then(|| &declared[..end])
}

/// Makes closures of a killed instance inert (see the module documentation).
fn patch_closures(body: &str) -> Result<String, String> {
    const STALE: &str = "throw new Error('Cannot invoke closure from previous WASM instance');";
    const INVOKE: &str = "return f(a, state.b, ...args);\n        } finally {";
    const INVOKE_GUARDED: &str = "return f(a, state.b, ...args);\n        } catch (e) {\n            \
        // The instance trapped: the runtime fails its calls and logs why,\n            \
        // once; nothing is left to report here.\n            \
        if (state.instance !== __wbg_instance_id || onTrap(e)) return;\n            throw e;\n        } finally {";
    let makers = body.matches("function makeMutClosure(").count() + body.matches("function makeClosure(").count();
    // The glue is indented by four spaces inside the factory.
    let invoke = INVOKE.replace('\n', "\n    ");
    let invoke_guarded = INVOKE_GUARDED.replace('\n', "\n    ");
    if body.matches(&invoke).count() != makers || body.matches(STALE).count() != makers {
        return Err(format!(
            "wasm-bindgen's closure wrappers do not have the expected shape ({makers} wrappers): the wasm-bindgen \
             version differs from the one this tool was written for (pinned in the workspace Cargo.toml)"
        ));
    }
    Ok(body.replace(STALE, "return;").replace(&invoke, &invoke_guarded))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLUE: &str = "import { a } from './snippets/x/inline0.js';

export class __durable_Counter {
    free() {}
}
export function fetch(req, env, ctx) {
    return wasm.fetch(req, env, ctx);
}
function __wbg_get_imports() { return {}; }
let __wbg_instance_id = 0;
function makeMutClosure(arg0, arg1, f) {
    const state = { a: arg0, b: arg1, cnt: 1, instance: __wbg_instance_id };
    const real = (...args) => {
        if (state.instance !== __wbg_instance_id) {
            throw new Error('Cannot invoke closure from previous WASM instance');
        }
        try {
            return f(a, state.b, ...args);
        } finally {
            state.a = a;
        }
    };
    return real;
}
let wasm;
function __wbg_finalize_init(instance, module) { wasm = instance.exports; }
export { initSync, __wbg_init as default };
";

    #[test]
    fn the_top_level_becomes_the_body_of_instantiate() {
        let out = into_factory(GLUE).unwrap();
        assert!(out.starts_with("// wasm-bindgen's bindings"));
        assert!(out.contains("import { a } from './snippets/x/inline0.js';\n"), "imports stay at the top level");
        assert!(out.contains("export function instantiate(module, wrapImports, onTrap) {\n"));
        assert_eq!(out.matches("export ").count(), 1, "only `instantiate` is exported:\n{out}");
        assert!(out.contains("    class __durable_Counter {"));
        assert!(out.contains("        __durable_Counter,\n        fetch,\n"));
        assert!(out.contains("kill() { __wbg_instance_id++; }"));
        assert!(!out.contains("initSync"));
        assert_eq!(exported(&out), ["__durable_Counter", "fetch"]);
    }

    #[test]
    fn closures_of_a_killed_instance_are_inert() {
        let out = into_factory(GLUE).unwrap();
        assert!(!out.contains("Cannot invoke closure"));
        assert!(out.contains("if (state.instance !== __wbg_instance_id) {\n                return;"));
        assert!(out.contains("} catch (e) {"));
        assert!(out.contains("if (state.instance !== __wbg_instance_id || onTrap(e)) return;\n                throw e;"));
    }

    #[test]
    fn an_unknown_shape_fails_the_build() {
        let err = into_factory(&GLUE.replace("export function fetch", "export default function fetch")).unwrap_err();
        assert!(err.contains("export default function fetch"), "{err}");
        let err = into_factory(&GLUE.replace("throw new Error('Cannot", "throw Error('Cannot")).unwrap_err();
        assert!(err.contains("closure wrappers"), "{err}");
        let err = into_factory(&GLUE.replace("let __wbg_instance_id", "var __wbg_instance_id")).unwrap_err();
        assert!(err.contains("__wbg_instance_id"), "{err}");
    }
}
