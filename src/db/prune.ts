/**
 * Deleting a tenant's oldest rows in bounded batches (retention): one statement deletes at most `limit` rows,
 * chosen through a (tenant, time) index, so no prune is ever one unbounded statement and a run's cost is
 * known in advance. The module that owns a table calls this with its own columns.
 */
import { sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "./client";

export interface PruneBatch {
  tenantId: string;
  /** Epoch ms: rows older than this go. */
  before: number;
  /** The most rows one call deletes. */
  limit: number;
}

/**
 * Keeps what rows about to be deleted counted: given a query of `(labels, n)` pairs over exactly those rows, a
 * statement that adds them up somewhere that outlives them (the metrics' tallies). It runs in the delete's batch.
 */
export type Tally = (labelledCounts: SQL) => BatchItem<"sqlite">;

/** The condition selecting the tenant's `limit` oldest rows whose `time` is before `before`. */
export function oldestRows(table: SQLiteTable, columns: { tenant: SQLiteColumn; time: SQLiteColumn }, batch: PruneBatch): SQL {
  const { tenant, time } = columns;
  return sql`rowid IN (SELECT rowid FROM ${table} WHERE ${tenant} = ${batch.tenantId} AND ${time} < ${batch.before} ORDER BY ${time} LIMIT ${batch.limit})`;
}

/** Deletes up to `limit` of the tenant's rows whose `time` is before `before`, oldest first; returns how many. */
export function deleteOldest(db: Database, table: SQLiteTable, columns: { tenant: SQLiteColumn; time: SQLiteColumn }, batch: PruneBatch): Promise<number> {
  return deletedRows(db, sql`DELETE FROM ${table} WHERE ${oldestRows(table, columns, batch)}`);
}

/**
 * Deletes the rows of `table` that `condition` selects, with `tally` over the very same rows first in one D1 batch
 * (a transaction): what they counted is kept exactly once, even if the run dies between two prunes.
 */
export async function deleteTallied(db: Database, table: SQLiteTable, condition: SQL, tally: { counts: (rows: SQL) => SQL; into: Tally }): Promise<number> {
  // Query builders, not db.run(): drizzle's batch binds parameters only for those.
  const [, deleted] = await db.batch([tally.into(tally.counts(condition)), db.delete(table).where(condition)]);
  return deleted.meta.changes ?? 0;
}

/** Runs a DELETE and returns the number of rows it removed. */
export async function deletedRows(db: Database, statement: SQL): Promise<number> {
  const result = await db.run(statement);
  return result.meta.changes ?? 0;
}
