/**
 * The tenants table: create, find, list and change tenants. A change drops the tenant from this isolate's
 * lookup cache (resolve-tenant.ts), so the new status or name applies at once here.
 */
import { and, asc, count, desc, eq, gt, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { tenants, type Tenant, type TenantStatus } from "../db/schema";
import { AppError } from "../runtime/errors";
import { newId } from "../runtime/crypto";
import { leastLoadedShard } from "../db/shards";
import { tenantCache } from "./resolve-tenant";

export async function findTenantBySlug(db: Database, slug: string): Promise<Tenant> {
  const tenant = await db.select().from(tenants).where(eq(tenants.slug, slug)).get();
  if (!tenant) throw new AppError("TENANT_NOT_FOUND", `Tenant '${slug}' does not exist`);
  return tenant;
}

export const findTenantById = async (db: Database, id: string): Promise<Tenant | null> =>
  (await db.select().from(tenants).where(eq(tenants.id, id)).get()) ?? null;

/** The suspended tenants among `ids`: primary-key lookups, in one round trip however many ids. */
export async function suspendedAmong(db: Database, ids: readonly string[]): Promise<Set<string>> {
  // D1 binds at most 100 parameters per statement.
  const queries = chunk(ids, 99).map((part) =>
    db.select({ id: tenants.id }).from(tenants).where(and(inArray(tenants.id, part), eq(tenants.status, "suspended"))),
  );
  const [first, ...rest] = queries;
  if (!first) return new Set();
  const results = await db.batch([first, ...rest]);
  return new Set(results.flat().map((row) => row.id));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/**
 * A new active tenant, placed on the least-loaded of `shardCount` shards (db/shards.ts); a slug already taken
 * is a CONFLICT. Two tenants created at once may both count the same loads and land together: placement
 * balances over time, it does not have to be exact.
 */
export async function createTenant(db: Database, input: { slug: string; name: string; shardCount: number }, now = Date.now()): Promise<Tenant> {
  const loads = await db.select({ shard: tenants.shard, count: count() }).from(tenants).groupBy(tenants.shard).all();
  const shard = leastLoadedShard(new Map(loads.map((load) => [load.shard, load.count])), input.shardCount);
  const [tenant] = await db
    .insert(tenants)
    .values({ id: newId("ten"), slug: input.slug, name: input.name, status: "active", shard, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  if (!tenant) throw new AppError("CONFLICT", `Tenant '${input.slug}' already exists`);
  return tenant;
}

export const listTenants = (db: Database): Promise<Tenant[]> => db.select().from(tenants).orderBy(desc(tenants.createdAt)).all();

/** Up to `limit` tenants in slug order after `after` (from the first when null): a bounded page for a scrape. */
export const listTenantsAfter = (db: Database, after: string | null, limit: number): Promise<Tenant[]> =>
  db.select().from(tenants).where(after === null ? undefined : gt(tenants.slug, after)).orderBy(asc(tenants.slug)).limit(limit).all();

export async function changeTenant(db: Database, slug: string, change: { name?: string; status?: TenantStatus; retentionDays?: number }): Promise<Tenant> {
  const tenant = await findTenantBySlug(db, slug);
  const [updated] = await db
    .update(tenants)
    .set({ ...change, updatedAt: Date.now() })
    .where(eq(tenants.id, tenant.id))
    .returning();
  tenantCache.delete(tenant.slug);
  return updated!;
}

/** The `limit` tenants whose history waits longest for the cron's retention pass (never pruned first). */
export function tenantsToPrune(db: Database, limit: number): Promise<Pick<Tenant, "id" | "retentionDays" | "shard">[]> {
  return db.select({ id: tenants.id, retentionDays: tenants.retentionDays, shard: tenants.shard }).from(tenants).orderBy(asc(tenants.prunedAt)).limit(limit).all();
}

/** Notes that the cron's retention pass visited these tenants at `now`. */
export async function markPruned(db: Database, ids: readonly string[], now: number): Promise<void> {
  if (ids.length > 0) await db.update(tenants).set({ prunedAt: now }).where(inArray(tenants.id, [...ids]));
}
