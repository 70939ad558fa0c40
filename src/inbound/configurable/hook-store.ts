/**
 * Storage of configurable inbound hooks: rows in `inbound_hooks` (every query filtered on the tenant), secrets
 * sealed in KV under purpose `inbound_hook` (the row keeps only the reference), and the 24 h memory of vendor
 * event ids in `inbound_event_ids`. Creating, replacing and deleting a hook writes its audit row in the same batch.
 */
import { and, asc, eq, gt, lte } from "drizzle-orm";
import type { Database } from "../../db/client";
import { inboundEventIds, inboundHooks, type InboundHook } from "../../db/schema/inbound-hooks";
import type { SecretStore } from "../../secrets/secret-store";
import { isUniqueViolation } from "../../records/record-keys";
import { AppError } from "../../runtime/errors";
import { newId } from "../../runtime/crypto";
import { deleteOldest, type PruneBatch } from "../../db/prune";
import type { Actor } from "../../audit/actor";
import { auditRow } from "../../audit/audit-log";
import { CHANGED, fieldChanges } from "../../audit/changes";

export const SECRET_PURPOSE = "inbound_hook";
export const EVENT_ID_WINDOW_MS = 24 * 60 * 60 * 1000;

/** A hook as saved: everything but id, tenant, secret reference and timestamps. */
export type HookSettings = Pick<InboundHook, "name" | "preset" | "authKind" | "authSettings" | "event" | "form" | "template" | "syncKeys">;

const nameTaken = (name: string) => new AppError("CONFLICT", `An inbound hook named '${name}' already exists`);

export async function insertHook(
  db: Database,
  secrets: SecretStore,
  tenantId: string,
  settings: HookSettings,
  secret: string,
  actor: Actor,
  now = Date.now(),
): Promise<InboundHook> {
  const secretRef = await secrets.put({ tenantId, purpose: SECRET_PURPOSE }, secret);
  const id = newId("hook");
  try {
    const [[row]] = await db.batch([
      db
        .insert(inboundHooks)
        .values({ id, tenantId, ...settings, secretRef, createdAt: now, updatedAt: now })
        .returning(),
      auditRow(db, tenantId, { actor, action: "inbound_hook.created", targetId: id, changes: { ...settings, secret: CHANGED } }, { now }),
    ]);
    return row!;
  } catch (error) {
    await secrets.delete(tenantId, secretRef);
    if (isUniqueViolation(error)) throw nameTaken(settings.name);
    throw error;
  }
}

export async function findHook(db: Database, tenantId: string, id: string): Promise<InboundHook | null> {
  const row = await db.select().from(inboundHooks).where(and(eq(inboundHooks.tenantId, tenantId), eq(inboundHooks.id, id))).get();
  return row ?? null;
}

export function listHooks(db: Database, tenantId: string): Promise<InboundHook[]> {
  return db.select().from(inboundHooks).where(eq(inboundHooks.tenantId, tenantId)).orderBy(asc(inboundHooks.createdAt), asc(inboundHooks.id)).all();
}

/** Replaces a hook's settings; with `secret` the old sealed secret is replaced and deleted. */
export async function replaceHook(
  db: Database,
  secrets: SecretStore,
  current: InboundHook,
  settings: HookSettings,
  secret: string | undefined,
  actor: Actor,
  now = Date.now(),
): Promise<InboundHook> {
  const secretRef = secret === undefined ? current.secretRef : await secrets.put({ tenantId: current.tenantId, purpose: SECRET_PURPOSE }, secret);
  const changes = { ...fieldChanges(current, settings), ...(secret === undefined ? {} : { secret: CHANGED }) };
  let row: InboundHook | undefined;
  try {
    [[row]] = await db.batch([
      db
        .update(inboundHooks)
        .set({ ...settings, secretRef, updatedAt: now })
        .where(and(eq(inboundHooks.tenantId, current.tenantId), eq(inboundHooks.id, current.id)))
        .returning(),
      auditRow(db, current.tenantId, { actor, action: "inbound_hook.updated", targetId: current.id, changes }, { now, ifChanged: true }),
    ]);
  } catch (error) {
    if (secretRef !== current.secretRef) await secrets.delete(current.tenantId, secretRef);
    if (isUniqueViolation(error)) throw nameTaken(settings.name);
    throw error;
  }
  if (!row) throw new AppError("NOT_FOUND", `No inbound hook '${current.id}'`);
  if (secretRef !== current.secretRef) await secrets.delete(current.tenantId, current.secretRef);
  return row;
}

/**
 * Deletes the hook (control plane, `db`), then the vendor event ids it remembered (the tenant's shard, `data`):
 * two databases, so two steps; ids left behind by a failure in between name no hook and age out by retention.
 */
export async function deleteHook(db: Database, data: Database, secrets: SecretStore, hook: InboundHook, actor: Actor): Promise<void> {
  await db.batch([
    db.delete(inboundHooks).where(and(eq(inboundHooks.tenantId, hook.tenantId), eq(inboundHooks.id, hook.id))),
    auditRow(db, hook.tenantId, { actor, action: "inbound_hook.deleted", targetId: hook.id }, { ifChanged: true }),
  ]);
  await data.delete(inboundEventIds).where(and(eq(inboundEventIds.tenantId, hook.tenantId), eq(inboundEventIds.hookId, hook.id)));
  await secrets.delete(hook.tenantId, hook.secretRef);
}

export interface EventIdKey {
  tenantId: string;
  hookId: string;
  eventId: string;
}

const eventIdWhere = (key: EventIdKey) =>
  and(eq(inboundEventIds.tenantId, key.tenantId), eq(inboundEventIds.hookId, key.hookId), eq(inboundEventIds.eventId, key.eventId));

/** True when the same vendor event id was accepted for this hook in the last 24 h. */
export async function seenEventId(db: Database, key: EventIdKey, now = Date.now()): Promise<boolean> {
  const row = await db
    .select({ createdAt: inboundEventIds.createdAt })
    .from(inboundEventIds)
    .where(and(eventIdWhere(key), gt(inboundEventIds.createdAt, now - EVENT_ID_WINDOW_MS)))
    .get();
  return row !== undefined;
}

/**
 * The statements that remember an event id, committed in the same batch as the last record change it caused:
 * an expired entry is dropped first; a live one makes the insert fail (a concurrent duplicate), rolling back
 * the batch.
 */
export const rememberEventId = (db: Database, key: EventIdKey, now = Date.now()) =>
  [
    db.delete(inboundEventIds).where(and(eventIdWhere(key), lte(inboundEventIds.createdAt, now - EVENT_ID_WINDOW_MS))),
    db.insert(inboundEventIds).values({ ...key, createdAt: now }),
  ] as const;

/**
 * Deletes up to `limit` remembered vendor event ids older than `before` (retention), oldest first. Only the
 * last EVENT_ID_WINDOW_MS are ever consulted; retention (a day at least) keeps them no shorter than that.
 */
export function pruneEventIds(db: Database, batch: PruneBatch): Promise<number> {
  return deleteOldest(db, inboundEventIds, { tenant: inboundEventIds.tenantId, time: inboundEventIds.createdAt }, batch);
}
