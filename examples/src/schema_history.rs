//! Migrations with a checksummed history: `migrate` records each step's
//! checksum and refuses a step that was edited after this object applied it.
//! `migrate_edited` runs the same schema with its first step's text changed,
//! as a deploy with an edited migration file would.

use durable::prelude::*;
use durable::sql::Migration;

const SCHEMA: &[Migration] = &[Migration { version: 1, name: "items", sql: "CREATE TABLE items (id INTEGER PRIMARY KEY)" }];

const EDITED: &[Migration] = &[Migration { version: 1, name: "items", sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)" }];

/// An object whose schema history can be checked against an edited step.
#[durable_object]
pub struct SchemaHistory {
    state: State,
}

#[durable_object]
impl SchemaHistory {
    pub fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    /// Applies the schema; returns the version reached.
    pub fn migrate(&self) -> Result<i64> {
        self.state.storage().migrate(SCHEMA)
    }

    /// Applies the schema with its first step edited.
    pub fn migrate_edited(&self) -> Result<i64> {
        self.state.storage().migrate(EDITED)
    }

    /// The recorded checksums, by version.
    pub fn checksums(&self) -> Result<Vec<(i64, String)>> {
        let sql = self.state.storage().sql()?;
        sql.exec("SELECT version, checksum FROM _durable_migrations ORDER BY version", &[])?.raw()
    }
}
