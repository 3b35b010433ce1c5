// Checked statements compile to ordinary `Sql::exec` calls with typed rows.
const MIGRATIONS: &[durable::sql::Migration] = durable::migrations!("../../../../tests/ui/migrations");

#[derive(Debug, serde::Deserialize)]
struct Note {
    id: i64,
    title: String,
    body: Option<String>,
    score: f64,
}

#[allow(dead_code)]
fn use_it(sql: &durable::sql::Sql, id: i64) -> durable::Result<()> {
    let row = durable::query!(migrations = "../../../../tests/ui/migrations", sql, "SELECT id, title, body, score, length(title) AS n FROM notes WHERE id = ?", id)?.one()?;
    let _: (i64, String, Option<String>, f64, durable::sql::SqlValue) = (row.id, row.title, row.body, row.score, row.n);
    let notes: Vec<Note> = durable::query_as!(migrations = "../../../../tests/ui/migrations", Note, sql, "SELECT id, title, body, score FROM notes")?.all()?;
    let _ = notes;
    let written = durable::execute!(migrations = "../../../../tests/ui/migrations", sql, "UPDATE notes SET body = ? WHERE id = ?", "text", id)?.rows_written();
    let _ = written;
    durable::execute!(migrations = "../../../../tests/ui/migrations", sql, "CREATE TABLE t (x); INSERT INTO t VALUES (1); DROP TABLE t")?;
    Ok(())
}

fn main() {
    assert_eq!(MIGRATIONS.len(), 2);
    assert_eq!((MIGRATIONS[1].version, MIGRATIONS[1].name), (2, "score"));
    assert!(MIGRATIONS[0].sql.starts_with("CREATE TABLE notes"));
}
