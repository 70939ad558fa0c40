/** Retention inside a tenant's delivery object: its closed deliveries, pruned by the cron (see admin/retention-job.ts). */
import type { Bindings } from "../runtime/env";

/** Deletes up to `limit` of the tenant's closed deliveries last changed before `before`; returns how many. */
export function pruneClosedDeliveries(env: Bindings, tenantId: string, before: number, limit: number): Promise<number> {
  return env.TENANT_DELIVERY.get(env.TENANT_DELIVERY.idFromName(tenantId)).pruneClosed(before, limit);
}
