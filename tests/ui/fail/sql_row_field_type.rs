#[derive(serde::Deserialize)]
struct WrongType {
    id: String,
    title: String,
}

#[derive(serde::Deserialize)]
struct NotOptional {
    id: i64,
    body: String,
}

#[derive(serde::Deserialize)]
struct ExtraField {
    id: i64,
    title: String,
    author: String,
}

fn read(sql: &durable::sql::Sql) -> durable::Result<()> {
    durable::query_as!(migrations = "../../../../tests/ui/migrations", WrongType, sql, "SELECT id, title FROM notes")?;
    durable::query_as!(migrations = "../../../../tests/ui/migrations", NotOptional, sql, "SELECT id, body FROM notes")?;
    durable::query_as!(migrations = "../../../../tests/ui/migrations", ExtraField, sql, "SELECT id, title FROM notes")?;
    Ok(())
}

fn main() {}
