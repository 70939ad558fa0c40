-- The reference Worker's only table: one row per accepted request.
CREATE TABLE tickets (
  id TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
