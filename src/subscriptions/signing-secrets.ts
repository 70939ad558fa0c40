/**
 * Each subscription's Standard Webhooks signing secret (`whsec_…`), sealed in KV. Created with the
 * subscription; rotation makes a new one and keeps every one it replaced signing until its own expiry (24
 * hours after the rotation that replaced it), so receivers can switch without missing a delivery. A rotation
 * writes its audit row in the batch that stores it.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { subscriptions, type PreviousSigningSecret, type Subscription } from "../db/schema";
import type { SecretStore } from "../secrets/secret-store";
import { AppError } from "../runtime/errors";
import { generateSigningSecret, SECRET_ROTATION_OVERLAP_MS } from "../outbound/signing";
import { findSubscription, SIGNING_PURPOSE } from "./subscription-store";
import type { Actor } from "../audit/actor";
import { auditRow } from "../audit/audit-log";
import { CHANGED } from "../audit/changes";

/** How often a rotation re-reads and tries again when another rotation of the same subscription won the write. */
const ROTATION_TRIES = 3;

/** The current signing secret of the tenant's subscription `id`. */
export async function readSigningSecret(db: Database, store: SecretStore, tenantId: string, id: string): Promise<string> {
  const subscription = await findSubscription(db, tenantId, id);
  const secret = subscription.signingSecretRef ? await store.get(tenantId, subscription.signingSecretRef) : null;
  if (!secret) throw new AppError("NOT_FOUND", `Subscription '${id}' has no signing secret`);
  return secret;
}

/** The replaced secrets that still sign at `now`: each until its own expiry. */
export const liveSigningSecrets = (subscription: Pick<Subscription, "previousSigningSecrets">, now: number): PreviousSigningSecret[] =>
  subscription.previousSigningSecrets.filter((previous) => previous.expiresAt > now);

/**
 * Gives the tenant's subscription `id` a new signing secret. The one it replaces keeps signing for 24 hours,
 * and so does every earlier one until its own expiry; expired ones leave the list and KV now.
 */
export async function rotateSigningSecret(
  db: Database,
  store: SecretStore,
  tenantId: string,
  id: string,
  actor: Actor,
  now = Date.now(),
): Promise<{ key: string; previousKeyExpiresAt: string | null }> {
  const key = generateSigningSecret();
  const ref = await store.put({ tenantId, purpose: SIGNING_PURPOSE }, key);
  for (let attempt = 1; attempt <= ROTATION_TRIES; attempt++) {
    const subscription = await findSubscription(db, tenantId, id);
    const replaced = subscription.signingSecretRef;
    const expiresAt = replaced ? now + SECRET_ROTATION_OVERLAP_MS : null;
    const kept = liveSigningSecrets(subscription, now);
    const previous = replaced && expiresAt !== null ? [...kept, { ref: replaced, expiresAt }] : kept;
    // Written only over the row this rotation read: a concurrent rotation's secret is never dropped from the list.
    const current = replaced === null ? isNull(subscriptions.signingSecretRef) : eq(subscriptions.signingSecretRef, replaced);
    const [written] = await db.batch([
      db
        .update(subscriptions)
        .set({ signingSecretRef: ref, previousSigningSecrets: previous, updatedAt: now })
        .where(and(eq(subscriptions.tenantId, tenantId), eq(subscriptions.id, id), current))
        .returning({ id: subscriptions.id }),
      auditRow(db, tenantId, { actor, action: "subscription.signing_secret_rotated", targetId: id, changes: { signingSecret: CHANGED } }, { now, ifChanged: true }),
    ]);
    if (written.length === 0) continue;
    for (const expired of subscription.previousSigningSecrets.filter((entry) => !kept.includes(entry))) await store.delete(tenantId, expired.ref);
    return { key, previousKeyExpiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() };
  }
  await store.delete(tenantId, ref);
  throw new AppError("CONFLICT", `Subscription '${id}' was rotated concurrently; try again`);
}
