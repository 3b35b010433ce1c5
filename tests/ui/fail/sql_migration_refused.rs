// A migration that would fail on the runtime fails the build instead.
const MIGRATIONS: &[durable::sql::Migration] = durable::migrations!("../../../../tests/ui/migrations_refused");

fn main() {
    let _ = MIGRATIONS;
}
