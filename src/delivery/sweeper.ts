/**
 * The cron sweeper: nudges every tenant whose newest event is past its delivery cursor, so a lost queue
 * message or a crashed Durable Object only delays delivery (DESIGN.md invariant 1).
 */
import { sql } from "drizzle-orm";
import type { Bindings } from "../runtime/env";
import { database } from "../db/client";
import { deliveryCursors, events } from "../db/schema";

export async function laggingTenants(env: Bindings): Promise<string[]> {
  const rows = await database(env.DB).all<{ tenant_id: string }>(sql`
    SELECT e.tenant_id AS tenant_id
    FROM (SELECT ${events.tenantId} AS tenant_id, MAX(${events.seq}) AS newest FROM ${events} GROUP BY ${events.tenantId}) e
    LEFT JOIN ${deliveryCursors} c ON c.tenant_id = e.tenant_id
    WHERE c.seq IS NULL OR c.seq < e.newest`);
  return rows.map((row) => row.tenant_id);
}

export async function sweep(env: Bindings): Promise<number> {
  const tenants = await laggingTenants(env);
  // sendBatch takes at most 100 messages.
  for (let start = 0; start < tenants.length; start += 100) {
    await env.DELIVERY_QUEUE.sendBatch(tenants.slice(start, start + 100).map((tenant) => ({ body: { tenant } })));
  }
  return tenants.length;
}
