/**
 * Builds the HTTP request of one delivery attempt: the rendered body, the Standard Webhooks headers
 * (`webhook-id` stable per delivery, `webhook-timestamp`, `webhook-signature` with the current and, during a
 * rotation, the previous secret), `user-agent`, and the subscription's callback authentication (BASIC, or an
 * IMS token fetched with the access key and cached until it expires). Credentials come from sealed KV
 * secrets and never reach a log or an attempt record.
 */
import type { Bindings } from "../env";
import type { Subscription } from "../db/schema";
import { secretStore } from "../secrets/secret-store";
import { callbackSecrets } from "../arsys/webhook-store";
import type { CallbackSecrets } from "../arsys/webhook-body";
import type { DeliveryRow } from "./delivery-store";
import { signatureHeaders } from "./signing";
import { sendOutbound } from "./transport";

export const USER_AGENT = "Hookgate/0.1";
const IMS_TOKEN_FALLBACK_TTL_MS = 10 * 60 * 1000;

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** IMS tokens by tenant and access key, shared by every drain of this isolate. */
const imsTokens = new Map<string, CachedToken>();

/**
 * A tenant's opened secrets, kept by the TenantDelivery object across drains so each is read from KV and
 * unsealed once, not once per attempt or per drain. Keyed by secret reference: a reference names one sealed
 * value for good (saving or rotating makes a new one), so a changed subscription never meets a stale secret.
 * Only complete answers are kept: a reference KV does not show yet (eventual consistency) is asked again.
 */
export class OutboundCredentials {
  private readonly callback = new Map<string, Promise<CallbackSecrets>>();
  private readonly signing = new Map<string, Promise<string[]>>();

  constructor(
    private readonly env: Bindings,
    private readonly tenantId: string,
  ) {}

  callbackSecrets(subscription: Subscription): Promise<CallbackSecrets> {
    const ref = subscription.secretRef;
    if (!ref) return Promise.resolve({});
    let secrets = this.callback.get(ref);
    if (!secrets) {
      secrets = callbackSecrets(secretStore(this.env), subscription);
      this.keepIf(this.callback, ref, secrets, (opened) => Object.keys(opened).length > 0);
    }
    return secrets;
  }

  /** The secrets to sign with: the current one, plus the previous one until its 24 h overlap ends. */
  signingSecrets(subscription: Subscription, now: number): Promise<string[]> {
    const refs = [subscription.signingSecretRef];
    if (subscription.previousSigningSecretRef && (subscription.previousSigningSecretExpiresAt ?? 0) > now) {
      refs.push(subscription.previousSigningSecretRef);
    }
    const key = refs.join("\u0000");
    let secrets = this.signing.get(key);
    if (!secrets) {
      secrets = (async () => {
        const store = secretStore(this.env);
        const opened = await Promise.all(refs.map((ref) => (ref ? store.get(this.tenantId, ref) : Promise.resolve(null))));
        return opened.filter((secret): secret is string => secret !== null);
      })();
      this.keepIf(this.signing, key, secrets, (opened) => opened.length === refs.filter(Boolean).length);
    }
    return secrets;
  }

  /** Caches `value` under `key` while it is pending, and keeps it only if it resolves complete. */
  private keepIf<T>(cache: Map<string, Promise<T>>, key: string, value: Promise<T>, complete: (opened: T) => boolean): void {
    cache.set(key, value);
    value.then(
      (opened) => {
        if (!complete(opened) && cache.get(key) === value) cache.delete(key);
      },
      () => {
        if (cache.get(key) === value) cache.delete(key);
      },
    );
  }
}

async function imsToken(subscription: Subscription, secrets: CallbackSecrets, now: number, refresh = false): Promise<string> {
  const settings = subscription.authSettings;
  const cacheKey = `${subscription.tenantId}\u0000${settings.authBaseUrl}\u0000${settings.accessKey}`;
  const cached = imsTokens.get(cacheKey);
  if (cached && !refresh && cached.expiresAt > now) return cached.token;
  const response = await sendOutbound(
    new Request(`${settings.authBaseUrl}${settings.authAccessTokenPath}`, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": USER_AGENT },
      body: JSON.stringify({ access_key: settings.accessKey, access_secret_key: secrets.accessSecretKey, tenant_id: settings.tenantId }),
      redirect: "manual",
    }),
  );
  if (!response.ok) throw new Error(`IMS login answered ${response.status}`);
  const body = (await response.json()) as Record<string, unknown>;
  const token = [body.json_web_token, body.access_token, body.token].find((value): value is string => typeof value === "string");
  if (!token) throw new Error("IMS login answered without a token");
  const expiresIn = typeof body.expires_in === "number" ? body.expires_in * 1000 : IMS_TOKEN_FALLBACK_TTL_MS;
  imsTokens.set(cacheKey, { token, expiresAt: now + expiresIn - 30_000 });
  return token;
}

/** Forgets a cached IMS token (the receiver answered 401: it will be fetched again once). */
export function forgetImsToken(subscription: Subscription): void {
  const settings = subscription.authSettings;
  imsTokens.delete(`${subscription.tenantId}\u0000${settings.authBaseUrl}\u0000${settings.accessKey}`);
}

async function authorization(subscription: Subscription, credentials: OutboundCredentials, now: number): Promise<string | null> {
  if (subscription.authType === "NO_AUTH") return null;
  const secrets = await credentials.callbackSecrets(subscription);
  if (subscription.authType === "BASIC") {
    const pair = new TextEncoder().encode(`${subscription.authSettings.username ?? ""}:${secrets.password ?? ""}`);
    return `Basic ${btoa(String.fromCharCode(...pair))}`;
  }
  const token = await imsToken(subscription, secrets, now);
  return `${subscription.authSettings.authHeaderTokenName ?? "IMS-JWT"} ${token}`;
}

export async function buildOutboundRequest(
  delivery: Pick<DeliveryRow, "id" | "body" | "content_type">,
  subscription: Subscription,
  credentials: OutboundCredentials,
  now: number,
): Promise<Request> {
  const headers = new Headers({ "content-type": delivery.content_type, "user-agent": USER_AGENT });
  const signing = await signatureHeaders({
    id: delivery.id,
    timestamp: Math.floor(now / 1000),
    body: delivery.body,
    secrets: await credentials.signingSecrets(subscription, now),
  });
  for (const [name, value] of Object.entries(signing)) headers.set(name, value);
  const auth = await authorization(subscription, credentials, now);
  if (auth) headers.set("authorization", auth);
  return new Request(subscription.callbackUrl, { method: "POST", headers, body: delivery.body, redirect: "manual" });
}

/**
 * The request of a lifecycle hook delivery (issue 8): the rendered Cymmetri envelope to the delivery's own
 * URL (`{baseUrl}/{hook}`), with the tenant's Bearer token, and `webhook-id`/`webhook-timestamp` so the
 * receiver can drop duplicates (no signature: lifecycle hooks authenticate with the token, as in seed 001).
 */
export async function buildLifecycleRequest(delivery: Pick<DeliveryRow, "id" | "body" | "content_type"> & { url: string }, token: string, now: number): Promise<Request> {
  const headers = new Headers({ "content-type": delivery.content_type, "user-agent": USER_AGENT });
  for (const [name, value] of Object.entries(await signatureHeaders({ id: delivery.id, timestamp: Math.floor(now / 1000), body: delivery.body, secrets: [] }))) {
    headers.set(name, value);
  }
  headers.set("authorization", `Bearer ${token}`);
  return new Request(delivery.url, { method: "POST", headers, body: delivery.body, redirect: "manual" });
}
