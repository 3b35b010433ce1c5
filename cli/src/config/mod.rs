//! `durable config`: writes (or, with `--check`, verifies) the Durable Object
//! bindings and lifecycle (`exports` or `migrations`) of a wrangler config from
//! the classes the compiled code declares. See [`generate`] for what it
//! writes, and [`exports::convert`] for `--to-exports`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::build::classes::Class;
use generate::Declared;

pub mod diff;
pub mod exports;
pub mod generate;
pub mod history;
pub mod jsonc;
pub mod problem;

/// Write the changes, or only say whether there are any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Update the file.
    Write,
    /// Leave the file alone; fail with a diff when it is out of date.
    Check,
}

/// The config files `durable` looks for, in order, when none is named.
const DEFAULT_NAMES: &[&str] = &["wrangler.jsonc", "wrangler.json"];

/// The config to use: the one named, or the first of [`DEFAULT_NAMES`] in the
/// current directory (`None` if there is none).
pub fn locate(named: Option<&Path>) -> Result<Option<PathBuf>, String> {
    if let Some(path) = named {
        if !path.exists() {
            return Err(format!("{} does not exist", path.display()));
        }
        return Ok(Some(path.to_owned()));
    }
    if Path::new("wrangler.toml").exists() && !DEFAULT_NAMES.iter().any(|n| Path::new(n).exists()) {
        return Err("found wrangler.toml: durable reads and edits wrangler.jsonc only (the same settings in JSON with comments); \
                    convert it (`durable build --no-config-check` builds without checking bindings and migrations)"
            .into());
    }
    Ok(DEFAULT_NAMES.iter().map(PathBuf::from).find(|p| p.exists()))
}

/// Brings `path` up to date with `classes` (or checks that it is).
pub fn sync(path: &Path, classes: &[Class], options: &generate::Options, mode: Mode) -> Result<(), String> {
    let label = path.display().to_string();
    if path.extension().is_some_and(|e| e == "toml") {
        return Err(format!("{label}: durable edits wrangler.jsonc only (the same settings in JSON with comments): convert it first"));
    }
    let text = fs::read_to_string(path).map_err(|e| format!("reading {label}: {e}"))?;
    let declared: Vec<Declared> = classes.iter().map(Declared::from).collect();
    let untouched = |problems: problem::Problems| format!("{label} cannot be brought up to date; it was left untouched:\n{}", problems.report(&label));
    let (start, mut changes, notes) = if options.to_exports {
        let conversion = exports::convert(&text)
            .map_err(|problems| format!("{label} cannot be converted to `exports`; it was left untouched:\n{}", problems.report(&label)))?;
        (conversion.text, conversion.changes, conversion.notes)
    } else {
        (text.clone(), Vec::new(), Vec::new())
    };
    let outcome = generate::generate(&start, &declared, options).map_err(untouched)?;
    changes.extend(outcome.changes);
    for note in notes.iter().chain(&binding_notes(&outcome.text, &declared)) {
        eprintln!("durable: note: {note}");
    }
    if outcome.text == text {
        eprintln!(
            "durable: {label}: bindings and {} are up to date ({} {})",
            outcome.lifecycle,
            declared.len(),
            if declared.len() == 1 { "class" } else { "classes" }
        );
        return Ok(());
    }
    let changes: String = changes.iter().map(|c| format!("  {c}\n")).collect();
    match mode {
        Mode::Check => Err(format!(
            "{label} is out of date with the classes the code declares:\n{changes}{}\
             run `durable config{}` to write it (it never deletes a class unless told to with --delete)",
            diff::unified(&label, &text, &outcome.text),
            if options.to_exports { " --to-exports" } else { "" }
        )),
        Mode::Write => {
            for warning in &outcome.warnings {
                eprintln!("durable: WARNING: {warning}");
            }
            write_atomically(path, &outcome.text)?;
            eprintln!("durable: updated {label}:\n{}", changes.trim_end());
            Ok(())
        }
    }
}

/// A class declared without `binding = ".."` and bound at the top level only
/// under other names than its default: `Namespace::from_env_default` looks
/// for the default name, so say which name to declare.
fn binding_notes(text: &str, declared: &[Declared]) -> Vec<String> {
    let Ok(config) = jsonc::parse(text) else { return Vec::new() };
    let bindings = config.get("durable_objects").and_then(|d| d.get("bindings")).and_then(|b| b.as_array()).unwrap_or(&[]);
    let mut notes = Vec::new();
    for class in declared.iter().filter(|c| c.binding.is_none()) {
        let names: Vec<&str> = bindings
            .iter()
            .filter(|b| b.get("script_name").is_none() && b.get("class_name").and_then(|c| c.as_str()) == Some(class.js.as_str()))
            .filter_map(|b| b.get("name").and_then(|n| n.as_str()))
            .collect();
        let default = generate::screaming_snake(&class.js);
        if let Some(first) = names.first().filter(|_| !names.contains(&default.as_str())) {
            notes.push(format!(
                "`{}` is bound as `{first}`, not as its default `{default}`: `Namespace::from_env_default` looks for `{default}`; \
                 declare the binding with #[durable_object(binding = \"{first}\")]",
                class.js
            ));
        }
    }
    notes
}

/// Replaces the file in one step, so an interrupted run never leaves half a
/// config behind.
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".durable-tmp");
    let temporary = PathBuf::from(temporary);
    fs::write(&temporary, text).map_err(|e| format!("writing {}: {e}", temporary.display()))?;
    if let Ok(metadata) = fs::metadata(path) {
        let _ = fs::set_permissions(&temporary, metadata.permissions());
    }
    fs::rename(&temporary, path).map_err(|e| {
        let _ = fs::remove_file(&temporary);
        format!("replacing {}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::classes::Storage;

    fn class(js: &str, binding: Option<&str>) -> Declared {
        Declared { js: js.into(), binding: binding.map(Into::into), renamed_from: None, storage: Storage::Sqlite, location: None }
    }

    #[test]
    fn a_class_bound_under_another_name_than_its_default_gets_a_note() {
        let text = r#"{ "durable_objects": { "bindings": [
            { "name": "BATCH", "class_name": "BatchProcessor" },
            { "name": "COUNTER", "class_name": "Counter" },
            { "name": "ROOMS", "class_name": "ChatRoom" },
            { "name": "OTHER", "class_name": "Remote", "script_name": "elsewhere" }
        ] } }"#;
        let declared = [class("BatchProcessor", None), class("Counter", None), class("ChatRoom", Some("ROOMS")), class("Remote", None)];
        let notes = binding_notes(text, &declared);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].starts_with("`BatchProcessor` is bound as `BATCH`, not as its default `BATCH_PROCESSOR`"), "{notes:?}");
        assert!(notes[0].ends_with("#[durable_object(binding = \"BATCH\")]"), "{notes:?}");
    }
}
