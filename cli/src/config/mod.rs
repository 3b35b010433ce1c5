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
/// config behind, and durably: the new text is on disk before it replaces the
/// old, and the replacement is on disk before this returns. A symlinked
/// config (a monorepo's workers sharing one) stays a symlink: the file it
/// points to is replaced, from a temporary file beside that file (a rename
/// never crosses directories, so never file systems).
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;

    let target = fs::canonicalize(path).map_err(|e| format!("resolving {}: {e}", path.display()))?;
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return Err(format!("{} is not a file", target.display()));
    };
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".durable-{}.tmp", std::process::id()));
    let temporary = dir.join(temporary_name);
    let written = (|| {
        let mut file = fs::OpenOptions::new().write(true).create_new(true).open(&temporary)?;
        file.write_all(text.as_bytes())?;
        if let Ok(metadata) = fs::metadata(&target) {
            file.set_permissions(metadata.permissions())?;
        }
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temporary);
        return Err(format!("writing {}: {e}", temporary.display()));
    }
    if let Err(e) = fs::rename(&temporary, &target) {
        let _ = fs::remove_file(&temporary);
        return Err(format!("replacing {}: {e}", target.display()));
    }
    sync_directory(dir).map_err(|e| format!("syncing {} after replacing {}: {e}", dir.display(), target.display()))
}

/// Puts a directory's entries (a rename in it) on disk. Only Unix opens a
/// directory to sync it; elsewhere the rename is as durable as it gets.
fn sync_directory(dir: &Path) -> std::io::Result<()> {
    if cfg!(unix) {
        fs::File::open(dir)?.sync_all()
    } else {
        Ok(())
    }
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

    /// A fresh directory of this test's own, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(label: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("durable-config-{label}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn writing_replaces_the_file_and_leaves_nothing_else() {
        let scratch = Scratch::new("plain");
        let path = scratch.0.join("wrangler.jsonc");
        fs::write(&path, "{}").unwrap();
        write_atomically(&path, "{ \"name\": \"a\" }\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "{ \"name\": \"a\" }\n");
        assert_eq!(entries(&scratch.0), ["wrangler.jsonc"]);
    }

    /// A monorepo's workers share one config through symlinks: writing
    /// through one replaces the shared file, and every link stays a link.
    #[cfg(unix)]
    #[test]
    fn a_symlinked_config_stays_a_symlink_and_its_target_is_written() {
        let scratch = Scratch::new("symlink");
        let shared = scratch.0.join("shared");
        let app = scratch.0.join("apps").join("one");
        fs::create_dir_all(&shared).unwrap();
        fs::create_dir_all(&app).unwrap();
        let real = shared.join("wrangler.jsonc");
        fs::write(&real, "{}").unwrap();
        // A relative link, through a second link: both are followed.
        std::os::unix::fs::symlink("../../shared/wrangler.jsonc", app.join("base.jsonc")).unwrap();
        std::os::unix::fs::symlink("base.jsonc", app.join("wrangler.jsonc")).unwrap();
        let path = app.join("wrangler.jsonc");
        write_atomically(&path, "{ \"name\": \"shared\" }\n").unwrap();
        assert!(fs::symlink_metadata(&path).unwrap().file_type().is_symlink(), "the link was replaced by a file");
        assert!(fs::symlink_metadata(app.join("base.jsonc")).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "{ \"name\": \"shared\" }\n");
        assert_eq!(fs::read_to_string(&path).unwrap(), "{ \"name\": \"shared\" }\n");
        assert_eq!(entries(&shared), ["wrangler.jsonc"], "a temporary file was left beside the target");
        assert_eq!(entries(&app), ["base.jsonc", "wrangler.jsonc"]);
    }

    #[cfg(unix)]
    #[test]
    fn the_permissions_of_the_config_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let scratch = Scratch::new("mode");
        let path = scratch.0.join("wrangler.jsonc");
        fs::write(&path, "{}").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&path, "{ }").unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
    }

    #[test]
    fn a_broken_link_is_an_error_that_writes_nothing() {
        let scratch = Scratch::new("broken");
        let path = scratch.0.join("wrangler.jsonc");
        #[cfg(unix)]
        std::os::unix::fs::symlink("missing.jsonc", &path).unwrap();
        let error = write_atomically(&path, "{}").unwrap_err();
        assert!(error.starts_with(&format!("resolving {}: ", path.display())), "{error}");
        assert!(!scratch.0.join("missing.jsonc").exists());
    }
}
