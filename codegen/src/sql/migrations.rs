//! The migrations folder: one `.sql` file per step, named
//! `<version>_<name>.sql` (`0001_notes.sql`), applied in version order. The
//! same files are embedded for the runtime (`durable::migrations!`) and read
//! by the query macros to build the schema they check against.

use std::path::{Path, PathBuf};

/// One file of the folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Step {
    pub version: i64,
    pub name: String,
    pub path: PathBuf,
    pub sql: String,
}

/// The folder `dir` (relative to the crate's `Cargo.toml`) as its steps,
/// sorted by version. Errors name the file and what is wrong with it.
pub fn read(manifest_dir: &Path, dir: &str) -> Result<Vec<Step>, String> {
    let folder = manifest_dir.join(dir);
    let entries = std::fs::read_dir(&folder)
        .map_err(|e| format!("cannot read the migrations folder `{dir}` (at {}): {e}", folder.display()))?;
    let mut steps = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("cannot read the migrations folder `{dir}`: {e}"))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("sql") {
            continue;
        }
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or_default().to_owned();
        let stem = file.trim_end_matches(".sql");
        let digits: String = stem.chars().take_while(char::is_ascii_digit).collect();
        let rest = &stem[digits.len()..];
        let version: i64 = match digits.parse() {
            Ok(v) if v > 0 && rest.starts_with('_') && rest.len() > 1 => v,
            _ => {
                return Err(format!(
                    "the migration file `{dir}/{file}` is not named `<version>_<name>.sql` (for instance `0001_create_notes.sql`, version 1 or more)"
                ))
            }
        };
        let sql = std::fs::read_to_string(&path).map_err(|e| format!("cannot read `{dir}/{file}`: {e}"))?;
        steps.push(Step { version, name: rest[1..].to_owned(), path, sql });
    }
    steps.sort_by_key(|s| s.version);
    if let Some(pair) = steps.windows(2).find(|w| w[0].version == w[1].version) {
        return Err(format!(
            "two migrations in `{dir}` have version {}: `{}` and `{}`",
            pair[0].version,
            pair[0].path.file_name().unwrap_or_default().to_string_lossy(),
            pair[1].path.file_name().unwrap_or_default().to_string_lossy()
        ));
    }
    if steps.is_empty() {
        return Err(format!("the migrations folder `{dir}` has no `<version>_<name>.sql` file"));
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::read;

    #[test]
    fn files_are_read_in_version_order_and_misnamed_ones_refused() {
        let dir = std::env::temp_dir().join(format!("durable-migrations-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("m")).unwrap();
        std::fs::write(dir.join("m/0010_later.sql"), "SELECT 2").unwrap();
        std::fs::write(dir.join("m/0002_first.sql"), "SELECT 1").unwrap();
        std::fs::write(dir.join("m/README.md"), "ignored").unwrap();
        let steps = read(&dir, "m").unwrap();
        assert_eq!(steps.iter().map(|s| (s.version, s.name.as_str())).collect::<Vec<_>>(), [(2, "first"), (10, "later")]);
        std::fs::write(dir.join("m/create.sql"), "").unwrap();
        assert!(read(&dir, "m").unwrap_err().contains("`m/create.sql` is not named `<version>_<name>.sql`"));
        std::fs::remove_file(dir.join("m/create.sql")).unwrap();
        std::fs::write(dir.join("m/02_again.sql"), "").unwrap();
        assert!(read(&dir, "m").unwrap_err().contains("two migrations in `m` have version 2"));
        assert!(read(&dir, "none").unwrap_err().starts_with("cannot read the migrations folder `none`"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
