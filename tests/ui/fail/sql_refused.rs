fn refused(sql: &durable::sql::Sql) -> durable::Result<()> {
    durable::execute!(migrations = "../../../../tests/ui/migrations", sql, "ATTACH DATABASE 'other.db' AS other")?;
    durable::execute!(migrations = "../../../../tests/ui/migrations", sql, "PRAGMA journal_mode = WAL")?;
    durable::execute!(migrations = "../../../../tests/ui/migrations", sql, "BEGIN TRANSACTION")?;
    durable::execute!(migrations = "../../../../tests/ui/migrations", sql, "CREATE TABLE _cf_mine (x)")?;
    durable::query!(migrations = "../../../../tests/ui/migrations", sql, "SELECT sqlite_version() AS v")?;
    Ok(())
}

fn main() {}
