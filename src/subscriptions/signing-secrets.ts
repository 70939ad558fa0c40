/**
 * Each subscription's Standard Webhooks signing secret (`whsec_…`), sealed in KV. Created with the
 * subscription; rotation makes a new one and keeps the previous one signing for 24 hours, so receivers can
 * switch without missing a delivery.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { subscriptions } from "../db/schema";
import type { SecretStore } from "../secrets/secret-store";
import { AppError } from "../runtime/errors";
import { generateSigningSecret, SECRET_ROTATION_OVERLAP_MS } from "../outbound/signing";
import { findSubscription, SIGNING_PURPOSE } from "./subscription-store";

/** The current signing secret of the tenant's subscription `id`. */
export async function readSigningSecret(db: Database, store: SecretStore, tenantId: string, id: string): Promise<string> {
  const subscription = await findSubscription(db, tenantId, id);
  const secret = subscription.signingSecretRef ? await store.get(tenantId, subscription.signingSecretRef) : null;
  if (!secret) throw new AppError("NOT_FOUND", `Subscription '${id}' has no signing secret`);
  return secret;
}

/** Gives the tenant's subscription `id` a new signing secret; the one it replaces keeps signing for 24 hours. */
export async function rotateSigningSecret(
  db: Database,
  store: SecretStore,
  tenantId: string,
  id: string,
  now = Date.now(),
): Promise<{ key: string; previousKeyExpiresAt: string | null }> {
  const subscription = await findSubscription(db, tenantId, id);
  const key = generateSigningSecret();
  const ref = await store.put({ tenantId, purpose: SIGNING_PURPOSE }, key);
  const expiresAt = subscription.signingSecretRef ? now + SECRET_ROTATION_OVERLAP_MS : null;
  await db
    .update(subscriptions)
    .set({ signingSecretRef: ref, previousSigningSecretRef: subscription.signingSecretRef, previousSigningSecretExpiresAt: expiresAt, updatedAt: now })
    .where(and(eq(subscriptions.tenantId, tenantId), eq(subscriptions.id, id)));
  // The secret rotated out two rotations ago is no longer needed by anyone.
  if (subscription.previousSigningSecretRef) await store.delete(tenantId, subscription.previousSigningSecretRef);
  return { key, previousKeyExpiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() };
}
