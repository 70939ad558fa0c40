/**
 * Records found by a vendor's own identifier (record_keys): ServiceNow's sys_id, an HR employee_id per
 * provisioning destination. The key row is written in the same batch as the record it names, and its primary
 * key makes a concurrent duplicate create fail as a whole instead of creating a second record.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { recordKeys, records, type StoredRecord } from "../db/schema";
import type { SQLRecordId } from "./record-writes";

export interface RecordKey {
  tenantId: string;
  scope: string;
  key: string;
}

export async function findRecordByKey(db: Database, recordKey: RecordKey): Promise<StoredRecord | null> {
  const row = await db
    .select({ record: records })
    .from(recordKeys)
    .innerJoin(
      records,
      and(eq(records.tenantId, recordKeys.tenantId), eq(records.form, recordKeys.form), eq(records.id, recordKeys.recordId)),
    )
    .where(and(eq(recordKeys.tenantId, recordKey.tenantId), eq(recordKeys.scope, recordKey.scope), eq(recordKeys.key, recordKey.key)))
    .get();
  return row?.record ?? null;
}

/** The statement that links the key to a record being created in the same batch. */
export const linkRecordKey = (db: Database, recordKey: RecordKey, form: string, recordId: SQLRecordId, now = Date.now()) =>
  db.insert(recordKeys).values({ ...recordKey, form, recordId, createdAt: now });

/** True when D1 refused a write because a unique or primary key already exists. */
export const isUniqueViolation = (error: unknown): boolean =>
  error instanceof Error && /UNIQUE constraint failed|PRIMARY KEY/i.test(`${error.message} ${String(error.cause ?? "")}`);
