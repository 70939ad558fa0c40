/**
 * Configurable inbound hooks (seed 004, Oomnitza style): a tenant's named hook with a vendor preset, its
 * verification (header secret, HMAC, Standard Webhooks; the secret sealed in KV), the record event it makes,
 * the Jinja template that maps the vendor body to record fields, and the sync keys that find the record.
 * `inbound_event_ids` remembers vendor event ids for 24 h so a redelivered event changes nothing.
 */
import { index, sqliteTable, text, primaryKey, uniqueIndex } from "drizzle-orm/sqlite-core";
import { idColumn, tenantIdColumn, createdAtColumn, timestampColumns } from "./columns";

export const inboundHookAuthKinds = ["header_secret", "hmac", "standard_webhooks"] as const;
export type InboundHookAuthKind = (typeof inboundHookAuthKinds)[number];

/** What a hook does to the record of each item; `auto` lets the preset or the template decide per item. */
export const inboundHookEvents = ["create", "update", "archive", "auto"] as const;
export type InboundHookEvent = (typeof inboundHookEvents)[number];
/** The change one item makes: `create` upserts, `update` needs the record, `archive` soft-deletes it. */
export type RecordAction = Exclude<InboundHookEvent, "auto">;

/** Non-secret verification settings (header name, HMAC algorithm, encoding, prefix). */
export interface InboundHookAuthSettings {
  headerName?: string;
  algorithm?: "sha1" | "sha256" | "sha512";
  encoding?: "hex" | "base64";
  prefix?: string;
}

export const inboundHooks = sqliteTable(
  "inbound_hooks",
  {
    id: idColumn(),
    tenantId: tenantIdColumn(),
    name: text("name").notNull(),
    preset: text("preset").notNull(),
    authKind: text("auth_kind", { enum: inboundHookAuthKinds }).notNull(),
    authSettings: text("auth_settings", { mode: "json" }).$type<InboundHookAuthSettings>().notNull(),
    secretRef: text("secret_ref").notNull(),
    event: text("event", { enum: inboundHookEvents }).notNull(),
    form: text("form").notNull().default("User"),
    template: text("template").notNull(),
    syncKeys: text("sync_keys", { mode: "json" }).$type<string[]>().notNull(),
    ...timestampColumns(),
  },
  (table) => [uniqueIndex("inbound_hooks_tenant_name").on(table.tenantId, table.name)],
);

export const inboundEventIds = sqliteTable(
  "inbound_event_ids",
  {
    tenantId: tenantIdColumn(),
    hookId: text("hook_id").notNull(),
    eventId: text("event_id").notNull(),
    createdAt: createdAtColumn(),
  },
  // Pruned by age (retention), oldest first.
  (table) => [primaryKey({ columns: [table.tenantId, table.hookId, table.eventId] }), index("inbound_event_ids_tenant_time").on(table.tenantId, table.createdAt)],
);

export type InboundHook = typeof inboundHooks.$inferSelect;
