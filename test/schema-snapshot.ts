/**
 * A migrated D1 database's schema as the SQL text SQLite keeps for it, read once per run and replayed onto an
 * emptied database in one batch: far cheaper than applying every migration again for every test file.
 */

export interface AppliedSchema {
  /** CREATE statements for every table and index, in the order SQLite created them. */
  statements: string[];
  /** The migrations recorded as applied (d1_migrations), in order. */
  migrations: string[];
}

// SQLite's own objects (sqlite_sequence, autoindexes) come and go with the tables; D1 keeps internal _cf_ tables.
const SCHEMA_QUERY = String.raw`SELECT sql FROM sqlite_master
  WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_cf\_%' ESCAPE '\'
  ORDER BY rowid`;

export async function readSchema(database: D1Database): Promise<AppliedSchema> {
  const objects = await database.prepare(SCHEMA_QUERY).all<{ sql: string }>();
  const migrations = await database.prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>();
  return { statements: objects.results.map((row) => row.sql), migrations: migrations.results.map((row) => row.name) };
}

/**
 * Drops every table `reset()` left behind. It normally leaves none, but a database still busy with the previous
 * file's background work can survive it; a file must not start on that file's rows.
 */
export async function emptyDatabase(database: D1Database): Promise<void> {
  const tables = await database.prepare(String.raw`SELECT name FROM sqlite_master
    WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_cf\_%' ESCAPE '\'`).all<{ name: string }>();
  if (tables.results.length === 0) return;
  const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
  // Deferred: tables go in any order, and none is left for a foreign key to point at when the batch commits.
  await database.batch([database.prepare("PRAGMA defer_foreign_keys = ON"), ...tables.results.map((table) => database.prepare(`DROP TABLE ${quoted(table.name)}`))]);
}

/** Recreates `schema` on an empty database (d1_migrations included, so applyD1Migrations would find nothing to do). */
export async function replaySchema(database: D1Database, schema: AppliedSchema): Promise<void> {
  const record = database.prepare("INSERT INTO d1_migrations (name) VALUES (?)");
  await database.batch([...schema.statements.map((sql) => database.prepare(sql)), ...schema.migrations.map((name) => record.bind(name))]);
}
