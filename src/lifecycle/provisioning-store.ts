/**
 * The `provisionings` table (db/schema/provisionings.ts), on the tenant's shard: its one owner. Rows are written
 * only inside the batch of the user event they belong to (records/record-events.ts): the request's row beside
 * its `provision` event, the reported outcome beside its `provision_result` event, guarded so that a second
 * report of the same provisioning rolls its whole batch back; a user's erasure deletes its rows in its own batch.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { deleteOldest, type PruneBatch } from "../db/prune";
import { provisionings, type Provisioning } from "../db/schema";
import { abortUnlessOneRowChanged } from "../records/record-events";

export type NewProvisioning = Omit<Provisioning, "isSuccess" | "uid" | "completedAt">;

export async function findProvisioning(db: Database, tenantId: string, recordId: string, id: string): Promise<Provisioning | null> {
  const row = await db
    .select()
    .from(provisionings)
    .where(and(eq(provisionings.tenantId, tenantId), eq(provisionings.recordId, recordId), eq(provisionings.id, id)))
    .get();
  return row ?? null;
}

/** The statement that records a new provisioning (for its event's batch). */
export const insertProvisioning = (db: Database, row: NewProvisioning): BatchItem<"sqlite"> => db.insert(provisionings).values(row);

/** The statements that record the outcome, and roll the batch back unless this is the first report. */
export function completeProvisioning(db: Database, tenantId: string, id: string, outcome: { isSuccess: boolean; uid: string; now: number }): BatchItem<"sqlite">[] {
  return [
    db
      .update(provisionings)
      .set({ isSuccess: outcome.isSuccess, uid: outcome.uid, completedAt: outcome.now })
      .where(and(eq(provisionings.tenantId, tenantId), eq(provisionings.id, id), isNull(provisionings.completedAt))),
    abortUnlessOneRowChanged(db),
  ];
}

/** The statement that deletes every provisioning of a user (for its erasure's batch, user-erasure.ts). */
export const deleteUserProvisionings = (db: Database, tenantId: string, recordId: string): BatchItem<"sqlite"> =>
  db.delete(provisionings).where(and(eq(provisionings.tenantId, tenantId), eq(provisionings.recordId, recordId)));

/** Retention: deletes up to `limit` provisionings whose result was reported before `before`; open ones stay. */
export const pruneCompletedProvisionings = (db: Database, batch: PruneBatch): Promise<number> =>
  deleteOldest(db, provisionings, { tenant: provisionings.tenantId, time: provisionings.completedAt }, batch);
