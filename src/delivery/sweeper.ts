/**
 * The cron sweeper: nudges every tenant whose newest event is past its delivery cursor, so a lost queue
 * message or a crashed Durable Object only delays delivery (docs/ARCHITECTURE.md, invariant 1).
 */
import type { Bindings } from "../runtime/env";
import { database } from "../db/client";
import { deliveryCursors } from "../db/schema";
import { tenantsPastCursor } from "../records/event-feed";

export function laggingTenants(env: Bindings): Promise<string[]> {
  return tenantsPastCursor(database(env.DB), { table: deliveryCursors, tenantId: deliveryCursors.tenantId, seq: deliveryCursors.seq });
}

export async function sweep(env: Bindings): Promise<number> {
  const tenants = await laggingTenants(env);
  // sendBatch takes at most 100 messages.
  for (let start = 0; start < tenants.length; start += 100) {
    await env.DELIVERY_QUEUE.sendBatch(tenants.slice(start, start + 100).map((tenant) => ({ body: { tenant } })));
  }
  return tenants.length;
}
