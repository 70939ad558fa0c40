/**
 * Deleting a tenant's oldest rows in bounded batches (retention): one statement deletes at most `limit` rows,
 * chosen through a (tenant, time) index, so no prune is ever one unbounded statement and a run's cost is
 * known in advance. The module that owns a table calls this with its own columns.
 */
import { sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "./client";

export interface PruneBatch {
  tenantId: string;
  /** Epoch ms: rows older than this go. */
  before: number;
  /** The most rows one call deletes. */
  limit: number;
}

/** Deletes up to `limit` of the tenant's rows whose `time` is before `before`, oldest first; returns how many. */
export async function deleteOldest(db: Database, table: SQLiteTable, columns: { tenant: SQLiteColumn; time: SQLiteColumn }, batch: PruneBatch): Promise<number> {
  const { tenant, time } = columns;
  return deletedRows(
    db,
    sql`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${tenant} = ${batch.tenantId} AND ${time} < ${batch.before} ORDER BY ${time} LIMIT ${batch.limit})`,
  );
}

/** Runs a DELETE and returns the number of rows it removed. */
export async function deletedRows(db: Database, statement: SQL): Promise<number> {
  const result = await db.run(statement);
  return result.meta.changes ?? 0;
}
