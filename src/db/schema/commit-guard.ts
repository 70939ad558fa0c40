/**
 * A table that never holds a row: its CHECK makes a commit batch fail as a whole. records/ appends
 * `INSERT INTO commit_guard SELECT changes() WHERE changes() <> 1` right after the statement that must have
 * changed exactly one row (the event copied from a version-guarded UPDATE); when a concurrent writer got there
 * first, the insert violates `stale_record_version` and D1 rolls back every statement of the batch.
 */
import { sql } from "drizzle-orm";
import { check, integer, sqliteTable } from "drizzle-orm/sqlite-core";

export const commitGuard = sqliteTable("commit_guard", { changed: integer("changed").notNull() }, (table) => [
  check("stale_record_version", sql`${table.changed} = 1`),
]);
