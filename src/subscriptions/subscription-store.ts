/**
 * The subscriptions table: create, read, replace and delete a tenant's subscriptions, with their sealed callback
 * and signing secrets. Ids are `WBH` + 12 digits, sequential per tenant. A subscription that collides with
 * another on (form, events as a set, callback URL) is a CONFLICT; its freshly sealed secrets are removed again.
 * Every create, replace and delete writes its audit row in the same batch (subscription-audit.ts says what).
 */
import { and, asc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { subscriptions, type Subscription } from "../db/schema";
import { AppError } from "../runtime/errors";
import { isUniqueViolation } from "../records/record-keys";
import { bumpSequence, sequenceIdExpression } from "../records/sequences";
import type { SecretStore } from "../secrets/secret-store";
import { generateSigningSecret } from "../outbound/signing";
import type { Actor } from "../audit/actor";
import { auditRow } from "../audit/audit-log";
import { createdChanges, updatedChanges } from "./subscription-audit";
import { openCallbackSecrets, sealCallbackSecrets, secretDestination, secretsToSeal } from "./callback-secrets";
import {
  DEFAULT_DELIVERY_OPTIONS,
  withDeliveryOptions,
  type DeliveryOptions,
  type RetryPolicyOverride,
  type SubscriptionSave,
  type SubscriptionSettings,
} from "./subscription-settings";

/** The tenant sequence the ids are drawn from (its stored name predates the word subscription). */
export const SUBSCRIPTION_SEQUENCE = "webhook";
/** The KV purpose of signing secrets: the store seals a subscription's first one, signing-secrets.ts rotates it. */
export const SIGNING_PURPOSE = "signing";

/** entry_events as a set: the uniqueness key (form, events, URL) ignores order and repeats. */
const entryEventsKey = (events: readonly string[]): string => [...new Set(events)].sort().join(",");

function columnsFrom({ callbackSecrets: _sent, ...settings }: SubscriptionSettings) {
  return {
    ...settings,
    entryEventsKey: entryEventsKey(settings.entryEvents),
    // Saving a subscription again re-enables it after a 410 Gone disabled it.
    disabledReason: null,
  };
}

const conflict = () =>
  new AppError("CONFLICT", "A webhook with the same form_name, entry_events and callback URL already exists");

const notFound = (id: string) => new AppError("NOT_FOUND", `No webhook '${id}'`);

/** Creates a subscription; each delivery option `save` leaves out gets its default. */
export async function createSubscription(db: Database, store: SecretStore, tenantId: string, save: SubscriptionSave, actor: Actor): Promise<Subscription> {
  const settings = withDeliveryOptions(save, DEFAULT_DELIVERY_OPTIONS);
  const sealed = secretsToSeal(settings.authType, settings.callbackSecrets, {});
  const secretRef = await sealCallbackSecrets(store, tenantId, sealed);
  const signingSecretRef = await store.put({ tenantId, purpose: SIGNING_PURPOSE }, generateSigningSecret());
  const now = Date.now();
  const id = sequenceIdExpression(tenantId, SUBSCRIPTION_SEQUENCE, "WBH", 12);
  try {
    const [, inserted] = await db.batch([
      bumpSequence(db, tenantId, SUBSCRIPTION_SEQUENCE),
      db
        .insert(subscriptions)
        .values({
          tenantId,
          id,
          ...columnsFrom(settings),
          secretRef,
          signingSecretRef,
          createdAt: now,
          updatedAt: now,
        })
        .returning(),
      auditRow(db, tenantId, { actor, action: "subscription.created", targetId: id, changes: createdChanges(settings, sealed) }, { now }),
    ]);
    return inserted[0]!;
  } catch (error) {
    if (secretRef) await store.delete(tenantId, secretRef);
    await store.delete(tenantId, signingSecretRef);
    if (isUniqueViolation(error)) throw conflict();
    throw error;
  }
}

export async function findSubscription(db: Database, tenantId: string, id: string): Promise<Subscription> {
  const row = await db.select().from(subscriptions).where(and(eq(subscriptions.tenantId, tenantId), eq(subscriptions.id, id))).get();
  if (!row) throw notFound(id);
  return row;
}

/** A page of the tenant's subscriptions in id order. */
export async function listSubscriptions(db: Database, tenantId: string, offset: number, limit: number): Promise<Subscription[]> {
  return db.select().from(subscriptions).where(eq(subscriptions.tenantId, tenantId)).orderBy(asc(subscriptions.id)).limit(limit).offset(offset).all();
}

/** What an update asks of the delivery engine, which subscriptions/ does not import. */
export interface SubscriptionUpdatePorts {
  /** How many of the subscription's deliveries are open: pending, in flight, or a dead letter blocking its stream. */
  openDeliveries(subscriptionId: string): Promise<number>;
}

const storedDeliveryOptions = (subscription: Subscription): DeliveryOptions => ({
  format: subscription.format,
  ordering: subscription.ordering,
  // The column holds what retryPolicyOverrideSchema accepted when it was saved; db/ cannot name that type.
  retryPolicy: subscription.retryPolicy as RetryPolicyOverride | null,
  deadLetterPolicy: subscription.deadLetterPolicy,
  transformation: subscription.transformation,
  rateLimitPerSecond: subscription.rateLimitPerSecond,
  disableAfterFailingHours: subscription.disableAfterFailingHours,
});

/**
 * Open deliveries keep the stream keys of the ordering they were fanned out under, while new events would
 * get keys of the new one and overtake them: the ordering changes only once none is open.
 */
async function refuseOrderingChangeWhileOpen(existing: Subscription, ordering: SubscriptionSettings["ordering"], ports: SubscriptionUpdatePorts): Promise<void> {
  if (ordering === existing.ordering) return;
  const open = await ports.openDeliveries(existing.id);
  if (open === 0) return;
  throw new AppError("CONFLICT", "ordering cannot change while deliveries are open", [
    {
      path: "ordering",
      message: `stays '${existing.ordering}' while ${open} deliveries are open (pending, in flight, or a dead letter blocking its stream); change it once they are delivered or skipped`,
    },
  ]);
}

/**
 * Replaces a subscription's settings. A callback secret sent masked (`********`) keeps its stored value, and
 * so does each delivery option `save` leaves out. A change of ordering while deliveries are open is a CONFLICT.
 */
export async function updateSubscription(
  db: Database,
  store: SecretStore,
  tenantId: string,
  id: string,
  save: SubscriptionSave,
  ports: SubscriptionUpdatePorts,
  actor: Actor,
): Promise<void> {
  const existing = await findSubscription(db, tenantId, id);
  const settings = withDeliveryOptions(save, storedDeliveryOptions(existing));
  await refuseOrderingChangeWhileOpen(existing, settings.ordering, ports);
  const stored = await openCallbackSecrets(store, existing);
  const destinationChanged = secretDestination(existing) !== secretDestination(settings);
  const sealed = secretsToSeal(settings.authType, settings.callbackSecrets, stored, destinationChanged);
  const secretRef = await sealCallbackSecrets(store, tenantId, sealed);
  const changes = updatedChanges(existing, settings, stored, sealed);
  try {
    await db.batch([
      db
        .update(subscriptions)
        .set({ ...columnsFrom(settings), secretRef, updatedAt: Date.now() })
        .where(and(eq(subscriptions.tenantId, tenantId), eq(subscriptions.id, id))),
      auditRow(db, tenantId, { actor, action: "subscription.updated", targetId: id, changes }, { ifChanged: true }),
    ]);
  } catch (error) {
    if (secretRef) await store.delete(tenantId, secretRef);
    if (isUniqueViolation(error)) throw conflict();
    throw error;
  }
  if (existing.secretRef) await store.delete(tenantId, existing.secretRef);
}

export async function deleteSubscription(db: Database, store: SecretStore, tenantId: string, id: string, actor: Actor): Promise<void> {
  const [[deleted]] = await db.batch([
    db
      .delete(subscriptions)
      .where(and(eq(subscriptions.tenantId, tenantId), eq(subscriptions.id, id)))
      .returning(),
    auditRow(db, tenantId, { actor, action: "subscription.deleted", targetId: id }, { ifChanged: true }),
  ]);
  if (!deleted) throw notFound(id);
  for (const ref of [deleted.secretRef, deleted.signingSecretRef, ...deleted.previousSigningSecrets.map((previous) => previous.ref)]) {
    if (ref) await store.delete(tenantId, ref);
  }
}

/** Every subscription of the tenant, enabled or not (the delivery engine decides what a disabled one holds). */
export function listAllSubscriptions(db: Database, tenantId: string): Promise<Subscription[]> {
  return db.select().from(subscriptions).where(eq(subscriptions.tenantId, tenantId)).all();
}

/**
 * Marks a subscription disabled by the engine (e.g. the receiver answered 410 Gone); saving it again re-enables
 * it. Only the version the engine sent under (`seenUpdatedAt`) is disabled: a save that landed while the 410
 * was on its way is newer than that answer, and wins.
 */
export async function disableSubscription(db: Database, tenantId: string, id: string, reason: string, seenUpdatedAt: number, now = Date.now()): Promise<void> {
  await db
    .update(subscriptions)
    .set({ disabledReason: reason, updatedAt: now })
    .where(and(eq(subscriptions.tenantId, tenantId), eq(subscriptions.id, id), eq(subscriptions.updatedAt, seenUpdatedAt)));
}
