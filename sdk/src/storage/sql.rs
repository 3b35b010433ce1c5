//! The object's SQLite database (`ctx.storage.sql`): statements with bound
//! parameters, rows as serde types, and schema migrations run once per object.

use std::fmt;
use std::marker::PhantomData;

use js_sys::Array;
use serde::de::{self, DeserializeOwned};
use wasm_bindgen::prelude::*;

use crate::error::{conversion_message, excerpt};
use crate::sys;
use crate::{Error, Result};

// The JavaScript side of statements and rows (`js/sql.mjs`): one call
// across the boundary per statement and per batch of rows. Rows come as one
// message of the wire format (`crate::rpc::wire`), written straight into
// Wasm memory and read by the wire reader, when it holds them exactly;
// others (a number beyond ±2^53: an INTEGER the runtime may have rounded, or
// a large REAL, which `convert::de` refuses only where an integer is asked
// for) are held there and read value by value.
#[wasm_bindgen(module = "/js/sql.mjs")]
extern "C" {
    /// Every row of `cursor` (`cursor.raw()` if `raw`) as one message (an
    /// array), written at `ptr` if it fits in `capacity` bytes: its length,
    /// [`HELD`] or [`THREW`].
    fn rows_all(cursor: &sys::SqlCursor, raw: bool, memory: &JsValue, ptr: *mut u8, capacity: usize) -> i32;
    /// The next row of `cursor` as one message: as [`rows_all`], or [`DONE`].
    fn row_next(cursor: &sys::SqlCursor, memory: &JsValue, ptr: *mut u8, capacity: usize) -> i32;
    /// What was last answered [`HELD`] (the rows, or the row).
    fn rows_held() -> JsValue;
    /// What the runtime threw in the last call that answered [`THREW`] or
    /// no cursor. (These calls catch it themselves: wasm-bindgen's `catch`
    /// costs a closure and an `apply` per call.)
    fn sql_error() -> JsValue;
    /// `sql.exec(query, ...params)`, the parameters read from `count` packed
    /// slots at `ptr` in `memory` (one call across the boundary). If the
    /// runtime threw, it writes 1 at `failed` ([`sql_error`] has the error).
    /// (Not an `Option`: a returned `Option` of a handle costs a call back
    /// into Wasm to make room for it.)
    fn exec_packed(sql: &sys::SqlStorage, query: &JsValue, memory: &JsValue, ptr: *const Slot, count: usize, failed: *mut u32) -> sys::SqlCursor;
}

/// `rows_all`/`row_next`: the rows are not in the message format (take them
/// with `rows_held`).
const HELD: i32 = -1;
/// `row_next`: no more rows.
const DONE: i32 = -2;
/// The cursor threw (take the error with `sql_error`).
const THREW: i32 = -3;

/// One parameter as `exec_packed` reads it: a kind (0 `null`, 1 number,
/// 2 UTF-8 text, 3 bytes), the length of text or bytes, and the number or
/// the address of the text or bytes. 16 bytes, aligned to 8 (the `f64`):
/// `exec_packed` reads the number as the second `f64` of the slot.
#[repr(C, align(8))]
#[derive(Clone, Copy)]
struct Slot {
    kind: u32,
    len: u32,
    value: SlotValue,
}

#[repr(C)]
#[derive(Clone, Copy)]
union SlotValue {
    number: f64,
    address: u32,
}

// The layout `exec_packed` reads.
const _: () = assert!(std::mem::size_of::<Slot>() == 16 && std::mem::align_of::<Slot>() == 8);

/// How many parameters a statement binds without allocating their slots.
const INLINE: usize = 8;

impl Slot {
    const NULL: Slot = Slot { kind: 0, len: 0, value: SlotValue { number: 0.0 } };

    /// `value`, whose text or bytes (borrowed) stay where they are until the
    /// call returns.
    fn of(value: &SqlValue, scratch: &mut Vec<String>) -> Slot {
        let bytes = |kind, b: &[u8]| Slot { kind, len: b.len() as u32, value: SlotValue { address: b.as_ptr() as u32 } };
        match value {
            SqlValue::Null => Slot::NULL,
            SqlValue::Integer(i) if (-MAX_SAFE..=MAX_SAFE).contains(i) => Slot { kind: 1, len: 0, value: SlotValue { number: *i as f64 } },
            SqlValue::Integer(i) => {
                scratch.push(i.to_string());
                let text = scratch.last().map(String::as_bytes).unwrap_or_default();
                bytes(2, text)
            }
            SqlValue::Real(f) => Slot { kind: 1, len: 0, value: SlotValue { number: *f } },
            SqlValue::Text(t) => bytes(2, t.as_bytes()),
            SqlValue::Blob(b) => bytes(3, b),
        }
    }
}

/// A statement's text and its JavaScript string.
struct CachedQuery {
    text: Box<str>,
    js: JsValue,
}

/// How many statements [`QUERIES`] keeps (a power of two).
const QUERY_CACHE: usize = 128;

thread_local! {
    /// The JavaScript strings of recent statements, so that a statement run
    /// again (the usual case: a literal in a loop) is not made again: the
    /// runtime's own cache of prepared statements is keyed by that string.
    /// Direct-mapped by the text's address and length (a literal's never
    /// change), the text compared on a hit (a buffer used again for other
    /// text is a miss), no hashing of the text.
    static QUERIES: std::cell::RefCell<Vec<Option<CachedQuery>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The entry of [`QUERIES`] for a text at `address` of `len` bytes.
fn query_slot(address: usize, len: usize) -> usize {
    let mixed = (address as u64 ^ (len as u64).rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> 57) as usize % QUERY_CACHE
}

/// Runs `f` with the JavaScript string of `query`, from the cache (no copy of
/// the handle: `f` borrows it).
fn with_query_js<R>(query: &str, f: impl FnOnce(&JsValue) -> R) -> R {
    QUERIES.with(|cache| {
        let slot = query_slot(query.as_ptr() as usize, query.len());
        {
            let mut cache = cache.borrow_mut();
            if cache.is_empty() {
                cache.resize_with(QUERY_CACHE, || None);
            }
            if !matches!(&cache[slot], Some(cached) if *cached.text == *query) {
                cache[slot] = Some(CachedQuery { text: query.into(), js: JsValue::from_str(query) });
            }
        }
        // A shared borrow: `f` calls into JavaScript, which cannot reach
        // this cache's mutable borrow above (that ends before `f` runs).
        let cache = cache.borrow();
        match &cache[slot] {
            Some(cached) => f(&cached.js),
            // Filled above; a fresh string would do as well.
            None => f(&JsValue::from_str(query)),
        }
    })
}

/// The error of row `index` that does not fit: a number that may be a
/// rounded INTEGER is reported by its column.
fn row_error(index: usize, message: String) -> Error {
    let rounded = message
        .strip_prefix("at `")
        .and_then(|m| m.strip_suffix(crate::convert::ROUNDED))
        .and_then(|m| m.strip_suffix("`: "));
    if let Some(path) = rounded {
        // The column is the path's first segment: a name, or `[i]` of a raw row.
        let column = match path.strip_prefix('[') {
            Some(raw) => format!("#{}", raw.split(']').next().and_then(|i| i.parse::<usize>().ok()).map_or(0, |i| i + 1)),
            None => path.split(['.', '[']).next().unwrap_or(path).to_owned(),
        };
        // An unnamed column is named by its expression, which may be long.
        let column = excerpt(&column);
        return Error::Conversion(format!(
            "column `{column}` holds {}: select CAST({column} AS TEXT)",
            crate::convert::ROUNDED
        ));
    }
    Error::Conversion(format!("row {index} does not fit the requested type: {message}"))
}

/// A value bound to a `?` in a statement. Every SQLite type is here; build
/// them with `From` or the [`params!`](crate::params) macro.
///
/// Integers within ±2^53 are bound as numbers. Larger ones are bound as their
/// decimal text, which SQLite stores as that exact INTEGER in a column of
/// INTEGER affinity and compares as an integer there (the runtime cannot bind
/// a `BigInt`). Read them back exactly with `CAST(col AS TEXT)`.
///
/// A `NaN` or infinite [`Real`](SqlValue::Real) is refused by [`Sql::exec`]
/// (SQLite would store `NaN` as `NULL`): bind [`SqlValue::Null`] for no value.
///
/// It also converts from JavaScript values, so an RPC method can take
/// `Vec<SqlValue>` parameters as a JavaScript caller would pass them to
/// `sql.exec`: `null`/`undefined`, numbers, `BigInt`s that fit an `i64`,
/// strings, booleans (as `0`/`1`) and `Uint8Array`s. It converts to
/// JavaScript the same way (an integer beyond ±2^53 is an error, as
/// everywhere in [`crate::rpc`]).
///
/// ```
/// use durable::sql::SqlValue;
/// assert_eq!(SqlValue::from(7), SqlValue::Integer(7));
/// assert_eq!(SqlValue::from(None::<i64>), SqlValue::Null);
/// assert_eq!(SqlValue::from("hi"), SqlValue::Text("hi".into()));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// `NULL`.
    Null,
    /// `INTEGER`.
    Integer(i64),
    /// `REAL`.
    Real(f64),
    /// `TEXT`.
    Text(String),
    /// `BLOB`.
    Blob(Vec<u8>),
}

const MAX_SAFE: i64 = (1 << 53) - 1;

impl serde::Serialize for SqlValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            SqlValue::Null => serializer.serialize_unit(),
            SqlValue::Integer(i) => serializer.serialize_i64(*i),
            SqlValue::Real(f) => serializer.serialize_f64(*f),
            SqlValue::Text(s) => serializer.serialize_str(s),
            SqlValue::Blob(b) => serializer.serialize_bytes(b),
        }
    }
}

impl<'de> serde::Deserialize<'de> for SqlValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(SqlValueVisitor)
    }
}

struct SqlValueVisitor;

impl<'de> de::Visitor<'de> for SqlValueVisitor {
    type Value = SqlValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an SQL value (null, a number, a string, a boolean or bytes)")
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<SqlValue, E> {
        Ok(SqlValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> std::result::Result<SqlValue, E> {
        Ok(SqlValue::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> std::result::Result<SqlValue, D::Error> {
        serde::Deserialize::deserialize(deserializer)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<SqlValue, E> {
        Ok(SqlValue::from(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<SqlValue, E> {
        Ok(SqlValue::Integer(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<SqlValue, E> {
        i64::try_from(v)
            .map(SqlValue::Integer)
            .map_err(|_| E::custom(format_args!("{v} is beyond the range of an SQLite INTEGER (i64)")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<SqlValue, E> {
        Ok(SqlValue::Real(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<SqlValue, E> {
        Ok(SqlValue::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<SqlValue, E> {
        Ok(SqlValue::Text(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> std::result::Result<SqlValue, E> {
        Ok(SqlValue::Blob(v.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> std::result::Result<SqlValue, E> {
        Ok(SqlValue::Blob(v))
    }
}

/// Refuses the parameters SQLite would not store as given: `NaN` (stored as
/// `NULL`) and the infinities. The error names the parameter by its position
/// (`?1` is the first).
///
/// ```
/// use durable::sql::{check_params, SqlValue};
/// assert!(check_params(&durable::params![1, 2.5, "x"]).is_ok());
/// let error = check_params(&[SqlValue::Integer(1), SqlValue::Real(f64::NAN)]).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "SQL parameter 2 (?2) is NaN: SQLite would store it as NULL; bind SqlValue::Null for no value"
/// );
/// ```
pub fn check_params(params: &[SqlValue]) -> Result<()> {
    for (index, param) in params.iter().enumerate() {
        if let SqlValue::Real(f) = param {
            if !f.is_finite() {
                let n = index + 1;
                let (what, effect) = if f.is_nan() {
                    ("NaN", "SQLite would store it as NULL")
                } else if *f > 0.0 {
                    ("Infinity", "only finite numbers are bound")
                } else {
                    ("-Infinity", "only finite numbers are bound")
                };
                return Err(Error::Conversion(format!(
                    "SQL parameter {n} (?{n}) is {what}: {effect}; bind SqlValue::Null for no value"
                )));
            }
        }
    }
    Ok(())
}


macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for SqlValue {
            fn from(v: $t) -> Self { SqlValue::Integer(i64::from(v)) }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32, bool);

impl From<f64> for SqlValue {
    fn from(v: f64) -> Self {
        SqlValue::Real(v)
    }
}
impl From<f32> for SqlValue {
    fn from(v: f32) -> Self {
        SqlValue::Real(f64::from(v))
    }
}
impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        SqlValue::Text(v.to_owned())
    }
}
impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        SqlValue::Text(v)
    }
}
impl From<&String> for SqlValue {
    fn from(v: &String) -> Self {
        SqlValue::Text(v.clone())
    }
}
impl From<Vec<u8>> for SqlValue {
    fn from(v: Vec<u8>) -> Self {
        SqlValue::Blob(v)
    }
}
impl From<&[u8]> for SqlValue {
    fn from(v: &[u8]) -> Self {
        SqlValue::Blob(v.to_vec())
    }
}
impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(SqlValue::Null, Into::into)
    }
}

/// Bound parameters for [`Sql::exec`]: `params![id, "text", None::<i64>]`.
///
/// ```
/// let p = durable::params![1, "two", 3.0];
/// assert_eq!(p.len(), 3);
/// ```
#[macro_export]
macro_rules! params {
    ($($value:expr),* $(,)?) => {
        [$($crate::sql::SqlValue::from($value)),*]
    };
}

/// The object's SQLite database (`ctx.storage.sql`), for SQLite-backed classes
/// (`new_sqlite_classes` in the wrangler migrations).
///
/// Values never get spliced into SQL text: every value is a bound parameter.
///
/// ```no_run
/// # fn demo(state: durable::State) -> durable::Result<()> {
/// #[derive(serde::Deserialize)]
/// struct Note { id: i64, body: String }
///
/// let sql = state.storage().sql()?;
/// sql.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)", &[])?;
/// sql.exec("INSERT INTO notes (body) VALUES (?)", &durable::params!["hello"])?;
/// let notes: Vec<Note> = sql.exec("SELECT id, body FROM notes WHERE body LIKE ?", &durable::params!["h%"])?.all()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Sql {
    raw: sys::SqlStorage,
}

impl Sql {
    pub(crate) fn from_raw(raw: sys::SqlStorage) -> Self {
        Self { raw }
    }

    /// Runs one statement (or several separated by `;`, without parameters)
    /// with `params` bound to its `?`s, and returns its cursor. A `NaN` or
    /// infinite parameter is refused before anything runs ([`check_params`]).
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// let cursor = sql.exec("UPDATE notes SET body = ? WHERE id = ?", &durable::params!["new", 1])?;
    /// let changed = cursor.rows_written(); // 0 or 1
    /// # Ok(()) }
    /// ```
    pub fn exec(&self, query: &str, params: &[SqlValue]) -> Result<Cursor> {
        check_params(params)?;
        // Large integers are bound as text; the strings live here until the
        // call returns. The slots point into `params` and `scratch` only.
        let mut scratch = Vec::new();
        // Up to `INLINE` slots on the stack (no allocation per statement).
        let mut inline = [Slot::NULL; INLINE];
        let heap: Vec<Slot>;
        let slots: &[Slot] = if params.len() <= INLINE {
            for (slot, param) in inline.iter_mut().zip(params) {
                *slot = Slot::of(param, &mut scratch);
            }
            &inline[..params.len()]
        } else {
            heap = params.iter().map(|p| Slot::of(p, &mut scratch)).collect();
            &heap
        };
        let mut failed: u32 = 0;
        let raw = with_query_js(query, |query| {
            crate::convert::with_memory(|memory| exec_packed(&self.raw, query, memory, slots.as_ptr(), slots.len(), &mut failed))
        });
        drop(scratch);
        if failed != 0 {
            return Err(Error::from_js(sql_error()));
        }
        Ok(Cursor { raw })
    }

    /// The database's size on disk, in bytes. Fails on a class with the
    /// legacy key-value backend (see [`crate::Storage::sql`]).
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// let bytes = sql.database_size()?;
    /// # Ok(()) }
    /// ```
    pub fn database_size(&self) -> Result<u64> {
        Ok(self.raw.database_size().map_err(Error::from_js)? as u64)
    }

    /// The highest migration version recorded by [`crate::Storage::migrate`]
    /// (0 before the first). Creates the record table if needed.
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// let version = sql.applied_version()?;
    /// # Ok(()) }
    /// ```
    pub fn applied_version(&self) -> Result<i64> {
        self.exec(
            "CREATE TABLE IF NOT EXISTS _durable_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (datetime('now')))",
            &[],
        )?;
        #[derive(serde::Deserialize)]
        struct Version {
            version: Option<i64>,
        }
        let row: Version = self.exec("SELECT MAX(version) AS version FROM _durable_migrations", &[])?.one()?;
        Ok(row.version.unwrap_or(0))
    }
}

/// One step of an object's schema (see [`crate::Storage::migrate`]). Never
/// change a step once it has run anywhere: add the next one.
///
/// ```
/// use durable::sql::Migration;
/// const SCHEMA: &[Migration] = &[
///     Migration { version: 1, name: "users", sql: "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)" },
///     Migration { version: 2, name: "email", sql: "ALTER TABLE users ADD COLUMN email TEXT; CREATE INDEX users_email ON users (email)" },
/// ];
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Increasing version number, starting at 1.
    pub version: i64,
    /// A name for the record (`_durable_migrations.name`).
    pub name: &'static str,
    /// The statements (several may be separated by `;`).
    pub sql: &'static str,
}

/// The result of [`Sql::exec`]: rows, read lazily or all at once, and
/// statistics.
///
/// ```no_run
/// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
/// #[derive(serde::Deserialize)]
/// struct User { id: i64, name: String }
/// let cursor = sql.exec("SELECT id, name FROM users WHERE name LIKE ?", &durable::params!["A%"])?;
/// let users: Vec<User> = cursor.all()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Cursor {
    raw: sys::SqlCursor,
}

fn row_from_js<T: DeserializeOwned>(index: usize, row: JsValue) -> Result<T> {
    crate::convert::decode_row(row).map_err(|e| row_error(index, conversion_message(e)))
}

/// Every row of a JavaScript array, as a `T` each (the error names the row
/// that does not fit).
fn rows_from_js<T: DeserializeOwned>(rows: JsValue) -> Result<Vec<T>> {
    rows.unchecked_into::<Array>().iter().enumerate().map(|(i, row)| row_from_js(i, row)).collect()
}

/// What `send` (`rows_all` or `row_next`, given where to write) sent, read
/// as `R`: from the message by the wire reader; where that refuses, from
/// the JavaScript value rebuilt from the message, or, if the rows were held
/// instead, from those, by `by_fields` (which accepts or words the error).
/// `None`: no more rows.
fn receive<R: DeserializeOwned>(send: impl FnOnce(&JsValue, *mut u8, usize) -> i32, by_fields: impl Fn(JsValue) -> Result<R>) -> Result<Option<R>> {
    let received = crate::convert::binary::receive(send, |message| {
        Some(match crate::rpc::wire::read_strict::<R>(message) {
            Ok(read) => Ok(read),
            Err(_) => crate::convert::wire_to_js(message)
                .map_err(|e| Error::Conversion(conversion_message(e)))
                .and_then(&by_fields),
        })
    });
    match received {
        Ok(Some(read)) => read.map(Some),
        Ok(None) => Err(Error::message("reading rows: no memory for their message")),
        Err(DONE) => Ok(None),
        Err(HELD) => by_fields(rows_held()).map(Some),
        Err(THREW) => Err(Error::from_js(sql_error())),
        Err(code) => Err(Error::message(format!("reading rows: `js/sql.mjs` answered {code}, which this version does not know"))),
    }
}

/// Every row of `cursor` (in column order if `raw`), as a `T` each.
fn all_rows<T: DeserializeOwned>(cursor: &sys::SqlCursor, raw: bool) -> Result<Vec<T>> {
    let rows = receive(|memory, ptr, capacity| rows_all(cursor, raw, memory, ptr, capacity), rows_from_js)?;
    // `rows_all` always sends (never `DONE`).
    Ok(rows.unwrap_or_default())
}

impl Cursor {
    /// Every row, converted to `T` (a struct with the column names as fields,
    /// a map, a tuple struct...).
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// let names: Vec<std::collections::BTreeMap<String, String>> = sql.exec("SELECT name FROM users", &[])?.all()?;
    /// # Ok(()) }
    /// ```
    pub fn all<T: DeserializeOwned>(&self) -> Result<Vec<T>> {
        all_rows(&self.raw, false)
    }

    /// Exactly one row: an error if there are none or several.
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// #[derive(serde::Deserialize)]
    /// struct Count { n: i64 }
    /// let Count { n } = sql.exec("SELECT COUNT(*) AS n FROM users", &[])?.one()?;
    /// # Ok(()) }
    /// ```
    pub fn one<T: DeserializeOwned>(&self) -> Result<T> {
        let mut rows: Vec<T> = self.all()?;
        match rows.len() {
            1 => Ok(rows.remove(0)),
            n => Err(Error::message(format!("expected exactly one row, the statement returned {n}"))),
        }
    }

    /// The rows one at a time, converted as they are read (nothing is copied
    /// up front).
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// #[derive(serde::Deserialize)]
    /// struct Event { id: i64 }
    /// for event in sql.exec("SELECT id FROM events", &[])?.rows::<Event>() {
    ///     let event = event?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn rows<T: DeserializeOwned>(self) -> Rows<T> {
        Rows { cursor: self, index: 0, done: false, row: PhantomData }
    }

    /// Every row as an array of values in column order (`cursor.raw()`).
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// let rows: Vec<(i64, String)> = sql.exec("SELECT id, name FROM users", &[])?.raw()?;
    /// # Ok(()) }
    /// ```
    pub fn raw<T: DeserializeOwned>(&self) -> Result<Vec<T>> {
        all_rows(&self.raw, true)
    }

    /// The names of the result's columns.
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// let cursor = sql.exec("SELECT 1 AS one, 'x' AS letter", &[])?;
    /// let names = cursor.column_names(); // ["one", "letter"]
    /// # Ok(()) }
    /// ```
    pub fn column_names(&self) -> Vec<String> {
        self.raw.column_names().iter().filter_map(|n| n.as_string()).collect()
    }

    /// Rows read so far by this statement (billing).
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// let cursor = sql.exec("SELECT * FROM notes", &[])?;
    /// let rows: Vec<std::collections::BTreeMap<String, String>> = cursor.all()?;
    /// println!("{} rows read", cursor.rows_read());
    /// # Ok(()) }
    /// ```
    pub fn rows_read(&self) -> u64 {
        self.raw.rows_read() as u64
    }

    /// Rows written by this statement (billing).
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// let deleted = sql.exec("DELETE FROM notes WHERE id = ?", &durable::params![7])?.rows_written();
    /// # Ok(()) }
    /// ```
    pub fn rows_written(&self) -> u64 {
        self.raw.rows_written() as u64
    }
}

/// The lazy row iterator of [`Cursor::rows`]: each step reads one row from
/// the runtime and converts it.
///
/// ```no_run
/// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
/// let first_ten: Vec<(i64,)> = sql.exec("SELECT id FROM notes", &[])?.rows().take(10).collect::<durable::Result<_>>()?;
/// # Ok(()) }
/// ```
pub struct Rows<T> {
    cursor: Cursor,
    index: usize,
    done: bool,
    row: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Iterator for Rows<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.done {
            return None;
        }
        let index = self.index;
        let row = receive(|memory, ptr, capacity| row_next(&self.cursor.raw, memory, ptr, capacity), |row| row_from_js(index, row));
        match row {
            Ok(Some(row)) => {
                self.index += 1;
                Some(Ok(row))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            // A row that does not fit `T` is passed (the next may fit); a
            // failure of the cursor itself ends the rows.
            Err(e @ Error::Conversion(_)) => {
                self.index += 1;
                Some(Err(e))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

mod checked;
mod history;
pub use checked::{column, Query};
pub(crate) use history::verify as verify_history;
pub use history::migration_checksum;

#[cfg(test)]
mod tests {
    use serde::de::value::{Error, UnitDeserializer};
    use serde::de::IntoDeserializer;
    use serde::Deserialize;

    use super::{check_params, SqlValue};

    fn from<'de, D: serde::Deserializer<'de, Error = Error>>(d: D) -> SqlValue {
        SqlValue::deserialize(d).unwrap()
    }

    #[test]
    fn sql_values_convert_from_what_a_caller_passes() {
        assert_eq!(from(UnitDeserializer::<Error>::new()), SqlValue::Null);
        assert_eq!(from(7_i64.into_deserializer()), SqlValue::Integer(7));
        assert_eq!(from(true.into_deserializer()), SqlValue::Integer(1));
        assert_eq!(from(1.5_f64.into_deserializer()), SqlValue::Real(1.5));
        assert!(matches!(from(f64::NAN.into_deserializer()), SqlValue::Real(f) if f.is_nan()));
        assert_eq!(from("ü".into_deserializer()), SqlValue::Text("ü".into()));
        assert_eq!(from(serde::de::value::BytesDeserializer::<Error>::new(&[1, 2])), SqlValue::Blob(vec![1, 2]));
        let too_big = SqlValue::deserialize(u64::MAX.into_deserializer() as serde::de::value::U64Deserializer<Error>);
        assert_eq!(too_big.unwrap_err().to_string(), "18446744073709551615 is beyond the range of an SQLite INTEGER (i64)");
    }

    #[test]
    fn non_finite_parameters_are_refused_by_position() {
        assert!(check_params(&[SqlValue::Null, SqlValue::Real(0.0), SqlValue::Real(f64::MAX)]).is_ok());
        let refused = |params: &[SqlValue]| check_params(params).unwrap_err().to_string();
        assert_eq!(
            refused(&[SqlValue::Real(f64::INFINITY)]),
            "SQL parameter 1 (?1) is Infinity: only finite numbers are bound; bind SqlValue::Null for no value"
        );
        assert!(refused(&[SqlValue::Null, SqlValue::Null, SqlValue::Real(f64::NEG_INFINITY)]).starts_with("SQL parameter 3 (?3) is -Infinity"));
    }
}
