// The migrations folder is relative to Cargo.toml; trybuild compiles this
// file in target/tests/trybuild/durable-tests, four levels below the checkout.
fn titles(sql: &durable::sql::Sql) -> durable::Result<Vec<String>> {
    let rows = durable::query!(migrations = "../../../../tests/ui/migrations", sql, "SELECT titel FROM notes ORDER BY id")?.all()?;
    Ok(rows.into_iter().map(|row| row.title).collect())
}

fn main() {}
