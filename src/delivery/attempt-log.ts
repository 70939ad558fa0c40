/**
 * The delivery attempt log (D1 `delivery_attempts`): the attempts of one delivery, first to last, counts per
 * outcome, and its retention. The TenantDelivery object writes the log; the tenant API reads it here.
 */
import { and, asc, eq, gte, isNotNull, lt, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client";
import { deleteTallied, oldestRows, type PruneBatch, type Tally } from "../db/prune";
import { deliveryAttempts, deliveryCursors, type DeliveryAttempt } from "../db/schema";

export function listDeliveryAttempts(db: Database, tenantId: string, deliveryId: string): Promise<DeliveryAttempt[]> {
  return db
    .select()
    .from(deliveryAttempts)
    .where(and(eq(deliveryAttempts.tenantId, tenantId), eq(deliveryAttempts.deliveryId, deliveryId)))
    .orderBy(asc(deliveryAttempts.attempt))
    .all();
}

/**
 * What an attempt's row says of it: `success` (a 2xx answer, as the retry policy counts it), `failure` (any other
 * HTTP status), `error` (no HTTP answer: timeout, connection error, refused by the SSRF guard).
 */
export type AttemptOutcome = "success" | "failure" | "error";

const outcome = sql<AttemptOutcome>`CASE WHEN ${deliveryAttempts.statusCode} BETWEEN 200 AND 299 THEN 'success' WHEN ${deliveryAttempts.statusCode} IS NOT NULL THEN 'failure' ELSE 'error' END`;

/** How many of the tenant's logged attempts (what retention has kept) there are per outcome; a query for a D1 batch. */
export function attemptCountsByOutcome(db: Database, tenantId: string) {
  return db
    .select({ outcome, count: sql<number>`COUNT(*)` })
    .from(deliveryAttempts)
    .where(eq(deliveryAttempts.tenantId, tenantId))
    .groupBy(outcome);
}

/**
 * Deletes up to `limit` of the tenant's attempts that started before `before` (retention), oldest first; `tally`
 * keeps what they counted (per outcome, as attemptCountsByOutcome counts) in the same batch.
 */
export function pruneDeliveryAttempts(db: Database, batch: PruneBatch, tally: Tally): Promise<number> {
  const rows = oldestRows(deliveryAttempts, { tenant: deliveryAttempts.tenantId, time: deliveryAttempts.startedAt }, batch);
  const counts = (selected: SQL) => sql`SELECT json_object('outcome', ${outcome}) AS labels, 1 AS n FROM ${deliveryAttempts} WHERE ${selected}`;
  return deleteTallied(db, deliveryAttempts, rows, { counts, into: tally });
}

/** How far the tenant's delivery object has fanned out (its mirrored cursor; 0: not yet): events past it are still owed. */
export async function deliveredThrough(db: Database, tenantId: string): Promise<number> {
  return (await db.select({ seq: deliveryCursors.seq }).from(deliveryCursors).where(eq(deliveryCursors.tenantId, tenantId)).get())?.seq ?? 0;
}

/**
 * Erasure: empties the response excerpts of every attempt of the given events' deliveries. Their ids all begin
 * `msg_<seq>_` (delivery-tables.ts deliveryId), so each event is one range of the (tenant, delivery id) index
 * ('`' sorts right after '_'), and attempts whose delivery the object has already pruned are found too.
 */
export async function eraseAttemptExcerpts(db: Database, tenantId: string, eventSeqs: readonly number[]): Promise<void> {
  const statements = eventSeqs.map((seq) =>
    db
      .update(deliveryAttempts)
      .set({ responseExcerpt: null })
      .where(
        and(
          eq(deliveryAttempts.tenantId, tenantId),
          gte(deliveryAttempts.deliveryId, `msg_${seq}_`),
          lt(deliveryAttempts.deliveryId, `msg_${seq}\``),
          isNotNull(deliveryAttempts.responseExcerpt),
        ),
      ),
  );
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}
