/**
 * The metrics' tallies (`metric_tallies`, data plane): what retention pruned of the counted history, per tenant,
 * metric and label set. The module owning each counted table adds to it in the very batch that deletes the rows
 * (tallyInto gives it the statement); a scrape adds it to the live counts, so counters only ever rise.
 */
import { eq, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client";
import type { Tally } from "../db/prune";
import { metricTallies } from "../db/schema";

/** The counters a prune would lower: the ones counted from pruned tables. */
export type PrunedCounter = "hookgate_inbound_requests_total" | "hookgate_events_total" | "hookgate_delivery_attempts_total";

/** A Tally adding `(labels, n)` pairs to the tenant's tallies of `metric`. */
export function tallyInto(db: Database, tenantId: string, metric: PrunedCounter): Tally {
  // `WHERE true`: SQLite's upsert after INSERT … SELECT needs a WHERE so ON CONFLICT is not read as a join's ON.
  return (labelledCounts: SQL) =>
    db
      .insert(metricTallies)
      .select(sql`SELECT ${tenantId}, ${metric}, labels, SUM(n) FROM (${labelledCounts}) WHERE true GROUP BY labels`)
      .onConflictDoUpdate({ target: [metricTallies.tenantId, metricTallies.metric, metricTallies.labels], set: { value: sql`${metricTallies.value} + excluded.value` } });
}

/** The tenant's tallies; a query for a D1 batch. */
export function talliesOf(db: Database, tenantId: string) {
  return db.select({ metric: metricTallies.metric, labels: metricTallies.labels, value: metricTallies.value }).from(metricTallies).where(eq(metricTallies.tenantId, tenantId));
}
