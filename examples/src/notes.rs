//! A small notes service on the object's SQLite database: two tables and an
//! index, created by migrations that run once per object, bound parameters
//! only, typed rows, and a transaction for a note with its tags.
//!
//! | route | does |
//! |---|---|
//! | `POST /notes/?name=A` with `{"title", "body", "tags"}` | adds a note: 400 for malformed input or a tag given twice, 409 for a title already taken, 413 for a note over the storage's limit for a row, string or blob (about 8 MiB) |
//! | `GET /notes/?name=A[&tag=t]` | lists notes (with a tag) |
//! | `GET /notes/stats?name=A` | counts, database size, schema version |

use durable::prelude::*;
use durable::rpc::{Bytes, RpcError};
use durable::sql::{Migration, SqlValue};
use durable::TypeScript;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{Method, Url};

/// The schema, in order: the files of `migrations/notes` (`0001_notes.sql`..),
/// checked at compile time; the queries below are checked against it. Never
/// edit a step once deployed (`migrate` refuses an edited one): add a new file.
pub const MIGRATIONS: &[Migration] = durable::migrations!("migrations/notes");

/// A note to add.
#[derive(Debug, Clone, Serialize, Deserialize, TypeScript)]
pub struct NewNote {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A stored note.
#[derive(Debug, Clone, Serialize, Deserialize, TypeScript)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub tags: Vec<String>,
}

#[derive(Deserialize)]
struct NoteRow {
    id: i64,
    title: String,
    body: String,
    created_at: i64,
    tags: Option<String>,
}

impl From<NoteRow> for Note {
    fn from(row: NoteRow) -> Self {
        let mut tags: Vec<String> = row.tags.map(|t| t.split(',').map(str::to_owned).collect()).unwrap_or_default();
        tags.sort();
        Note { id: row.id, title: row.title, body: row.body, created_at: row.created_at, tags }
    }
}

/// Counts and sizes.
#[derive(Debug, Clone, Serialize, Deserialize, TypeScript)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub notes: i64,
    pub tags: i64,
    pub database_size: u64,
    pub schema_version: i64,
}

/// The answer of [`Notes::query`].
#[derive(Debug, Clone, Serialize, Deserialize, TypeScript)]
#[serde(rename_all = "camelCase")]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub rows_read: u64,
    pub rows_written: u64,
}

/// A notes service, one per name.
#[durable_object]
pub struct Notes {
    state: State,
}

#[durable_object]
impl Notes {
    pub fn new(state: State, _env: Env) -> Self {
        let storage = state.storage();
        // Migrate before the first request; a failing step fails every request.
        let _ = state.block_concurrency_while(async move { storage.migrate(MIGRATIONS).map(|_| ()) });
        Self { state }
    }

    /// Adds a note and its tags, atomically.
    pub fn add(&self, note: NewNote) -> Result<Note> {
        let storage = self.state.storage();
        let sql = storage.sql()?;
        let id = storage.transaction_sync(move || {
            #[derive(Deserialize)]
            struct Id {
                id: i64,
            }
            let Id { id } = durable::query_as!(
                migrations = "migrations/notes",
                Id,
                sql,
                "INSERT INTO notes (title, body) VALUES (?, ?) RETURNING id",
                &note.title,
                &note.body
            )?
            .one()?;
            for tag in &note.tags {
                durable::execute!(migrations = "migrations/notes", sql, "INSERT INTO tags (note_id, tag) VALUES (?, ?)", id, tag)?;
            }
            Ok(id)
        })?;
        self.get(id)?.ok_or_else(|| Error::message("the note vanished"))
    }

    /// One note.
    pub fn get(&self, id: i64) -> Result<Option<Note>> {
        let sql = self.state.storage().sql()?;
        let row = durable::query_as!(
            migrations = "migrations/notes",
            NoteRow,
            sql,
            "SELECT n.id, n.title, n.body, n.created_at, group_concat(t.tag) AS tags
             FROM notes n LEFT JOIN tags t ON t.note_id = n.id WHERE n.id = ? GROUP BY n.id",
            id
        )?
        .optional()?;
        Ok(row.map(Note::from))
    }

    /// All notes, or those with `tag`, oldest first (read lazily, row by row).
    pub fn list(&self, tag: Option<String>) -> Result<Vec<Note>> {
        let sql = self.state.storage().sql()?;
        let rows = match tag {
            Some(tag) => durable::query_as!(
                migrations = "migrations/notes",
                NoteRow,
                sql,
                "SELECT n.id, n.title, n.body, n.created_at, group_concat(t.tag) AS tags
                 FROM notes n LEFT JOIN tags t ON t.note_id = n.id
                 WHERE n.id IN (SELECT note_id FROM tags WHERE tag = ?) GROUP BY n.id ORDER BY n.id",
                tag
            )?,
            None => durable::query_as!(
                migrations = "migrations/notes",
                NoteRow,
                sql,
                "SELECT n.id, n.title, n.body, n.created_at, group_concat(t.tag) AS tags
                 FROM notes n LEFT JOIN tags t ON t.note_id = n.id GROUP BY n.id ORDER BY n.id"
            )?,
        };
        rows.rows().map(|row| row.map(Note::from)).collect()
    }

    /// Deletes a note (and, by cascade, its tags).
    pub fn delete(&self, id: i64) -> Result<bool> {
        let sql = self.state.storage().sql()?;
        durable::execute!(migrations = "migrations/notes", sql, "PRAGMA foreign_keys = ON")?;
        Ok(durable::execute!(migrations = "migrations/notes", sql, "DELETE FROM notes WHERE id = ?", id)?.rows_written() > 0)
    }

    /// Deletes every note and tag. Public for Rust code, but kept out of JS
    /// RPC with `#[durable(skip)]`, so that no caller can wipe a notes
    /// service (`tests/e2e/rpc.test.mjs` checks that none can).
    #[durable(skip)]
    pub fn clear(&self) -> Result<()> {
        let storage = self.state.storage();
        let sql = storage.sql()?;
        storage.transaction_sync(move || {
            durable::execute!(migrations = "migrations/notes", sql, "DELETE FROM tags")?;
            durable::execute!(migrations = "migrations/notes", sql, "DELETE FROM notes")?;
            Ok(())
        })
    }

    /// Counts, database size and schema version.
    pub fn stats(&self) -> Result<Stats> {
        let sql = self.state.storage().sql()?;
        #[derive(Deserialize)]
        struct Counts {
            notes: i64,
            tags: i64,
        }
        let Counts { notes, tags } = durable::query_as!(
            migrations = "migrations/notes",
            Counts,
            sql,
            "SELECT (SELECT COUNT(*) FROM notes) AS notes, (SELECT COUNT(*) FROM tags) AS tags"
        )?
        .one()?;
        Ok(Stats { notes, tags, database_size: sql.database_size()?, schema_version: sql.applied_version()? })
    }

    /// Runs any statement with parameters as `sql.exec` takes them (null,
    /// numbers, BigInts, strings, booleans, `Uint8Array`s; also
    /// `{"blob": [..]}` for bytes written as JSON): the tests' window on
    /// errors and value types. A `NaN` or infinite parameter is refused,
    /// naming it.
    pub fn query(&self, statement: String, parameters: Vec<Param>) -> Result<QueryResult> {
        let params: Vec<SqlValue> = parameters.into_iter().map(SqlValue::from).collect();
        let sql = self.state.storage().sql()?;
        let cursor = sql.exec(&statement, &params)?;
        let rows = cursor.raw()?;
        Ok(QueryResult { columns: cursor.column_names(), rows, rows_read: cursor.rows_read(), rows_written: cursor.rows_written() })
    }

    /// Stores a 64-bit integer given as decimal text, exactly.
    pub fn put_big(&self, key: String, digits: String) -> Result<String> {
        let value: i64 = digits.parse().map_err(|e| Error::message(format!("{digits:?} is not an i64: {e}")))?;
        let sql = self.state.storage().sql()?;
        durable::execute!(migrations = "migrations/notes", sql, "INSERT OR REPLACE INTO scratch (k, big) VALUES (?, ?)", key.as_str(), value)?;
        #[derive(Deserialize)]
        struct Text {
            big: String,
        }
        let Text { big } =
            durable::query_as!(migrations = "migrations/notes", Text, sql, "SELECT CAST(big AS TEXT) AS big FROM scratch WHERE k = ?", key)?.one()?;
        Ok(big)
    }

    /// Reads the integer at `key` as a number: refused when it is beyond ±2^53.
    pub fn get_big_as_number(&self, key: String) -> Result<i64> {
        #[derive(Deserialize)]
        struct Big {
            big: i64,
        }
        let sql = self.state.storage().sql()?;
        // The statement is checked; the row is decoded as `i64` on purpose (a
        // NULL is the conversion error the tests expect), which `query_as!`
        // would refuse for a nullable column: the cursor decodes it instead.
        let Big { big } = durable::execute!(migrations = "migrations/notes", sql, "SELECT big FROM scratch WHERE k = ?", key)?.one()?;
        Ok(big)
    }

    /// Stores and reads back a blob.
    pub fn blob_round_trip(&self, key: String, data: Bytes) -> Result<Bytes> {
        let sql = self.state.storage().sql()?;
        durable::execute!(migrations = "migrations/notes", sql, "INSERT OR REPLACE INTO scratch (k, data) VALUES (?, ?)", key.as_str(), data.to_vec())?;
        #[derive(Deserialize)]
        struct Data {
            data: Bytes,
        }
        let Data { data } = durable::execute!(migrations = "migrations/notes", sql, "SELECT data FROM scratch WHERE k = ?", key)?.one()?;
        Ok(data)
    }

    /// Point-in-time recovery, as far as the runtime offers it: the current
    /// bookmark, one for a minute ago, and the undo bookmark of scheduling a
    /// restore to the current one (not applied: the object is not restarted).
    /// Each answer is the bookmark, or `error: <message>`.
    pub async fn bookmarks(&self) -> Result<Vec<String>> {
        let storage = self.state.storage();
        let shown = |r: Result<String>| r.unwrap_or_else(|e| format!("error: {e}"));
        let current = storage.get_current_bookmark().await;
        let earlier = storage.get_bookmark_for_time(js_sys_now() - 60_000.0).await;
        let undo = match &current {
            Ok(bookmark) => storage.on_next_session_restore_bookmark(bookmark).await,
            Err(e) => Err(e.clone()),
        };
        Ok(vec![shown(current), shown(earlier), shown(undo)])
    }

    /// Adds two notes in one transaction, the second failing: nothing is kept.
    pub fn add_pair_failing(&self, first: NewNote) -> Result<()> {
        let storage = self.state.storage();
        let sql = storage.sql()?;
        storage.transaction_sync(move || {
            durable::execute!(migrations = "migrations/notes", sql, "INSERT INTO notes (title, body) VALUES (?, ?)", &first.title, &first.body)?;
            durable::execute!(migrations = "migrations/notes", sql, "INSERT INTO notes (title, body) VALUES (?, NULL)", format!("{} (2)", first.title))?;
            Ok(())
        })
    }
}

fn js_sys_now() -> f64 {
    // Date.now(): the runtime's clock (it advances with I/O).
    durable::worker::Date::now().as_millis() as f64
}

/// A parameter of [`Notes::query`]: an SQL value as JavaScript passes it to
/// `sql.exec`, or bytes written as JSON. (Not `serde_json::Value`, which turns
/// a `NaN` from JavaScript into `null` before anything can refuse it.)
#[derive(Debug, Clone, Serialize, Deserialize, TypeScript)]
#[serde(untagged)]
pub enum Param {
    Blob { blob: Vec<u8> },
    Value(SqlValue),
}

impl From<Param> for SqlValue {
    fn from(param: Param) -> Self {
        match param {
            Param::Blob { blob } => SqlValue::Blob(blob),
            Param::Value(value) => value,
        }
    }
}

/// The primary SQLite result code an error message ends with, as the runtime
/// words them: `string or blob too big: SQLITE_TOOBIG`,
/// `UNIQUE constraint failed: notes.title: SQLITE_CONSTRAINT (extended: ..)`.
fn sqlite_code(message: &str) -> Option<&str> {
    let start = message.find(": SQLITE_")? + 2;
    let code = &message[start..];
    Some(&code[..code.find(|c: char| !(c.is_ascii_uppercase() || c == '_')).unwrap_or(code.len())])
}

/// The status and message of a note that could not be added: 413 for a
/// row or value over the storage's size limit, 409 for a constraint (a title
/// already taken), 500 for the rest (the input was checked before the call).
fn add_failure(error: RpcError) -> (u16, String) {
    match error {
        RpcError::Remote(message) => match sqlite_code(&message) {
            Some("SQLITE_TOOBIG") => (
                413,
                format!("the note is too big to store (the limit for a row, string or blob is about 8 MiB): {message}"),
            ),
            Some("SQLITE_CONSTRAINT") => (409, message),
            _ => (500, message),
        },
        other => (500, other.to_string()),
    }
}

/// The worker side: JSON over HTTP, the typed stub underneath.
pub(crate) async fn handle(mut req: worker::Request, env: &Env, url: &Url, rest: &str) -> worker::Result<Response> {
    let name = crate::name_param(url).unwrap_or_else(|| "A".to_owned());
    let notes = Namespace::<Notes>::from_env(env, "NOTES")?.get_by_name(&name)?;
    let tag = url.query_pairs().find(|(k, _)| k == "tag").map(|(_, v)| v.into_owned());
    match (req.method(), rest) {
        (Method::Post, "/") => {
            // Not `req.json()`: the SDK's conversion names the field of a wrong shape.
            let note: NewNote = match req.text().await.map_err(Error::from).and_then(|body| durable::rpc::from_json(&body)) {
                Ok(note) => note,
                Err(e) => return Response::error(format!("expected {{\"title\", \"body\", \"tags\"}}: {e}"), 400),
            };
            let mut seen = std::collections::HashSet::new();
            if let Some(tag) = note.tags.iter().find(|tag| !seen.insert(*tag)) {
                return Response::error(format!("the tag {tag:?} is given twice"), 400);
            }
            match notes.add(note).await {
                Ok(note) => Response::from_json(&note),
                Err(e) => {
                    let (status, message) = add_failure(e);
                    Response::error(message, status)
                }
            }
        }
        (Method::Get, "/") => Response::from_json(&notes.list(tag).await?),
        (Method::Get, "/stats") => Response::from_json(&notes.stats().await?),
        _ => Response::error("Not found", 404),
    }
}

#[cfg(test)]
mod tests {
    use super::{add_failure, sqlite_code, RpcError};

    #[test]
    fn sqlite_codes_are_read_from_messages() {
        assert_eq!(sqlite_code("string or blob too big: SQLITE_TOOBIG"), Some("SQLITE_TOOBIG"));
        let unique = "UNIQUE constraint failed: notes.title: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)";
        assert_eq!(sqlite_code(unique), Some("SQLITE_CONSTRAINT"));
        assert_eq!(sqlite_code("NOT NULL constraint failed: notes.body: SQLITE_CONSTRAINT"), Some("SQLITE_CONSTRAINT"));
        assert_eq!(sqlite_code("the note vanished"), None);
        assert_eq!(sqlite_code("odd: SQLITE_"), Some("SQLITE_"));
    }

    #[test]
    fn failures_get_fitting_statuses() {
        let remote = |m: &str| add_failure(RpcError::Remote(m.into()));
        let (status, message) = remote("string or blob too big: SQLITE_TOOBIG");
        assert_eq!(status, 413);
        assert!(message.starts_with("the note is too big to store (") && message.ends_with("SQLITE_TOOBIG"), "{message}");
        assert_eq!(remote("UNIQUE constraint failed: notes.title: SQLITE_CONSTRAINT").0, 409);
        assert_eq!(remote("disk I/O error: SQLITE_IOERR").0, 500);
        assert_eq!(remote("the note vanished"), (500, "the note vanished".into()));
        assert_eq!(add_failure(RpcError::Transport("overloaded".into())).0, 500);
        assert_eq!(add_failure(RpcError::Conversion("add: the result does not fit".into())).0, 500);
    }
}
