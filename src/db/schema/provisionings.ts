/**
 * Application provisionings of a user (Cymmetri lifecycle hooks, seed 001): one row per request to add or remove
 * an application for a `User` record, accepted after the tenant's policyMap and preProvision hooks, and its
 * outcome once the tenant's platform reports it (a second report is refused). Data plane: on the tenant's shard,
 * beside the record and the events it belongs to. Owned by lifecycle/provisioning-store.ts.
 */
import { sqliteTable, text, integer, primaryKey, index } from "drizzle-orm/sqlite-core";
import { createdAtColumn, tenantIdColumn } from "./columns";

export const provisioningActions = ["add", "remove"] as const;
export type ProvisioningAction = (typeof provisioningActions)[number];

/** policyMap's question (seed names): which attribute the application needs, from which field, with which default. */
export interface PolicyMapFields {
  targetAttribute: string;
  cymmetrifield: string;
  defaultValue: string;
  formVeriable: string;
}

export const provisionings = sqliteTable(
  "provisionings",
  {
    tenantId: tenantIdColumn(),
    id: text("id").notNull(),
    /** The `User` record provisioned. */
    recordId: text("record_id").notNull(),
    applicationId: text("application_id").notNull(),
    roleList: text("role_list", { mode: "json" }).$type<unknown[]>().notNull(),
    action: text("action", { enum: provisioningActions }).notNull(),
    policyMap: text("policy_map", { mode: "json" }).$type<PolicyMapFields>().notNull(),
    /** What the tenant's policyMap hook answered (`response.mappedValue`); null when it was not called. */
    mappedValue: text("mapped_value", { mode: "json" }).$type<unknown>(),
    createdAt: createdAtColumn(),
    /** The reported outcome: null until the result is reported. */
    isSuccess: integer("is_success", { mode: "boolean" }),
    uid: text("uid"),
    completedAt: integer("completed_at"),
  },
  (table) => [
    primaryKey({ columns: [table.tenantId, table.id] }),
    index("provisionings_record").on(table.tenantId, table.recordId),
    // Retention deletes completed provisionings oldest first; open ones (completed_at NULL) are never pruned.
    index("provisionings_completed").on(table.tenantId, table.completedAt),
  ],
);

export type Provisioning = typeof provisionings.$inferSelect;
