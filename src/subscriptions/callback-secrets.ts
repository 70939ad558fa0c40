/**
 * A subscription's callback secret (BASIC password, BEARER token, IMS access secret key or OAuth2 client
 * secret), sealed in KV: the subscriptions row keeps only its reference. A secret sent masked (`********`)
 * keeps the stored value.
 */
import type { CallbackAuthSettings, CallbackAuthType, Subscription } from "../db/schema";
import { AppError } from "../runtime/errors";
import type { SecretStore } from "../secrets/secret-store";
import { MASKED_SECRET } from "../secrets/seal";

const SECRET_PURPOSE = "callback-auth";

export interface CallbackSecrets {
  password?: string;
  token?: string;
  accessSecretKey?: string;
  clientSecret?: string;
}

/** The one secret field of each authentication type: only it is sealed, masked and required. */
const callbackSecretField: Record<CallbackAuthType, keyof CallbackSecrets | null> = {
  NO_AUTH: null,
  BASIC: "password",
  BEARER: "token",
  IMS: "accessSecretKey",
  OAUTH2: "clientSecret",
};

/** Where a callback's secret is sent: the callback URL and, for IMS and OAuth2, the token endpoint. */
export const secretDestination = (settings: { callbackUrl: string; authSettings: CallbackAuthSettings }): string =>
  JSON.stringify([
    settings.callbackUrl,
    settings.authSettings.authBaseUrl ?? null,
    settings.authSettings.authAccessTokenPath ?? null,
    settings.authSettings.authRefreshTokenPath ?? null,
    settings.authSettings.tokenUrl ?? null,
  ]);

/**
 * The secrets a save seals: the sent value of the type's secret field or, when it was sent masked, the
 * stored one. A type that needs a secret and gets none from either is VALIDATION_FAILED. A masked secret is
 * kept only while it goes where it went (`destinationChanged` false): anyone who can edit the subscription
 * could otherwise point it at their own server and receive a secret the API never shows.
 */
export function secretsToSeal(authType: CallbackAuthType, sent: CallbackSecrets, stored: CallbackSecrets, destinationChanged = false): CallbackSecrets {
  const field = callbackSecretField[authType];
  if (!field) return {};
  if (sent[field] === MASKED_SECRET && destinationChanged) {
    throw new AppError("VALIDATION_FAILED", `callback.authentication.${field} must be sent again: the destination changed`, [
      { path: `callback.authentication.${field}`, message: "is masked, but the callback URL or token endpoint changed: send the secret itself" },
    ]);
  }
  const value = sent[field] === MASKED_SECRET ? stored[field] : sent[field];
  if (!value) {
    throw new AppError("VALIDATION_FAILED", `callback.authentication.${field} is required`, [
      { path: `callback.authentication.${field}`, message: "is required (no stored value to keep)" },
    ]);
  }
  return { [field]: value };
}

/** Seals the secrets; null when there are none. */
export async function sealCallbackSecrets(store: SecretStore, tenantId: string, secrets: CallbackSecrets): Promise<string | null> {
  return Object.keys(secrets).length === 0 ? null : store.put({ tenantId, purpose: SECRET_PURPOSE }, JSON.stringify(secrets));
}

/** The subscription's unsealed callback secrets; empty when it has none (or KV does not show them yet). */
export async function openCallbackSecrets(store: SecretStore, subscription: Subscription): Promise<CallbackSecrets> {
  if (!subscription.secretRef) return {};
  const sealed = await store.get(subscription.tenantId, subscription.secretRef);
  return sealed ? (JSON.parse(sealed) as CallbackSecrets) : {};
}
