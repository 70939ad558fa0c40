/**
 * Storage of AR webhook registrations (the `subscriptions` table) and their sealed callback secrets.
 * Ids are `WBH` + 12 digits, sequential per tenant. A registration that collides with another on
 * (form, events as a set, callback URL) is a CONFLICT; its freshly sealed secret is removed again.
 */
import { and, asc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { subscriptions, type CallbackAuthSettings, type Subscription } from "../db/schema";
import { AppError } from "../runtime/errors";
import { isUniqueViolation } from "../records/record-keys";
import { bumpSequence, sequenceIdExpression } from "../records/sequences";
import type { SecretStore } from "../secrets/secret-store";
import { generateSigningSecret } from "../outbound/signing";
import { SIGNING_PURPOSE } from "./signing-secrets";
import { callbackSecretField, entryEventsKey, secretsFrom, type CallbackSecrets, type WebhookRegistration } from "../arsys/webhook-body";

const WEBHOOK_SEQUENCE = "webhook";
const SECRET_PURPOSE = "callback-auth";

function columnsFrom(registration: WebhookRegistration) {
  const auth = registration.callback.authentication;
  const settings: CallbackAuthSettings = {
    username: auth?.username ?? null,
    accessKey: auth?.accessKey ?? null,
    tenantId: auth?.tenantId ?? null,
    authBaseUrl: auth?.authBaseUrl ?? null,
    authAccessTokenPath: auth?.authAccessTokenPath ?? null,
    authRefreshTokenPath: auth?.authRefreshTokenPath ?? null,
    authHeaderTokenName: auth?.authHeaderTokenName ?? null,
    tokenUrl: auth?.tokenUrl ?? null,
    clientId: auth?.clientId ?? null,
    scope: auth?.scope ?? null,
  };
  return {
    description: registration.description ?? null,
    formName: registration.form_name,
    condition: registration.condition ?? "",
    entryEvents: registration.entry_events,
    entryEventsKey: entryEventsKey(registration.entry_events),
    payloadFields: registration.payload_fields ?? [],
    enabled: registration.enabled,
    sendUnchangedFields: registration.send_unchanged_fields,
    sendAttachmentAsReference: registration.send_attachment_as_reference,
    customJson: registration.custom_json ?? null,
    callbackUrl: registration.callback.url,
    authType: auth?.type ?? "NO_AUTH",
    authSettings: settings,
    format: registration.format,
    ordering: registration.ordering,
    retryPolicy: registration.retry_policy ?? null,
    deadLetterPolicy: registration.dead_letter_policy,
    // Saving a registration again re-enables a subscription a 410 Gone disabled.
    disabledReason: null,
  };
}

const conflict = () =>
  new AppError("CONFLICT", "A webhook with the same form_name, entry_events and callback URL already exists");

async function sealSecrets(store: SecretStore, tenantId: string, secrets: CallbackSecrets): Promise<string | null> {
  return Object.keys(secrets).length === 0 ? null : store.put({ tenantId, purpose: SECRET_PURPOSE }, JSON.stringify(secrets));
}

export async function callbackSecrets(store: SecretStore, subscription: Subscription): Promise<CallbackSecrets> {
  if (!subscription.secretRef) return {};
  const sealed = await store.get(subscription.tenantId, subscription.secretRef);
  return sealed ? (JSON.parse(sealed) as CallbackSecrets) : {};
}

function requireSecrets(registration: WebhookRegistration, secrets: CallbackSecrets): void {
  const field = callbackSecretField[registration.callback.authentication?.type ?? "NO_AUTH"];
  const missing = field && !secrets[field] ? field : null;
  if (missing) {
    throw new AppError("VALIDATION_FAILED", `callback.authentication.${missing} is required`, [
      { path: `callback.authentication.${missing}`, message: "is required (no stored value to keep)" },
    ]);
  }
}

export async function createWebhook(db: Database, store: SecretStore, tenantId: string, registration: WebhookRegistration): Promise<Subscription> {
  const { secrets } = secretsFrom(registration);
  requireSecrets(registration, secrets);
  const secretRef = await sealSecrets(store, tenantId, secrets);
  const signingSecretRef = await store.put({ tenantId, purpose: SIGNING_PURPOSE }, generateSigningSecret());
  const now = Date.now();
  try {
    const [, inserted] = await db.batch([
      bumpSequence(db, tenantId, WEBHOOK_SEQUENCE),
      db
        .insert(subscriptions)
        .values({
          tenantId,
          id: sequenceIdExpression(tenantId, WEBHOOK_SEQUENCE, "WBH", 12),
          ...columnsFrom(registration),
          secretRef,
          signingSecretRef,
          createdAt: now,
          updatedAt: now,
        })
        .returning(),
    ]);
    return inserted[0]!;
  } catch (error) {
    if (secretRef) await store.delete(tenantId, secretRef);
    await store.delete(tenantId, signingSecretRef);
    if (isUniqueViolation(error)) throw conflict();
    throw error;
  }
}

export async function findWebhook(db: Database, tenantId: string, id: string): Promise<Subscription> {
  const row = await db.select().from(subscriptions).where(and(eq(subscriptions.tenantId, tenantId), eq(subscriptions.id, id))).get();
  if (!row) throw new AppError("NOT_FOUND", `No webhook '${id}'`);
  return row;
}

export async function listWebhooks(db: Database, tenantId: string, offset: number, limit: number): Promise<Subscription[]> {
  return db.select().from(subscriptions).where(eq(subscriptions.tenantId, tenantId)).orderBy(asc(subscriptions.id)).limit(limit).offset(offset).all();
}

/** Replaces a registration. Secrets sent masked (`********`) keep their stored value. */
export async function updateWebhook(
  db: Database,
  store: SecretStore,
  tenantId: string,
  id: string,
  registration: WebhookRegistration,
): Promise<void> {
  const existing = await findWebhook(db, tenantId, id);
  const { secrets, keep } = secretsFrom(registration);
  const stored = await callbackSecrets(store, existing);
  for (const field of keep) if (stored[field]) secrets[field] = stored[field];
  requireSecrets(registration, secrets);
  const secretRef = await sealSecrets(store, tenantId, secrets);
  try {
    await db
      .update(subscriptions)
      .set({ ...columnsFrom(registration), secretRef, updatedAt: Date.now() })
      .where(and(eq(subscriptions.tenantId, tenantId), eq(subscriptions.id, id)));
  } catch (error) {
    if (secretRef) await store.delete(tenantId, secretRef);
    if (isUniqueViolation(error)) throw conflict();
    throw error;
  }
  if (existing.secretRef) await store.delete(tenantId, existing.secretRef);
}

export async function deleteWebhook(db: Database, store: SecretStore, tenantId: string, id: string): Promise<void> {
  const [deleted] = await db
    .delete(subscriptions)
    .where(and(eq(subscriptions.tenantId, tenantId), eq(subscriptions.id, id)))
    .returning();
  if (!deleted) throw new AppError("NOT_FOUND", `No webhook '${id}'`);
  for (const ref of [deleted.secretRef, deleted.signingSecretRef, deleted.previousSigningSecretRef]) {
    if (ref) await store.delete(tenantId, ref);
  }
}

/** Every subscription of the tenant, enabled or not (the delivery engine decides what a disabled one holds). */
export function listAllSubscriptions(db: Database, tenantId: string): Promise<Subscription[]> {
  return db.select().from(subscriptions).where(eq(subscriptions.tenantId, tenantId)).all();
}

/** Marks a subscription disabled by the engine (e.g. the receiver answered 410 Gone); saving it again re-enables it. */
export async function disableSubscription(db: Database, tenantId: string, id: string, reason: string, now = Date.now()): Promise<void> {
  await db
    .update(subscriptions)
    .set({ disabledReason: reason, updatedAt: now })
    .where(and(eq(subscriptions.tenantId, tenantId), eq(subscriptions.id, id)));
}
