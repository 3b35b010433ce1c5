fn find(sql: &durable::sql::Sql, id: i64) -> durable::Result<()> {
    durable::query!(migrations = "../../../../tests/ui/migrations", sql, "SELECT title FROM notes WHERE id = ? AND title = ?", id)?;
    durable::execute!(migrations = "../../../../tests/ui/migrations", sql, "DELETE FROM notes", id)?;
    Ok(())
}

fn main() {}
