-- The seats of a flight (the cookbook's seat map).
CREATE TABLE seats (
  seat TEXT PRIMARY KEY NOT NULL,
  passenger TEXT
);
