//! The SQL benchmark's Rust object (`bench/sql.mjs`); `JsSqlBench` in
//! `examples/js-caller` does the same work in JavaScript.

use durable::prelude::*;
use durable::sql::Migration;
use serde::Deserialize;

/// The benchmark's table (`reset` recreates it from this).
const SCHEMA: &[Migration] = durable::migrations!("migrations/sql_bench");

/// A table of `n` rows, written and read in the ways the benchmark compares.
#[durable_object]
pub struct SqlBench {
    state: State,
}

#[derive(Deserialize)]
#[allow(dead_code)] // read to measure conversion, not used
struct Row {
    id: i64,
    name: String,
    score: f64,
}

#[durable_object]
impl SqlBench {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    /// Recreates the table, empty.
    pub fn reset(&self) -> Result<()> {
        let sql = self.state.storage().sql()?;
        durable::execute!(migrations = "migrations/sql_bench", sql, "DROP TABLE IF EXISTS rows")?;
        // The table as `migrations/sql_bench` declares it (the queries below
        // are checked against that file).
        sql.exec(SCHEMA[0].sql, &[])?;
        Ok(())
    }

    /// Inserts `n` rows, one statement each.
    pub fn insert_each(&self, n: u32) -> Result<u32> {
        let sql = self.state.storage().sql()?;
        for i in 0..n {
            durable::execute!(
                migrations = "migrations/sql_bench",
                sql,
                "INSERT INTO rows (id, name, score) VALUES (?, ?, ?)",
                i,
                format!("row {i}"),
                f64::from(i) * 0.5
            )?;
        }
        Ok(n)
    }

    /// Inserts `n` rows in one transaction.
    pub fn insert_batch(&self, n: u32, offset: u32) -> Result<u32> {
        let storage = self.state.storage();
        let sql = storage.sql()?;
        // Checked: in a release build `offset + n` would wrap past u32::MAX and insert nothing.
        let end = offset
            .checked_add(n)
            .ok_or_else(|| Error::message(format!("insert_batch: offset {offset} + {n} rows is over u32::MAX ({})", u32::MAX)))?;
        storage.transaction_sync(move || {
            for i in offset..end {
                durable::execute!(
                    migrations = "migrations/sql_bench",
                    sql,
                    "INSERT INTO rows (id, name, score) VALUES (?, ?, ?)",
                    i,
                    format!("row {i}"),
                    f64::from(i) * 0.5
                )?;
            }
            Ok(n)
        })
    }

    /// Reads every row as a typed struct; returns how many.
    pub fn read_all(&self) -> Result<u32> {
        let sql = self.state.storage().sql()?;
        let rows = durable::query_as!(migrations = "migrations/sql_bench", Row, sql, "SELECT id, name, score FROM rows")?.all()?;
        Ok(rows.len() as u32)
    }

    /// `n` point lookups by primary key; returns how many were found.
    pub fn lookup(&self, n: u32, modulo: u32) -> Result<u32> {
        let sql = self.state.storage().sql()?;
        let mut found = 0;
        // In i64: u32::MAX * 7919 < 2^45 cannot overflow (in u32 it wraps from i = 542,363).
        for i in 0..n {
            let rows = durable::query_as!(
                migrations = "migrations/sql_bench",
                Row,
                sql,
                "SELECT id, name, score FROM rows WHERE id = ?",
                (i64::from(i) * 7919) % i64::from(modulo.max(1))
            )?
            .all()?;
            found += rows.len() as u32;
        }
        Ok(found)
    }
}
