/**
 * The cron's retention pass: for the tenants that waited longest, deletes what is older than each tenant's
 * `retentionDays` — events the delivery cursor has passed, inbound log rows, vendor event ids, idempotency
 * keys, delivery attempts, the delivery object's closed deliveries, attachment files a later upload
 * replaced (records/attachment-store.ts), provisionings whose result was reported, and operational events. Every delete is a bounded batch and a
 * run does a bounded number of them, so a run's cost is known however large the history; what is left waits
 * for the next run. Open work is never pruned. Each table's own module does its deletes. The same pass drops
 * sign-in throttle counters whose window has ended (control plane, not per tenant), in the same bounded batches.
 * The tenant's audit log (control plane) is kept longer: a year at least (auditRetentionDays).
 */
import type { Bindings } from "../runtime/env";
import { database } from "../db/client";
import { shardDatabase } from "../db/shards";
import type { PruneBatch } from "../db/prune";
import { markPruned, tenantsToPrune } from "../tenancy/tenant-store";
import { pruneEvents } from "../records/retention";
import { pruneReplacedUploads } from "../records/attachment-store";
import { pruneCompletedProvisionings } from "../lifecycle/provisioning-store";
import { pruneIdempotencyKeys } from "../inbound/idempotency";
import { deliveredThrough, pruneDeliveryAttempts } from "../delivery/attempt-log";
import { pruneClosedDeliveries } from "../delivery/delivery-retention";
import { pruneInboundLog } from "../inbound/inbound-log";
import { pruneEventIds } from "../inbound/configurable/hook-store";
import { pruneSignInFailures } from "../auth/sign-in-failure-store";
import { pruneRevokedTokens } from "../auth/revoked-tokens";
import { auditRetentionDays, pruneAuditLog } from "../audit/audit-log";
import { pruneOperationalEvents } from "../operations/operational-event-store";
import { tallyInto } from "../stats/metric-tallies";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionLimits {
  /** Tenants visited per run, those pruned longest ago first. */
  tenantsPerRun: number;
  /** Rows one delete removes at most. */
  batch: number;
  /** Deletes per table and tenant in one run. */
  batchesPerTable: number;
}

export const DEFAULT_RETENTION_LIMITS: RetentionLimits = { tenantsPerRun: 25, batch: 500, batchesPerTable: 4 };

export const PRUNED_KINDS = ["events", "idempotencyKeys", "inboundLog", "eventIds", "attempts", "deliveries", "auditLog", "replacedAttachments", "provisionings", "operationalEvents"] as const;
export type PrunedKind = (typeof PRUNED_KINDS)[number];

export interface RetentionReport {
  tenants: number;
  deleted: Record<PrunedKind, number>;
  /** Sign-in throttle counters whose window had ended. */
  signInFailures: number;
  /** Logged-out token ids whose tokens had all expired. */
  revokedTokens: number;
}

/** Repeats one bounded delete until it removes less than a full batch or the run's share is spent. */
async function repeatBatches(limits: RetentionLimits, prune: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let run = 0; run < limits.batchesPerTable; run++) {
    const deleted = await prune();
    total += deleted;
    if (deleted < limits.batch) break;
  }
  return total;
}

export async function pruneExpired(env: Bindings, now = Date.now(), limits: RetentionLimits = DEFAULT_RETENTION_LIMITS): Promise<RetentionReport> {
  const db = database(env.DB);
  const due = await tenantsToPrune(db, limits.tenantsPerRun);
  const deleted = Object.fromEntries(PRUNED_KINDS.map((kind) => [kind, 0])) as Record<PrunedKind, number>;
  for (const tenant of due) {
    // Every pruned table but the audit log is data plane: it lives on the tenant's shard.
    const data = shardDatabase(env, tenant.shard);
    const batch: PruneBatch = { tenantId: tenant.id, before: now - tenant.retentionDays * DAY_MS, limit: limits.batch };
    const cursor = await deliveredThrough(data, tenant.id);
    const prunes: Record<PrunedKind, () => Promise<number>> = {
      // The counted tables keep what they counted in the metrics' tallies, so /metrics counters never fall.
      events: () => pruneEvents(data, { ...batch, deliveredThrough: cursor }, tallyInto(data, tenant.id, "hookgate_events_total")),
      idempotencyKeys: () => pruneIdempotencyKeys(data, batch),
      inboundLog: () => pruneInboundLog(data, batch, tallyInto(data, tenant.id, "hookgate_inbound_requests_total")),
      eventIds: () => pruneEventIds(data, batch),
      attempts: () => pruneDeliveryAttempts(data, batch, tallyInto(data, tenant.id, "hookgate_delivery_attempts_total")),
      // A tenant whose delivery object never fanned anything out has no deliveries: its object is not woken.
      deliveries: () => (cursor === 0 ? Promise.resolve(0) : pruneClosedDeliveries(env, tenant.id, batch.before, batch.limit)),
      auditLog: () => pruneAuditLog(db, { ...batch, before: now - auditRetentionDays(tenant.retentionDays) * DAY_MS }),
      // Files a later upload replaced (their rows and R2 objects); a record's current files go only with the record.
      replacedAttachments: () => pruneReplacedUploads(data, env.ATTACHMENTS, batch),
      // Provisionings whose result was reported; one still waiting for its result is open work.
      provisionings: () => pruneCompletedProvisionings(data, batch),
      operationalEvents: () => pruneOperationalEvents(data, batch),
    };
    for (const kind of PRUNED_KINDS) deleted[kind] += await repeatBatches(limits, prunes[kind]);
  }
  await markPruned(db, due.map((tenant) => tenant.id), now);
  const signInFailures = await repeatBatches(limits, () => pruneSignInFailures(db, now, limits.batch));
  const revokedTokens = await repeatBatches(limits, () => pruneRevokedTokens(db, now, limits.batch));
  return { tenants: due.length, deleted, signInFailures, revokedTokens };
}
