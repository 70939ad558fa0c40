/**
 * Counts carried over from pruned history (data plane, one row per tenant, metric and label set): when retention
 * deletes counted rows (events, inbound log rows, delivery attempts), the same D1 batch adds what they counted
 * here, so the /metrics counters (live rows + tallies) never fall.
 */
import { sqliteTable, text, integer, primaryKey } from "drizzle-orm/sqlite-core";
import { tenantIdColumn } from "./columns";

export const metricTallies = sqliteTable(
  "metric_tallies",
  {
    tenantId: tenantIdColumn(),
    /** The metric family's name, e.g. `hookgate_events_total`. */
    metric: text("metric").notNull(),
    /** The sample's labels as a JSON object (SQLite json_object, keys in a fixed order per metric). */
    labels: text("labels").notNull(),
    value: integer("value").notNull(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.metric, table.labels] })],
);
