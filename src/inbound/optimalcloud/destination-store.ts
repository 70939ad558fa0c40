/**
 * Provisioning destinations in D1. Deleting one only marks it: a deleted destination is no longer live, so
 * its HR webhook URLs answer 404 while the row stays. Creating and deleting one writes its audit row in the
 * same batch.
 */
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/client";
import { provisioningDestinations, type ProvisioningDestination, type ProvisioningType } from "../../db/schema";
import { randomBytes, toHex } from "../../runtime/crypto";
import { AppError } from "../../runtime/errors";
import type { Actor } from "../../audit/actor";
import { auditRow } from "../../audit/audit-log";

/** The tenant's destinations that are not deleted. */
const liveDestinationsOf = (tenantId: string) =>
  and(eq(provisioningDestinations.tenantId, tenantId), isNull(provisioningDestinations.deletedAt));

export async function createDestination(
  db: Database,
  tenantId: string,
  input: { name: string; type: ProvisioningType },
  actor: Actor,
): Promise<ProvisioningDestination> {
  const id = toHex(randomBytes(12));
  const now = Date.now();
  const [[created]] = await db.batch([
    db.insert(provisioningDestinations).values({ id, tenantId, name: input.name, type: input.type, createdAt: now }).returning(),
    auditRow(db, tenantId, { actor, action: "provisioning_destination.created", targetId: id, changes: { name: input.name, type: input.type } }, { now }),
  ]);
  return created!;
}

/** The tenant's live destinations, oldest first. */
export const listDestinations = (db: Database, tenantId: string): Promise<ProvisioningDestination[]> =>
  db.select().from(provisioningDestinations).where(liveDestinationsOf(tenantId)).orderBy(asc(provisioningDestinations.createdAt)).all();

/** A live destination of this tenant, or 404: another tenant's plugin_id is indistinguishable from none. */
export async function findDestination(db: Database, tenantId: string, pluginId: string): Promise<ProvisioningDestination> {
  const destination = await db
    .select()
    .from(provisioningDestinations)
    .where(and(eq(provisioningDestinations.id, pluginId), liveDestinationsOf(tenantId)))
    .get();
  if (!destination) throw new AppError("NOT_FOUND", `No provisioning destination '${pluginId}'`);
  return destination;
}

/** Deletes a live destination of this tenant, or 404 as findDestination. */
export async function deleteDestination(db: Database, tenantId: string, pluginId: string, actor: Actor): Promise<void> {
  const destination = await findDestination(db, tenantId, pluginId);
  await db.batch([
    db.update(provisioningDestinations).set({ deletedAt: Date.now() }).where(and(eq(provisioningDestinations.id, destination.id), isNull(provisioningDestinations.deletedAt))),
    auditRow(db, tenantId, { actor, action: "provisioning_destination.deleted", targetId: destination.id }, { ifChanged: true }),
  ]);
}
