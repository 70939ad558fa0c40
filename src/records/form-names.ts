/**
 * Form names ignoring case (the `forms` table): the first spelling a tenant writes a form under is its name, and
 * every other spelling resolves to it, so `USER` (a thin event's entityType) finds the records of `User`. A
 * form's name never changes once written, so this isolate keeps what it has resolved (bounded), per database:
 * a database is one client per binding (db/client.ts), and the fault simulator's worlds each have their own.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { forms } from "../db/schema";
import { TtlCache } from "../http/ttl-cache";
import { formNameKey } from "./record-ids";

/** Names never change; the bound only caps memory. */
const KEPT_MS = 60 * 60 * 1000;
const knownByDatabase = new WeakMap<Database, TtlCache<string, string>>();

function known(db: Database): TtlCache<string, string> {
  let cache = knownByDatabase.get(db);
  if (!cache) {
    cache = new TtlCache<string, string>(KEPT_MS, 10_000);
    knownByDatabase.set(db, cache);
  }
  return cache;
}

const cacheKey = (tenantId: string, name: string) => `${tenantId}\u0000${formNameKey(name)}`;

/** The form's name as first written, or null when the tenant has never written the form (nothing is registered). */
export async function findFormName(db: Database, tenantId: string, name: string): Promise<string | null> {
  const cached = known(db).get(cacheKey(tenantId, name));
  if (cached !== undefined) return cached;
  const row = await db
    .select({ name: forms.name })
    .from(forms)
    .where(and(eq(forms.tenantId, tenantId), eq(forms.nameKey, formNameKey(name))))
    .get();
  if (row) known(db).set(cacheKey(tenantId, name), row.name);
  return row?.name ?? null;
}

/** A form named for reading: its registered name, or the name as given when the tenant has none like it. */
export const resolveFormName = async (db: Database, tenantId: string, name: string): Promise<string> =>
  (await findFormName(db, tenantId, name)) ?? name;

/**
 * The form's name for a write: the registered one, or `name`, registered now. Two first writes racing with
 * different spellings both read back the one that was inserted first.
 */
export async function registerFormName(db: Database, tenantId: string, name: string, now = Date.now()): Promise<string> {
  const cached = known(db).get(cacheKey(tenantId, name));
  if (cached !== undefined) return cached;
  // One round trip whether or not the form exists: insert if new, then read what is there.
  const [, rows] = await db.batch([
    db.insert(forms).values({ tenantId, nameKey: formNameKey(name), name, createdAt: now }).onConflictDoNothing(),
    db.select({ name: forms.name }).from(forms).where(and(eq(forms.tenantId, tenantId), eq(forms.nameKey, formNameKey(name)))),
  ]);
  const registered = rows[0]?.name ?? name;
  known(db).set(cacheKey(tenantId, name), registered);
  return registered;
}
