//! The check itself: the migrations applied in order to an in-memory SQLite
//! under workerd's authorizer and limits, then the statement prepared against
//! that schema. Schemas and results are cached for the life of the compiler
//! process (one crate's build), keyed by the migrations' text and the
//! statement, so a crate with many queries builds its schema once.

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::{Batch, Connection};

use super::authorizer;
use super::migrations::Step;

/// What SQLite's declared type says a column holds (its affinity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Integer,
    Real,
    Text,
    Blob,
    /// No declared type (an expression), or NUMERIC affinity: any value.
    Any,
}

/// Whether a column can be NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Null {
    /// A table column declared NOT NULL (or an INTEGER PRIMARY KEY).
    Never,
    /// A table column that may hold NULL.
    Maybe,
    /// Not known: an expression, or a column read through an outer join.
    Unknown,
}

/// One result column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
    pub null: Null,
}

/// A statement that passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub columns: Vec<Column>,
    pub params: usize,
}

/// An in-memory database holding the schema, with the authorizer installed.
struct Schema {
    conn: Connection,
    refusal: Arc<Mutex<Option<String>>>,
    results: RefCell<HashMap<(bool, String), Result<Checked, String>>>,
}

thread_local! {
    static SCHEMAS: RefCell<HashMap<u64, Rc<Schema>>> = RefCell::default();
}

fn key(steps: &[Step]) -> u64 {
    let mut h = DefaultHasher::new();
    for s in steps {
        (s.version, &s.name, &s.sql).hash(&mut h);
    }
    h.finish()
}

fn sqlite_message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        rusqlite::Error::SqlInputError { msg, sql, offset, .. } => {
            let at: String = sql.get((*offset).max(0) as usize..).unwrap_or_default().chars().take(40).collect();
            let at = at.split_whitespace().collect::<Vec<_>>().join(" ");
            if at.is_empty() {
                msg.clone()
            } else {
                format!("{msg}, at `{at}`")
            }
        }
        other => other.to_string(),
    }
}

impl Schema {
    fn new(steps: &[Step]) -> Result<Schema, String> {
        let mut conn = Connection::open_in_memory().map_err(|e| format!("cannot open an in-memory SQLite: {e}"))?;
        for &(limit, value) in authorizer::LIMITS {
            conn.set_limit(limit, value).map_err(|e| e.to_string())?;
        }
        let refusal: Arc<Mutex<Option<String>>> = Arc::default();
        let seen = Arc::clone(&refusal);
        conn.authorizer(Some(move |context: rusqlite::hooks::AuthContext<'_>| match authorizer::refusal(&context) {
            None => rusqlite::hooks::Authorization::Allow,
            Some(reason) => {
                let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                seen.get_or_insert(reason);
                rusqlite::hooks::Authorization::Deny
            }
        }))
        .map_err(|e| e.to_string())?;
        math_functions(&conn).map_err(|e| format!("cannot define the math functions: {e}"))?;
        let schema = Schema { conn, refusal, results: RefCell::default() };
        for step in steps {
            let file = step.path.file_name().unwrap_or_default().to_string_lossy();
            schema.run_all(&step.sql).map_err(|e| format!("migration `{file}` fails: {e}"))?;
        }
        Ok(schema)
    }

    fn take_refusal(&self) -> Option<String> {
        self.refusal.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// The error of a failed prepare or step: the authorizer's reason if it
    /// refused, else SQLite's message.
    fn error(&self, e: &rusqlite::Error) -> String {
        match self.take_refusal() {
            Some(reason) => format!("refused by the Durable Objects SQLite: {reason}"),
            None => sqlite_message(e),
        }
    }

    /// Prepares and runs every statement of `sql` (a migration, or the
    /// statements of an `execute!` with several).
    fn run_all(&self, sql: &str) -> Result<(), String> {
        self.take_refusal();
        let mut batch = Batch::new(&self.conn, sql);
        loop {
            let mut stmt = match batch.next() {
                Ok(Some(stmt)) => stmt,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.error(&e)),
            };
            let mut rows = stmt.raw_query();
            loop {
                match rows.next() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => return Err(self.error(&e)),
                }
            }
        }
    }

    /// Prepares the single statement `sql` and describes it.
    fn describe(&self, sql: &str) -> Result<Checked, String> {
        self.describe_inner(sql).map_err(|e| {
            let first = sql.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
            if e.starts_with("near \"LIMIT\": syntax error") && (first == "UPDATE" || first == "DELETE") {
                format!(
                    "{e}: UPDATE and DELETE with LIMIT run on Durable Objects (SQLITE_ENABLE_UPDATE_DELETE_LIMIT), \
                     but the SQLite this check runs is built without it; use `Sql::exec` for this statement"
                )
            } else {
                e
            }
        })
    }

    fn describe_inner(&self, sql: &str) -> Result<Checked, String> {
        self.take_refusal();
        let mut batch = Batch::new(&self.conn, sql);
        let stmt = match batch.next() {
            Ok(Some(stmt)) => stmt,
            Ok(None) => return Err("the SQL text holds no statement".into()),
            Err(e) => return Err(self.error(&e)),
        };
        let outer = outer_join(sql);
        let mut columns = Vec::new();
        let described: Vec<(String, Kind)> = stmt.columns().map(|c| (c.name().to_owned(), affinity(c.decl_type()))).collect();
        for (i, (name, kind)) in described.into_iter().enumerate() {
            let null = match stmt.column_metadata(i) {
                Ok(Some((_, _, _, decl, _, not_null, primary_key, _))) => {
                    let rowid = primary_key && decl.as_ref().and_then(|d| d.to_str().ok()).is_some_and(|d| d.eq_ignore_ascii_case("INTEGER"));
                    if outer {
                        Null::Unknown
                    } else if not_null || rowid {
                        Null::Never
                    } else {
                        Null::Maybe
                    }
                }
                _ => Null::Unknown,
            };
            columns.push(Column { name, kind, null });
        }
        let params = stmt.parameter_count();
        drop(stmt);
        match batch.next() {
            Ok(None) => Ok(Checked { columns, params }),
            _ => Err("the SQL text holds several statements: give each its own query (several statements without parameters run with `execute!`)".into()),
        }
    }
}

/// The SQL math functions (lang_mathfunc.html): workerd's SQLite is built
/// with `SQLITE_ENABLE_MATH_FUNCTIONS`, the bundled one without, so they are
/// defined here (with their real results, for migrations that run them).
type Unary = (&'static str, fn(f64) -> f64);
type Binary = (&'static str, fn(f64, f64) -> f64);

fn math_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let unary: &[Unary] = &[
        ("acos", f64::acos), ("acosh", f64::acosh), ("asin", f64::asin), ("asinh", f64::asinh), ("atan", f64::atan),
        ("atanh", f64::atanh), ("ceil", f64::ceil), ("ceiling", f64::ceil), ("cos", f64::cos), ("cosh", f64::cosh),
        ("degrees", f64::to_degrees), ("exp", f64::exp), ("floor", f64::floor), ("ln", f64::ln), ("log", f64::log10),
        ("log10", f64::log10), ("log2", f64::log2), ("radians", f64::to_radians), ("sin", f64::sin), ("sinh", f64::sinh),
        ("sqrt", f64::sqrt), ("tan", f64::tan), ("tanh", f64::tanh), ("trunc", f64::trunc),
    ];
    for &(name, f) in unary {
        conn.create_scalar_function(name, 1, flags, move |ctx| Ok(ctx.get::<Option<f64>>(0)?.map(f)))?;
    }
    let binary: &[Binary] =
        &[("atan2", f64::atan2), ("mod", |a, b| a % b), ("pow", f64::powf), ("power", f64::powf), ("log", |b, x| x.log(b))];
    for &(name, f) in binary {
        conn.create_scalar_function(name, 2, flags, move |ctx| {
            Ok(ctx.get::<Option<f64>>(0)?.zip(ctx.get::<Option<f64>>(1)?).map(|(a, b)| f(a, b)))
        })?;
    }
    conn.create_scalar_function("pi", 0, flags, |_| Ok(std::f64::consts::PI))
}

/// SQLite's affinity rules (datatype3.html, 3.1) on a declared type.
fn affinity(declared: Option<&str>) -> Kind {
    let Some(declared) = declared else { return Kind::Any };
    let d = declared.to_ascii_uppercase();
    if d.contains("INT") {
        Kind::Integer
    } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
        Kind::Text
    } else if d.contains("BLOB") {
        Kind::Blob
    } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
        Kind::Real
    } else {
        Kind::Any
    }
}

/// Whether the statement has a LEFT, RIGHT or FULL join (whose columns may
/// be NULL whatever their table says).
fn outer_join(sql: &str) -> bool {
    let words: Vec<String> = sql.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').map(str::to_ascii_uppercase).collect();
    words.windows(2).any(|w| matches!(w[0].as_str(), "LEFT" | "RIGHT" | "FULL" | "OUTER") && matches!(w[1].as_str(), "JOIN" | "OUTER"))
}

fn schema(steps: &[Step]) -> Result<Rc<Schema>, String> {
    let k = key(steps);
    if let Some(s) = SCHEMAS.with(|c| c.borrow().get(&k).cloned()) {
        return Ok(s);
    }
    let s = Rc::new(Schema::new(steps)?);
    SCHEMAS.with(|c| c.borrow_mut().insert(k, Rc::clone(&s)));
    Ok(s)
}

/// Applies `steps` (once per build: cached), reporting the first that fails.
pub fn migrations(steps: &[Step]) -> Result<(), String> {
    schema(steps).map(|_| ())
}

/// Checks one statement against the schema `steps` build. With `several`,
/// the text may hold several statements (run in order on a fresh copy of
/// the schema); the result then describes none of them.
pub fn statement(steps: &[Step], sql: &str, several: bool) -> Result<Checked, String> {
    let schema = schema(steps)?;
    let key = (several, sql.to_owned());
    if let Some(hit) = schema.results.borrow().get(&key) {
        return hit.clone();
    }
    let result = match schema.describe(sql) {
        Err(e) if several && e.starts_with("the SQL text holds several") => {
            // A scratch copy, so that the cached schema stays as the
            // migrations left it.
            let scratch = Schema::new(steps)?;
            scratch.run_all(sql).map(|()| Checked { columns: Vec::new(), params: 0 })
        }
        other => other,
    };
    schema.results.borrow_mut().insert(key, result.clone());
    result
}

/// The bundled SQLite's version (`sqlite3_libversion`).
pub fn sqlite_version() -> &'static str {
    rusqlite::version()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn steps(sql: &[&str]) -> Vec<Step> {
        sql.iter()
            .enumerate()
            .map(|(i, s)| Step { version: i as i64 + 1, name: format!("m{i}"), path: PathBuf::from(format!("{:04}_m{i}.sql", i + 1)), sql: (*s).into() })
            .collect()
    }

    fn notes() -> Vec<Step> {
        steps(&[
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT, score REAL, data BLOB, n NUMERIC)",
            "CREATE TABLE tags (note_id INTEGER NOT NULL, tag TEXT NOT NULL)",
        ])
    }

    #[test]
    fn columns_get_kinds_and_nullability() {
        let c = statement(&notes(), "SELECT id, title, body, score, data, n, count(*) AS k FROM notes WHERE id = ?", false).unwrap();
        assert_eq!(c.params, 1);
        let got: Vec<(&str, Kind, Null)> = c.columns.iter().map(|c| (c.name.as_str(), c.kind, c.null)).collect();
        assert_eq!(
            got,
            [
                ("id", Kind::Integer, Null::Never),
                ("title", Kind::Text, Null::Never),
                ("body", Kind::Text, Null::Maybe),
                ("score", Kind::Real, Null::Maybe),
                ("data", Kind::Blob, Null::Maybe),
                ("n", Kind::Any, Null::Maybe),
                ("k", Kind::Any, Null::Unknown),
            ]
        );
        let joined = statement(&notes(), "SELECT n.id, t.tag FROM notes n LEFT JOIN tags t ON t.note_id = n.id", false).unwrap();
        assert!(joined.columns.iter().all(|c| c.null == Null::Unknown));
    }

    #[test]
    fn errors_are_sqlites_or_the_authorizers() {
        let s = notes();
        assert_eq!(statement(&s, "SELECT titel FROM notes", false).unwrap_err(), "no such column: titel, at `titel FROM notes`");
        assert_eq!(statement(&s, "SELECT * FROM note", false).unwrap_err(), "no such table: note");
        assert!(statement(&s, "SELEC 1", false).unwrap_err().contains("syntax error"));
        let refused = |sql| statement(&s, sql, false).unwrap_err();
        assert!(refused("ATTACH 'x.db' AS x").contains("ATTACH and DETACH are refused"), "{}", refused("ATTACH 'x.db' AS x"));
        assert!(refused("BEGIN").contains("storage.transactionSync()"));
        assert!(refused("SAVEPOINT a").contains("storage.transactionSync()"));
        assert!(refused("PRAGMA journal_mode = WAL").contains("not on the Durable Objects allow-list"));
        assert!(refused("SELECT sqlite_version()").contains("`sqlite_version` is not available"));
        assert!(refused("CREATE TABLE _cf_mine (x)").contains("reserved"));
        assert!(refused("CREATE TEMP TABLE t (x)").contains("temporary"));
        assert!(refused("CREATE VIRTUAL TABLE f USING fts3(body)").contains("module `fts3`"));
        assert!(refused("SELECT * FROM dbstat").contains("not compiled into"));
        assert!(refused("SELECT 1; SELECT 2").contains("several statements"));
        // Workerd's SQLite has UPDATE/DELETE .. LIMIT, the bundled one not: said so.
        assert!(refused("DELETE FROM notes WHERE id > 1 LIMIT 1").contains("use `Sql::exec` for this statement"));
        // Workerd's allow-list has `ceil` and `pow`, not their aliases.
        assert!(refused("SELECT ceiling(1.5)").contains("`ceiling` is not available"));
        // What workerd allows passes.
        for ok in [
            "PRAGMA foreign_keys = ON",
            "PRAGMA table_info(notes)",
            "SELECT sqrt(score), json_extract(body, '$.a'), unixepoch() FROM notes",
            "CREATE VIRTUAL TABLE f USING fts5(body)",
            "SELECT pi(), log(2, 8), ceil(1.5), pow(2, 3)",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) SELECT x FROM c",
        ] {
            statement(&s, ok, false).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        statement(&s, "CREATE TABLE x (a); INSERT INTO x VALUES (1); SELECT a FROM x", true).unwrap();
        // The scratch run left the cached schema alone.
        assert!(statement(&s, "SELECT a FROM x", false).unwrap_err().starts_with("no such table: x"));
    }

    #[test]
    fn a_refused_migration_names_its_file() {
        let e = migrations(&steps(&["CREATE TABLE a (x)", "BEGIN; CREATE TABLE b (y); COMMIT"])).unwrap_err();
        assert!(e.starts_with("migration `0002_m1.sql` fails: refused by the Durable Objects SQLite: To execute a transaction"), "{e}");
    }

    /// The bundled SQLite is the version workerd embeds; if workerd's binary
    /// is installed (`scripts/setup.sh`), its embedded version is read too.
    #[test]
    fn bundled_sqlite_matches_workerd() {
        assert_eq!(sqlite_version(), authorizer::WORKERD_SQLITE_VERSION);
        let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules/@cloudflare/workerd-linux-64/bin/workerd");
        let Ok(bytes) = std::fs::read(&binary) else { return };
        let version = bytes
            .split(|b| !(0x20..0x7f).contains(b))
            .filter_map(|s| std::str::from_utf8(s).ok())
            .find(|s| s.starts_with("3.") && s.len() <= 8 && s.split('.').count() == 3 && s.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())));
        assert_eq!(version, Some(authorizer::WORKERD_SQLITE_VERSION));
    }
}
#[cfg(test)]
mod timing {
    #[test]
    #[ignore]
    fn measure() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        let t = std::time::Instant::now();
        let steps = super::super::migrations::read(&dir, "migrations/notes").unwrap();
        let read = t.elapsed();
        let t = std::time::Instant::now();
        super::migrations(&steps).unwrap();
        let schema = t.elapsed();
        let t = std::time::Instant::now();
        for i in 0..1000 {
            super::statement(&steps, &format!("SELECT n.id, n.title, group_concat(t.tag) AS tags FROM notes n LEFT JOIN tags t ON t.note_id = n.id WHERE n.id = {i} GROUP BY n.id"), false).unwrap();
        }
        let each = t.elapsed() / 1000;
        let t = std::time::Instant::now();
        super::statement(&steps, "SELECT n.id, n.title, group_concat(t.tag) AS tags FROM notes n LEFT JOIN tags t ON t.note_id = n.id WHERE n.id = 1 GROUP BY n.id", false).unwrap();
        let cached = t.elapsed();
        eprintln!("read {read:?} schema {schema:?} statement {each:?} cached {cached:?}");
    }
}
