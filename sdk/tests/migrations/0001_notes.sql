-- The schema the SQL macros' doc examples are checked against.
CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT);
