/**
 * A tenant's lifecycle hooks (seed 001, Cymmetri style): the tenant's own web server, called at
 * `{baseUrl}/{hookName}` with a Bearer token (sealed in KV) around every user lifecycle change. A token Hookgate
 * issued is also a read-only API credential: `token_hash` is its SHA-256 (null for a token the tenant supplied).
 */
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";
import { timestampColumns } from "./columns";

export const lifecycleHookNames = [
  "test",
  "preCreateUser",
  "postCreateUser",
  "preUpdateUser",
  "postUpdateUser",
  "validateUser",
  "validateUpdateUser",
  "changePassword",
  "preProvision",
  "postProvision",
  "policyMap",
  "runDeprovision",
] as const;
export type LifecycleHookName = (typeof lifecycleHookNames)[number];

export const lifecycleHooks = sqliteTable("lifecycle_hooks", {
  tenantId: text("tenant_id").primaryKey(),
  baseUrl: text("base_url").notNull(),
  tokenRef: text("token_ref").notNull(),
  tokenHash: text("token_hash"),
  enabled: text("enabled", { mode: "json" }).$type<LifecycleHookName[]>().notNull(),
  timeoutMs: integer("timeout_ms").notNull(),
  onTimeout: text("on_timeout", { enum: ["reject", "allow"] }).notNull(),
  /** At most this many asynchronous hook calls (postCreateUser…) a second, one bucket per tenant; null = unlimited. */
  rateLimitPerSecond: integer("rate_limit_per_second"),
  ...timestampColumns(),
});

export type LifecycleHooks = typeof lifecycleHooks.$inferSelect;
