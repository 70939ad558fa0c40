/**
 * Subscriptions: a tenant's registered callbacks. AR System webhooks (seed 003) are the first kind; the
 * delivery engine fans each committed event out to the enabled subscriptions whose form, entry_events and
 * condition match. Callback credentials live sealed in KV: D1 keeps only `secretRef`.
 */
import { sqliteTable, text, integer, uniqueIndex, index } from "drizzle-orm/sqlite-core";
import { tenantIdColumn, timestampColumns } from "./columns";

export const entryEvents = ["create", "update", "merge", "delete"] as const;
export type EntryEvent = (typeof entryEvents)[number];

export const callbackAuthTypes = ["NO_AUTH", "BASIC", "BEARER", "IMS", "OAUTH2"] as const;
export type CallbackAuthType = (typeof callbackAuthTypes)[number];

export const payloadFormats = ["ar", "thin"] as const;
export type PayloadFormat = (typeof payloadFormats)[number];

export const orderings = ["subscription", "record"] as const;
export const deadLetterPolicies = ["skip", "block"] as const;
export type DeadLetterPolicy = (typeof deadLetterPolicies)[number];
export type Ordering = (typeof orderings)[number];

/** The non-secret part of a callback's authentication (user names, IMS and OAuth2 endpoints, client ids). */
export interface CallbackAuthSettings {
  username?: string | null;
  accessKey?: string | null;
  tenantId?: string | null;
  authBaseUrl?: string | null;
  authAccessTokenPath?: string | null;
  authRefreshTokenPath?: string | null;
  authHeaderTokenName?: string | null;
  tokenUrl?: string | null;
  clientId?: string | null;
  scope?: string | null;
}

/** A signing secret replaced by a rotation: its KV reference and when it stops signing (ms since the epoch). */
export interface PreviousSigningSecret {
  ref: string;
  expiresAt: number;
}

export const subscriptions = sqliteTable(
  "subscriptions",
  {
    tenantId: tenantIdColumn(),
    id: text("id").notNull(),
    description: text("description"),
    formName: text("form_name").notNull(),
    condition: text("condition").notNull().default(""),
    entryEvents: text("entry_events", { mode: "json" }).$type<EntryEvent[]>().notNull(),
    /** entry_events sorted and joined: the uniqueness key treats the events as a set. */
    entryEventsKey: text("entry_events_key").notNull(),
    payloadFields: text("payload_fields", { mode: "json" }).$type<string[]>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    sendUnchangedFields: integer("send_unchanged_fields", { mode: "boolean" }).notNull(),
    sendAttachmentAsReference: integer("send_attachment_as_reference", { mode: "boolean" }).notNull(),
    customJson: text("custom_json", { mode: "json" }).$type<Record<string, unknown> | null>(),
    callbackUrl: text("callback_url").notNull(),
    authType: text("auth_type", { enum: callbackAuthTypes }).notNull(),
    authSettings: text("auth_settings", { mode: "json" }).$type<CallbackAuthSettings>().notNull(),
    /** KV reference of the sealed callback secret (password, token, accessSecretKey or clientSecret); null when there is none. */
    secretRef: text("secret_ref"),
    format: text("format", { enum: payloadFormats }).notNull().default("ar"),
    ordering: text("ordering", { enum: orderings }).notNull().default("subscription"),
    /** Standard Webhooks signing secret (sealed in KV). */
    signingSecretRef: text("signing_secret_ref"),
    /** The secrets it replaced, each still signing until its own expiry (ms); expired ones go at the next rotation. */
    previousSigningSecrets: text("previous_signing_secrets", { mode: "json" }).$type<PreviousSigningSecret[]>().notNull().default([]),
    /** The one previous secret rows kept before migration 0007 moved it into previous_signing_secrets; no longer read or written. */
    previousSigningSecretRef: text("previous_signing_secret_ref"),
    previousSigningSecretExpiresAt: integer("previous_signing_secret_expires_at"),
    /** Per-subscription retry override ({retryDelaysMs?, maxAttempts?, timeoutMs?}); null = the default policy. */
    retryPolicy: text("retry_policy", { mode: "json" }).$type<Record<string, unknown> | null>(),
    /** What a dead letter does to its stream: `skip` moves on, `block` waits for a replay or skip. */
    deadLetterPolicy: text("dead_letter_policy", { enum: deadLetterPolicies }).notNull().default("skip"),
    /** Outbound transformation: a Jinja template whose JSON object output is sent instead of the payload; null = none. */
    transformation: text("transformation"),
    /** At most this many callbacks a second (a token bucket whose burst equals the rate); null = unlimited. */
    rateLimitPerSecond: integer("rate_limit_per_second"),
    /** Disabled after its callbacks failed this many hours without a success; 0 = never; null = the default (120). */
    disableAfterFailingHours: integer("disable_after_failing_hours"),
    /** Set when a receiver answered 410 Gone; the subscription then receives nothing until re-enabled. */
    disabledReason: text("disabled_reason"),
    ...timestampColumns(),
  },
  (table) => [
    uniqueIndex("subscriptions_tenant_id").on(table.tenantId, table.id),
    uniqueIndex("subscriptions_unique_registration").on(table.tenantId, table.formName, table.entryEventsKey, table.callbackUrl),
    index("subscriptions_tenant_form").on(table.tenantId, table.formName),
  ],
);

export type Subscription = typeof subscriptions.$inferSelect;
