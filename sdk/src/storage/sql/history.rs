//! The checksums of applied migrations (`_durable_migrations.checksum`), so
//! that a migration edited after an object ran it is an error at the next
//! [`crate::Storage::migrate`] instead of a schema that silently differs.

use super::{Migration, Sql};
use crate::{Error, Result};

/// FNV-1a (64 bits) of a migration's SQL text, as 16 hex digits. It detects
/// edits (not tampering: it is not a cryptographic hash).
///
/// ```
/// use durable::sql::migration_checksum;
/// assert_eq!(migration_checksum(""), "cbf29ce484222325");
/// assert_ne!(migration_checksum("CREATE TABLE a (x)"), migration_checksum("CREATE TABLE a (y)"));
/// ```
pub fn migration_checksum(sql: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in sql.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Makes sure the record table has its `checksum` column, fills the
/// checksums of steps recorded without one (by an SDK before checksums),
/// and refuses a step whose text no longer matches what was applied.
pub(crate) fn verify(sql: &Sql, migrations: &[Migration]) -> Result<()> {
    if sql.exec("SELECT checksum FROM _durable_migrations LIMIT 0", &[]).is_err() {
        sql.exec("ALTER TABLE _durable_migrations ADD COLUMN checksum TEXT", &[])?;
    }
    #[derive(serde::Deserialize)]
    struct Applied {
        version: i64,
        checksum: Option<String>,
    }
    let applied: Vec<Applied> = sql.exec("SELECT version, checksum FROM _durable_migrations ORDER BY version", &[])?.all()?;
    for row in applied {
        let Some(step) = migrations.iter().find(|m| m.version == row.version) else { continue };
        let now = migration_checksum(step.sql);
        match row.checksum {
            None => {
                sql.exec("UPDATE _durable_migrations SET checksum = ? WHERE version = ?", &crate::params![now, row.version])?;
            }
            Some(recorded) if recorded != now => {
                return Err(Error::message(format!(
                    "migration {} ({}) was edited after this object applied it (its SQL's checksum is now {now}, {recorded} when it ran): \
                     an applied migration must not change; restore it and add a new migration with the change",
                    step.version, step.name
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}
