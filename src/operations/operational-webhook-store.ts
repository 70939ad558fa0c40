/**
 * Operational webhook configurations (control plane): one per tenant, and the operator's platform-wide one
 * (owner PLATFORM_OWNER). Each has its own Standard Webhooks secret (`whsec_…`) sealed in KV, made on the first
 * PUT and kept across later ones; rotation keeps each replaced secret signing for SECRET_ROTATION_OVERLAP_MS,
 * as a subscription's rotation does.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { operationalWebhooks, PLATFORM_OWNER, type OperationalEventType, type OperationalWebhook } from "../db/schema";
import type { SecretStore } from "../secrets/secret-store";
import { AppError } from "../runtime/errors";
import { generateSigningSecret, SECRET_ROTATION_OVERLAP_MS } from "../outbound/signing";
import { liveSigningSecrets } from "../subscriptions/signing-secrets";
import { auditRow, type AuditEntry } from "../audit/audit-log";
import { CHANGED } from "../audit/changes";
import type { Actor } from "../audit/actor";

/** The KV purpose of operational webhook secrets (the owner is the sealing context's tenant). */
export const OPERATIONAL_SIGNING_PURPOSE = "ops-signing";
/** The audit target id of a tenant's operational webhook (there is one per tenant). */
const AUDIT_TARGET = "operational-webhook";

/**
 * The audit row of a change, for the change's batch: a tenant's changes are in its audit log; the platform
 * webhook belongs to no tenant, so its changes log nothing here (a no-op statement keeps the batch's shape).
 */
function audited(db: Database, owner: string, actor: Actor, entry: Omit<AuditEntry, "actor" | "targetId">, options: { now: number; ifChanged?: boolean }) {
  if (owner === PLATFORM_OWNER) return null;
  return auditRow(db, owner, { actor, targetId: AUDIT_TARGET, ...entry }, options);
}

/** How often a rotation re-reads and tries again when a concurrent one won the write. */
const ROTATION_TRIES = 3;

export interface OperationalWebhookInput {
  url: string;
  /** null: every event type. */
  events: OperationalEventType[] | null;
}

const notConfigured = (owner: string) =>
  new AppError("NOT_FOUND", owner === "platform" ? "No platform operational webhook is configured" : "No operational webhook is configured for this tenant");

export async function findOperationalWebhook(db: Database, owner: string): Promise<OperationalWebhook | null> {
  const [row] = await db.select().from(operationalWebhooks).where(eq(operationalWebhooks.owner, owner));
  return row ?? null;
}

export async function requireOperationalWebhook(db: Database, owner: string): Promise<OperationalWebhook> {
  const row = await findOperationalWebhook(db, owner);
  if (!row) throw notConfigured(owner);
  return row;
}

/**
 * Creates or replaces the owner's configuration in one statement (racing PUTs leave one whole configuration).
 * The first PUT makes the secret; a PUT that lost the race to create drops the secret it made.
 */
export async function saveOperationalWebhook(
  db: Database,
  store: SecretStore,
  owner: string,
  input: OperationalWebhookInput,
  actor: Actor,
  now = Date.now(),
): Promise<OperationalWebhook> {
  const existing = await findOperationalWebhook(db, owner);
  const ref = existing?.signingSecretRef ?? (await store.put({ tenantId: owner, purpose: OPERATIONAL_SIGNING_PURPOSE }, generateSigningSecret()));
  const upsert = db
    .insert(operationalWebhooks)
    .values({ owner, url: input.url, events: input.events, signingSecretRef: ref, previousSigningSecrets: [], createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: operationalWebhooks.owner, set: { url: input.url, events: input.events, updatedAt: now } })
    .returning();
  const audit = audited(db, owner, actor, { action: "operational_webhook.saved", changes: { url: input.url, events: input.events ?? "all" } }, { now });
  const [[saved]] = audit ? await db.batch([upsert, audit]) : [await upsert];
  if (!saved) throw new Error("An upsert returned no row");
  if (!existing && saved.signingSecretRef !== ref) await store.delete(owner, ref);
  return saved;
}

/** Removes the owner's configuration and its secrets; 404 when there is none. */
export async function deleteOperationalWebhook(db: Database, store: SecretStore, owner: string, actor: Actor, now = Date.now()): Promise<void> {
  const remove = db.delete(operationalWebhooks).where(eq(operationalWebhooks.owner, owner)).returning();
  const audit = audited(db, owner, actor, { action: "operational_webhook.deleted" }, { now, ifChanged: true });
  const [[deleted]] = audit ? await db.batch([remove, audit]) : [await remove];
  if (!deleted) throw notConfigured(owner);
  for (const ref of [deleted.signingSecretRef, ...deleted.previousSigningSecrets.map((previous) => previous.ref)]) await store.delete(owner, ref);
}

/** The current secret. */
export async function readOperationalSecret(db: Database, store: SecretStore, owner: string): Promise<string> {
  const row = await requireOperationalWebhook(db, owner);
  const secret = await store.get(owner, row.signingSecretRef);
  if (!secret) throw new AppError("NOT_FOUND", "The operational webhook has no signing secret");
  return secret;
}

/** Every secret that signs at `now`: the current one first, then the replaced ones not yet expired. */
export async function signingSecretsOf(store: SecretStore, webhook: OperationalWebhook, now: number): Promise<string[]> {
  const refs = [webhook.signingSecretRef, ...liveSigningSecrets(webhook, now).map((previous) => previous.ref)];
  const secrets = await Promise.all(refs.map((ref) => store.get(webhook.owner, ref)));
  return secrets.filter((secret): secret is string => secret !== null);
}

/**
 * A new secret; the one it replaces keeps signing for SECRET_ROTATION_OVERLAP_MS. Written only over the row
 * the rotation read, so racing rotations never drop a secret from the list: the loser reads again.
 */
export async function rotateOperationalSecret(
  db: Database,
  store: SecretStore,
  owner: string,
  actor: Actor,
  now = Date.now(),
): Promise<{ secret: string; previousSecretExpiresAt: string }> {
  const secret = generateSigningSecret();
  const ref = await store.put({ tenantId: owner, purpose: OPERATIONAL_SIGNING_PURPOSE }, secret);
  try {
    for (let attempt = 1; attempt <= ROTATION_TRIES; attempt++) {
      const row = await requireOperationalWebhook(db, owner);
      const expiresAt = now + SECRET_ROTATION_OVERLAP_MS;
      const kept = liveSigningSecrets(row, now);
      // Written only over the row this rotation read: a concurrent rotation's secret is never dropped from the list.
      const update = db
        .update(operationalWebhooks)
        .set({ signingSecretRef: ref, previousSigningSecrets: [...kept, { ref: row.signingSecretRef, expiresAt }], updatedAt: now })
        .where(and(eq(operationalWebhooks.owner, owner), eq(operationalWebhooks.signingSecretRef, row.signingSecretRef)))
        .returning({ owner: operationalWebhooks.owner });
      const audit = audited(db, owner, actor, { action: "operational_webhook.secret_rotated", changes: { signingSecret: CHANGED } }, { now, ifChanged: true });
      const [[written]] = audit ? await db.batch([update, audit]) : [await update];
      if (!written) continue;
      for (const expired of row.previousSigningSecrets.filter((entry) => !kept.includes(entry))) await store.delete(owner, expired.ref);
      return { secret, previousSecretExpiresAt: new Date(expiresAt).toISOString() };
    }
  } catch (error) {
    await store.delete(owner, ref);
    throw error;
  }
  await store.delete(owner, ref);
  throw new AppError("CONFLICT", "The operational webhook's secret was rotated concurrently; try again");
}
