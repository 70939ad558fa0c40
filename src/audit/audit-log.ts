/**
 * The audit_log table: one row per management action (credentials, subscriptions, secrets, hooks, provisioning
 * destinations), saying who did it, when, to what, and what changed. Modules that make such a change put
 * auditRow() in the change's own D1 batch; secrets are redacted here whatever the
 * caller passes (changes.ts). Rows are read newest first, and pruned after the tenant's retention, a year at least.
 */
import { and, desc, eq, lt, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client";
import { auditLog, type AuditLogRow } from "../db/schema";
import { deleteOldest, type PruneBatch } from "../db/prune";
import { newId } from "../runtime/crypto";
import type { Actor } from "./actor";
import { redactSecrets } from "./changes";

/** Every action the log records; the part before the dot is the kind of its target. */
export const auditActions = [
  "api_key.created",
  "api_key.revoked",
  "service_account.created",
  "service_account.deleted",
  "subscription.created",
  "subscription.updated",
  "subscription.deleted",
  "subscription.signing_secret_rotated",
  "inbound_hook.created",
  "inbound_hook.updated",
  "inbound_hook.deleted",
  "lifecycle_hooks.created",
  "lifecycle_hooks.updated",
  "lifecycle_hooks.token_rotated",
  "provisioning_destination.created",
  "provisioning_destination.deleted",
  "operational_webhook.saved",
  "operational_webhook.deleted",
  "operational_webhook.secret_rotated",
] as const;
export type AuditAction = (typeof auditActions)[number];

export interface AuditEntry {
  actor: Actor;
  action: AuditAction;
  /** The target's id, or SQL computing it later in the same batch (an id drawn from a sequence). */
  targetId: string | SQL;
  /** Field names and new values; secret fields are written as "changed". */
  changes?: Record<string, unknown>;
}

/** Audit rows are kept at least this long, however short the tenant's `retentionDays`. */
export const AUDIT_MIN_RETENTION_DAYS = 365;

export const auditRetentionDays = (retentionDays: number): number => Math.max(retentionDays, AUDIT_MIN_RETENTION_DAYS);

/**
 * The statement that logs one action, for the batch that makes the change. `seq` orders rows of the same
 * millisecond: the next one of the tenant's rows at `now`, counted inside the statement, so concurrent writers
 * never share one. With `ifChanged` the row is written only when the statement just before it in the batch
 * changed exactly one row (a revocation, update or delete that found its target live).
 */
export function auditRow(db: Database, tenantId: string, entry: AuditEntry, options: { now?: number; ifChanged?: boolean } = {}) {
  const now = options.now ?? Date.now();
  const targetKind = entry.action.slice(0, entry.action.indexOf("."));
  const changes = entry.changes === undefined ? null : JSON.stringify(redactSecrets(entry.changes));
  const seq = sql`(SELECT COALESCE(MAX(${auditLog.seq}), 0) + 1 FROM ${auditLog} WHERE ${auditLog.tenantId} = ${tenantId} AND ${auditLog.createdAt} = ${now})`;
  // Values in the table's column order, as drizzle's INSERT … SELECT requires.
  return db.insert(auditLog).select(sql`
    SELECT ${newId("aud")}, ${tenantId}, ${seq}, ${entry.actor.kind}, ${entry.actor.id}, ${entry.action}, ${targetKind}, ${entry.targetId}, ${changes}, ${now}
    WHERE ${options.ifChanged ? sql`changes() = 1` : sql`1`}`);
}

/** Where a page of the log starts: just older than this row. */
export interface AuditCursor {
  createdAt: number;
  seq: number;
}

/** A page of the tenant's log, newest first (time, then seq), starting after `before`; up to `limit` rows. */
export function listAuditLog(db: Database, tenantId: string, page: { limit: number; before?: AuditCursor | undefined }): Promise<AuditLogRow[]> {
  const { before } = page;
  return db
    .select()
    .from(auditLog)
    .where(
      and(
        eq(auditLog.tenantId, tenantId),
        before === undefined ? undefined : or(lt(auditLog.createdAt, before.createdAt), and(eq(auditLog.createdAt, before.createdAt), lt(auditLog.seq, before.seq))),
      ),
    )
    .orderBy(desc(auditLog.createdAt), desc(auditLog.seq))
    .limit(page.limit)
    .all();
}

/** Deletes up to `limit` of the tenant's rows older than `before` (retention; see auditRetentionDays), oldest first. */
export function pruneAuditLog(db: Database, batch: PruneBatch): Promise<number> {
  return deleteOldest(db, auditLog, { tenant: auditLog.tenantId, time: auditLog.createdAt }, batch);
}
