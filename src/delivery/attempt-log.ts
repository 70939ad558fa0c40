/**
 * Reading the delivery attempt log (D1 `delivery_attempts`): the attempts of one delivery, first to last.
 * The TenantDelivery object writes the log; the tenant API reads it here.
 */
import { and, asc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { deliveryAttempts, type DeliveryAttempt } from "../db/schema";

export function listDeliveryAttempts(db: Database, tenantId: string, deliveryId: string): Promise<DeliveryAttempt[]> {
  return db
    .select()
    .from(deliveryAttempts)
    .where(and(eq(deliveryAttempts.tenantId, tenantId), eq(deliveryAttempts.deliveryId, deliveryId)))
    .orderBy(asc(deliveryAttempts.attempt))
    .all();
}
