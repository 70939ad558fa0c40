/**
 * Each subscription's Standard Webhooks signing secret (`whsec_…`), sealed in KV. Created with the
 * subscription; rotation makes a new one and keeps the previous one signing for 24 hours, so receivers can
 * switch without missing a delivery.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import type { Bindings } from "../runtime/env";
import { subscriptions, type Subscription } from "../db/schema";
import { secretStore } from "../secrets/secret-store";
import { AppError } from "../runtime/errors";
import { generateSigningSecret, SECRET_ROTATION_OVERLAP_MS } from "../outbound/signing";

export const SIGNING_PURPOSE = "signing";

/** Seals a fresh signing secret for a tenant; returns its reference. */
export const newSigningSecretRef = (env: Pick<Bindings, "SECRETS" | "MASTER_KEY">, tenantId: string): Promise<string> =>
  secretStore(env).put({ tenantId, purpose: SIGNING_PURPOSE }, generateSigningSecret());

export async function readSigningSecret(env: Pick<Bindings, "SECRETS" | "MASTER_KEY">, subscription: Subscription): Promise<string> {
  const secret = subscription.signingSecretRef ? await secretStore(env).get(subscription.tenantId, subscription.signingSecretRef) : null;
  if (!secret) throw new AppError("NOT_FOUND", `Subscription '${subscription.id}' has no signing secret`);
  return secret;
}

export async function rotateSigningSecret(
  db: Database,
  env: Pick<Bindings, "SECRETS" | "MASTER_KEY">,
  subscription: Subscription,
  now = Date.now(),
): Promise<{ key: string; previousKeyExpiresAt: string | null }> {
  const store = secretStore(env);
  const key = generateSigningSecret();
  const ref = await store.put({ tenantId: subscription.tenantId, purpose: SIGNING_PURPOSE }, key);
  const expiresAt = subscription.signingSecretRef ? now + SECRET_ROTATION_OVERLAP_MS : null;
  await db
    .update(subscriptions)
    .set({ signingSecretRef: ref, previousSigningSecretRef: subscription.signingSecretRef, previousSigningSecretExpiresAt: expiresAt, updatedAt: now })
    .where(and(eq(subscriptions.tenantId, subscription.tenantId), eq(subscriptions.id, subscription.id)));
  // The secret rotated out two rotations ago is no longer needed by anyone.
  if (subscription.previousSigningSecretRef) await store.delete(subscription.tenantId, subscription.previousSigningSecretRef);
  return { key, previousKeyExpiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() };
}
