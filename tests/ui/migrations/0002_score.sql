ALTER TABLE notes ADD COLUMN score REAL NOT NULL DEFAULT 0;
CREATE INDEX notes_by_title ON notes (title);
