//! What the checked SQL macros ([`crate::query!`], [`crate::query_as!`],
//! [`crate::execute!`]) expand to use: [`Query`], a cursor whose row type the
//! macro fixed, and [`column`], the rules a `query_as!` struct's fields are
//! checked by.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use super::{Cursor, Rows};
use crate::{Error, Result};

/// The result of [`crate::query!`] or [`crate::query_as!`]: the statement's
/// [`Cursor`], its rows read as `Row` (decoded as [`Cursor::all`] does).
///
/// ```no_run
/// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
/// // tests/migrations/0001_notes.sql:
/// // CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT)
/// let titles: Vec<String> = durable::query!(migrations = "tests/migrations", sql, "SELECT title FROM notes ORDER BY id")?
///     .all()?
///     .into_iter()
///     .map(|row| row.title)
///     .collect();
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Query<Row> {
    cursor: Cursor,
    row: PhantomData<fn() -> Row>,
}

impl<Row: DeserializeOwned> Query<Row> {
    /// Wraps `cursor` (the macros call this).
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// #[derive(serde::Deserialize)]
    /// struct One { one: i64 }
    /// let query = durable::sql::Query::<One>::new(sql.exec("SELECT 1 AS one", &[])?);
    /// # Ok(()) }
    /// ```
    pub fn new(cursor: Cursor) -> Self {
        Query { cursor, row: PhantomData }
    }

    /// Every row.
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// let notes = durable::query!(migrations = "tests/migrations", sql, "SELECT id, title FROM notes")?.all()?;
    /// # Ok(()) }
    /// ```
    pub fn all(&self) -> Result<Vec<Row>> {
        self.cursor.all()
    }

    /// Exactly one row: an error if there are none or several.
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// let count = durable::query!(migrations = "tests/migrations", sql, "SELECT count(*) AS n FROM notes")?.one()?.n;
    /// # Ok(()) }
    /// ```
    pub fn one(&self) -> Result<Row> {
        self.cursor.one()
    }

    /// No row or one: an error if there are several.
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql, id: i64) -> durable::Result<()> {
    /// let note = durable::query!(migrations = "tests/migrations", sql, "SELECT title FROM notes WHERE id = ?", id)?.optional()?;
    /// # Ok(()) }
    /// ```
    pub fn optional(&self) -> Result<Option<Row>> {
        let mut rows: Vec<Row> = self.cursor.all()?;
        match rows.len() {
            0 => Ok(None),
            1 => Ok(rows.pop()),
            n => Err(Error::message(format!("expected at most one row, the statement returned {n}"))),
        }
    }

    /// The rows one at a time ([`Cursor::rows`]).
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// for note in durable::query!(migrations = "tests/migrations", sql, "SELECT id FROM notes")?.rows() {
    ///     let id = note?.id;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn rows(self) -> Rows<Row> {
        self.cursor.rows()
    }

    /// The cursor underneath (column names, rows read and written).
    ///
    /// ```no_run
    /// # fn demo(sql: durable::sql::Sql) -> durable::Result<()> {
    /// let query = durable::query!(migrations = "tests/migrations", sql, "SELECT id FROM notes")?;
    /// let read = query.cursor().rows_read();
    /// # Ok(()) }
    /// ```
    pub fn cursor(&self) -> &Cursor {
        &self.cursor
    }
}

/// The field types a [`crate::query_as!`] struct may use for a column, by the
/// column's declared SQLite type (its affinity): the macro checks each field
/// with [`value`](column::value) (or [`nullable`](column::nullable) for a column that can hold NULL). A column
/// with no declared type (an expression) or NUMERIC affinity takes any type.
/// Implement [`Decodes`](column::Decodes) for a type of your own that deserializes from the
/// column's values.
///
/// ```
/// use durable::sql::column::{value, Integer, Text};
/// value::<Integer, i64>(&7);
/// value::<Text, Option<String>>(&None);
/// ```
pub mod column {
    /// SQLite INTEGER affinity (`INTEGER`, `INT`, `BIGINT`..).
    pub struct Integer;
    /// SQLite REAL affinity (`REAL`, `FLOAT`, `DOUBLE`..).
    pub struct Real;
    /// SQLite TEXT affinity (`TEXT`, `VARCHAR(n)`, `CLOB`..).
    pub struct Text;
    /// A `BLOB` column.
    pub struct Blob;
    /// No declared type, or NUMERIC affinity: any value.
    pub struct Any;

    /// `Self` deserializes from the values a column of SQLite type `K` holds.
    ///
    /// ```
    /// use durable::sql::column::{Decodes, Text};
    /// #[derive(serde::Deserialize)]
    /// struct Email(String);
    /// impl Decodes<Text> for Email {}
    /// ```
    #[diagnostic::on_unimplemented(
        message = "a column of SQLite type `{K}` does not decode into `{Self}`",
        label = "the row struct's field for this column has type `{Self}`",
        note = "INTEGER columns decode into i64 (or a smaller integer), REAL into f64, TEXT into String, BLOB into durable::rpc::Bytes; a nullable column into an Option of those"
    )]
    pub trait Decodes<K> {}

    /// `Self` also accepts the NULL of a nullable column.
    #[diagnostic::on_unimplemented(
        message = "this column can be NULL, and its field has type `{Self}`",
        label = "the column's table does not declare it NOT NULL",
        note = "make the field an `Option`, or declare the column NOT NULL in a migration"
    )]
    pub trait DecodesNull<K> {}

    macro_rules! decodes {
        ($kind:ty: $($t:ty),*) => {$(
            impl Decodes<$kind> for $t {}
        )*};
    }
    decodes!(Integer: i64, i32, i16, i8, u64, u32, u16, u8, isize, usize, f64);
    decodes!(Real: f64, f32);
    decodes!(Text: String, Box<str>, std::rc::Rc<str>, std::sync::Arc<str>);
    decodes!(Blob: crate::rpc::Bytes);
    decodes!(Integer: crate::sql::SqlValue);
    decodes!(Real: crate::sql::SqlValue);
    decodes!(Text: crate::sql::SqlValue);
    decodes!(Blob: crate::sql::SqlValue);

    impl<K, T: Decodes<K>> Decodes<K> for Option<T> {}
    impl<K, T: Decodes<K>> DecodesNull<K> for Option<T> {}
    impl<K> DecodesNull<K> for crate::sql::SqlValue {}

    /// Checks (at compile time) that `T` decodes a column of type `K`.
    ///
    /// ```
    /// durable::sql::column::value::<durable::sql::column::Real, f64>(&1.5);
    /// ```
    pub fn value<K, T: Decodes<K>>(_: &T) {}

    /// Checks (at compile time) that `T` decodes a nullable column of type `K`.
    ///
    /// ```
    /// durable::sql::column::nullable::<durable::sql::column::Text, Option<String>>(&None);
    /// ```
    pub fn nullable<K, T: Decodes<K> + DecodesNull<K>>(_: &T) {}
}
