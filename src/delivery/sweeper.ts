/**
 * The cron sweeper: nudges every tenant whose newest event is past its delivery cursor, or whose earliest open
 * delivery is overdue by more than a minute (its alarm was lost), so a lost queue message, a lost alarm or a
 * crashed Durable Object only delays delivery (docs/ARCHITECTURE.md, invariant 1). Suspended tenants are left asleep.
 */
import { and, asc, isNotNull, lt } from "drizzle-orm";
import type { Bindings } from "../runtime/env";
import { database, type Database } from "../db/client";
import { shardBindings } from "../db/shards";
import { deliveryCursors } from "../db/schema";
import { tenantsPastCursor } from "../records/event-feed";
import { suspendedAmong } from "../tenancy/tenant-store";

/** The most tenants one sweep nudges; the rest wait for the next sweep (each nudged tenant catches up meanwhile). */
export const MAX_SWEPT_TENANTS = 1000;

/** How late an open delivery may be before the sweeper counts its alarm as lost. */
export const OVERDUE_AFTER_MS = 60_000;

export const deliveryCursorTable = { table: deliveryCursors, tenantId: deliveryCursors.tenantId, seq: deliveryCursors.seq };

/** The tenants whose earliest open delivery is overdue by more than OVERDUE_AFTER_MS, most overdue first (unrun). */
export const overdueTenants = (db: Database, now: number) =>
  db
    .select({ tenantId: deliveryCursors.tenantId })
    .from(deliveryCursors)
    .where(and(isNotNull(deliveryCursors.nextDueAt), lt(deliveryCursors.nextDueAt, now - OVERDUE_AFTER_MS)))
    .orderBy(asc(deliveryCursors.nextDueAt))
    .limit(MAX_SWEPT_TENANTS);

/** The lists' items taking turns (first of each, then second of each, ...), so no list crowds the others out. */
const takingTurns = (lists: readonly (readonly string[])[]): string[] =>
  Array.from({ length: Math.max(0, ...lists.map((list) => list.length)) }, (_, i) => lists.map((list) => list[i]))
    .flat()
    .filter((item) => item !== undefined);

/** One shard's tenants that lag behind their events or have overdue deliveries, the two kinds taking turns. */
async function laggingOnShard(shard: Database, now: number): Promise<string[]> {
  const [lagging, overdue] = await Promise.all([tenantsPastCursor(shard, deliveryCursorTable, MAX_SWEPT_TENANTS), overdueTenants(shard, now).all()]);
  return takingTurns([lagging, overdue.map((row) => row.tenantId)]);
}

/**
 * Up to MAX_SWEPT_TENANTS active tenants that lag behind their events or have overdue deliveries. Events and
 * cursors live on the tenants' shards: each shard is walked on its own (each query an index walk, one seek per
 * tenant), all at once, and the shards take turns in the result so none crowds the others out.
 */
export async function laggingTenants(env: Bindings, now = Date.now()): Promise<string[]> {
  const perShard = await Promise.all(shardBindings(env).map((shard) => laggingOnShard(database(shard), now)));
  const tenants = [...new Set(takingTurns(perShard))].slice(0, MAX_SWEPT_TENANTS);
  const suspended = await suspendedAmong(database(env.DB), tenants);
  return tenants.filter((tenant) => !suspended.has(tenant));
}

export async function sweep(env: Bindings, now = Date.now()): Promise<number> {
  const tenants = await laggingTenants(env, now);
  // sendBatch takes at most 100 messages.
  for (let start = 0; start < tenants.length; start += 100) {
    await env.DELIVERY_QUEUE.sendBatch(tenants.slice(start, start + 100).map((tenant) => ({ body: { tenant } })));
  }
  return tenants.length;
}
