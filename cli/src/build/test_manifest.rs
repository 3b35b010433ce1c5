//! `test-manifest.json`, written by `durable build --test-hooks` next to the
//! bundle: what the `durable::testing` harness needs to run the bundle on
//! plain workerd without reading wrangler.jsonc itself: the modules in load
//! order, the classes, the compatibility settings, and the bindings an object
//! sees in `env` (its own classes' namespaces and the plain `vars`).

use std::fs;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::build::classes::Class;
use crate::config::jsonc::{self, Kind};

/// The manifest's file name in the output directory.
pub const FILE: &str = "test-manifest.json";

/// The compatibility date used when there is no wrangler config.
const DEFAULT_DATE: &str = "2025-09-01";

/// Writes the manifest of the bundle in `out`, whose entry is `entry`.
pub fn write(out: &Path, entry: &str, classes: &[Class], config: Option<&Path>) -> Result<(), String> {
    let settings = match config {
        Some(path) => {
            let text = fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
            let value = jsonc::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            Settings::read(&value)
        }
        None => Settings::default(),
    };
    let mut modules = vec![module(entry)];
    collect(out, out, &mut modules)?;
    modules.retain(|m| m.is_some());
    let mut modules: Vec<Value> = modules.into_iter().flatten().collect();
    // The entry first (it is the main module), the rest in a stable order.
    let first = modules.remove(0);
    modules.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    modules.dedup_by(|a, b| a["name"] == b["name"]);
    modules.retain(|m| m["name"] != first["name"]);
    modules.insert(0, first);
    let manifest = json!({
        "compatibility_date": settings.date.as_deref().unwrap_or(DEFAULT_DATE),
        "compatibility_flags": settings.flags,
        "classes": classes.iter().map(|c| c.js.as_str()).collect::<Vec<_>>(),
        "bindings": settings.bindings.iter().map(|(name, class)| json!({ "name": name, "class": class })).collect::<Vec<_>>(),
        "vars": settings.vars,
        "modules": modules,
    });
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    fs::write(out.join(FILE), text).map_err(|e| format!("writing {}: {e}", out.join(FILE).display()))
}

/// A module of the bundle: its name (path relative to the bundle) and kind.
fn module(name: &str) -> Option<Value> {
    let kind = if name.ends_with(".wasm") {
        "wasm"
    } else if name.ends_with(".mjs") || name.ends_with(".js") {
        "esModule"
    } else {
        return None;
    };
    Some(json!({ "name": name, "type": kind }))
}

fn collect(root: &Path, dir: &Path, modules: &mut Vec<Option<Value>>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?.path();
        if path.is_dir() {
            collect(root, &path, modules)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative.to_string_lossy().replace('\\', "/");
            modules.push(module(&name));
        }
    }
    Ok(())
}

/// What the manifest takes from the wrangler config.
#[derive(Default)]
struct Settings {
    date: Option<String>,
    flags: Vec<String>,
    /// (binding, class) of the namespaces of this worker's own classes.
    bindings: Vec<(String, String)>,
    vars: Map<String, Value>,
}

impl Settings {
    fn read(config: &jsonc::Value) -> Self {
        let mut settings = Settings { date: config.get("compatibility_date").and_then(|v| v.as_str()).map(str::to_owned), ..Default::default() };
        if let Some(flags) = config.get("compatibility_flags").and_then(|v| v.as_array()) {
            settings.flags = flags.iter().filter_map(|f| f.as_str()).map(str::to_owned).collect();
        }
        let bindings = config.get("durable_objects").and_then(|d| d.get("bindings")).and_then(|b| b.as_array()).unwrap_or(&[]);
        for binding in bindings {
            // A class of another worker (`script_name`) is not in the bundle.
            if binding.get("script_name").is_some() {
                continue;
            }
            if let (Some(name), Some(class)) = (binding.get("name").and_then(|v| v.as_str()), binding.get("class_name").and_then(|v| v.as_str())) {
                settings.bindings.push((name.to_owned(), class.to_owned()));
            }
        }
        if let Some(vars) = config.get("vars").and_then(|v| v.as_object()) {
            for member in vars {
                settings.vars.insert(member.key.clone(), to_json(&member.value));
            }
        }
        settings
    }
}

fn to_json(value: &jsonc::Value) -> Value {
    match &value.kind {
        Kind::Object(members) => Value::Object(members.iter().map(|m| (m.key.clone(), to_json(&m.value))).collect()),
        Kind::Array(elements) => Value::Array(elements.iter().map(to_json).collect()),
        Kind::String(s) => Value::String(s.clone()),
        Kind::Number(n) => serde_json::from_str(n).unwrap_or(Value::Null),
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Null => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_settings_own_bindings_and_vars() {
        let config = jsonc::parse(
            r#"{
              // comment
              "compatibility_date": "2025-01-02",
              "compatibility_flags": ["nodejs_compat"],
              "durable_objects": { "bindings": [
                { "name": "COUNTER", "class_name": "Counter" },
                { "name": "OTHER", "class_name": "Other", "script_name": "elsewhere" },
              ] },
              "vars": { "GREETING": "hi", "LIMIT": 3 },
            }"#,
        )
        .unwrap();
        let s = Settings::read(&config);
        assert_eq!(s.date.as_deref(), Some("2025-01-02"));
        assert_eq!(s.flags, ["nodejs_compat"]);
        assert_eq!(s.bindings, [("COUNTER".to_owned(), "Counter".to_owned())]);
        assert_eq!(s.vars["GREETING"], "hi");
        assert_eq!(s.vars["LIMIT"], 3);
    }

    #[test]
    fn modules_by_kind() {
        assert_eq!(module("glue_bg.wasm").unwrap()["type"], "wasm");
        assert_eq!(module("snippets/x/inline0.js").unwrap()["type"], "esModule");
        assert!(module("classes.d.ts").is_none());
        assert!(module(".stamp").is_none());
    }
}
